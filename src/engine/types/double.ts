/**
 * Doubles as Redis 7.0 prints them in replies: printf's "%.17g" (so 0.1 reads back as 0.10000000000000001),
 * with "inf" and "-inf" for infinities. Shortest round-trip printing only arrived in Redis 7.2.
 */
export function formatDouble17g(d: number): string {
  // JS rounds exact ties away from zero where glibc rounds them to even: only a double whose digits after the
  // 17th read "5000..." can be a tie, and those take the exact path.
  if (d !== 0 && Number.isFinite(d)) {
    const wide = d.toExponential(19);
    const e = wide.indexOf('e');
    if (wide.slice(e - 3, e) === '500') return formatG17(d);
  }
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const [, expText] = d.toExponential(16).split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 17) {
    const [mantissa] = d.toExponential(16).split('e');
    const m = trimZeros(mantissa);
    const sign = exp < 0 ? '-' : '+';
    return `${m}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return trimZeros(d.toFixed(16 - exp));
}

function trimZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

/**
 * Redis's strtod-based score parsing (getDoubleFromObject): the whole argument must be a number (decimal, or a
 * C99 hex float such as 0x1p3); "inf", "infinity" and a sign are accepted; empty, a leading space, trailing
 * junk, NaN and a value out of range (1e309, or 1e-400, which underflows to zero) are not.
 */
export function parseDouble(s: string): number | null {
  if (s.length === 0 || isCSpace(s.charCodeAt(0))) return null;
  const r = strtod(s);
  if (r.end !== s.length || Number.isNaN(r.value)) return null;
  if (r.erange && (r.value === 0 || !Number.isFinite(r.value))) return null;
  return r.value;
}

/**
 * zslParseRange's reading of a score bound (after any "("): bare strtod, with no range check. Leading spaces
 * are skipped, an empty string is 0, 1e-400 is 0 and -1e309 is -inf; only trailing junk and NaN are refused.
 * The text ends at a NUL byte, as a C string does.
 */
export function parseRangeDouble(s: string): number | null {
  const r = strtod(s);
  if ((r.end !== s.length && s.charCodeAt(r.end) !== 0) || Number.isNaN(r.value)) return null;
  return r.value;
}

/** C's isspace in the "C" locale. */
const isCSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);

export interface StrtodResult {
  value: number;
  /** Where parsing stopped (0 when nothing was converted, as strtod leaves endptr at the start). */
  end: number;
  /** errno == ERANGE: the value overflowed to infinity or underflowed (to zero or a subnormal). */
  erange: boolean;
}

/**
 * glibc's strtod over `s`: leading white space, a sign, then "inf"/"infinity", "nan" or "nan(...)", a hex float
 * (0x, hex digits with an optional point, an optional binary exponent "p"), or a decimal with an optional
 * exponent. Decimal text converts with JS's own correctly rounded conversion, the same result as glibc's.
 */
export function strtod(s: string): StrtodResult {
  const none = { value: 0, end: 0, erange: false };
  let i = 0;
  while (i < s.length && isCSpace(s.charCodeAt(i))) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  const sign = neg ? -1 : 1;
  const rest = s.slice(i, i + 8).toLowerCase();
  if (rest.startsWith('inf')) return { value: sign * Infinity, end: i + (rest === 'infinity' ? 8 : 3), erange: false };
  if (rest.startsWith('nan')) {
    let end = i + 3;
    if (s[end] === '(') {
      const close = /^\([0-9A-Za-z_]*\)/.exec(s.slice(end));
      if (close) end += close[0].length;
    }
    return { value: NaN, end, erange: false };
  }
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X')) {
    const hex = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?/.exec(s.slice(i));
    const intDigits = hex?.[1] ?? '';
    const fracDigits = hex?.[2] ?? '';
    // "0x" with no digit converts just the "0".
    if (intDigits.length + fracDigits.length === 0) return { value: sign * 0, end: i + 1, erange: false };
    let end = i + hex![0].length;
    let exp = 0;
    const p = /^[pP]([+-]?\d+)/.exec(s.slice(end));
    if (p) {
      exp = Math.max(-1e6, Math.min(1e6, Number(p[1])));
      end += p[0].length;
    }
    return { ...hexValue(neg, intDigits + fracDigits, exp - 4 * fracDigits.length), end };
  }
  const dec = /^(\d*)(?:\.(\d*))?/.exec(s.slice(i))!;
  if ((dec[1] ?? '').length + (dec[2] ?? '').length === 0) return none;
  let end = i + dec[0].length;
  const e = /^[eE][+-]?\d+/.exec(s.slice(end));
  if (e) end += e[0].length;
  const text = s.slice(i, end);
  const magnitude = Number(text);
  const zeroDigits = !/[1-9]/.test((dec[1] ?? '') + (dec[2] ?? ''));
  const erange = !Number.isFinite(magnitude) || (magnitude === 0 && !zeroDigits) || (magnitude !== 0 && magnitude < 2.2250738585072014e-308);
  return { value: sign * magnitude, end, erange };
}

/** A hex float's value: the integer `digits` (hex) times 2^exp, rounded to a double. */
function hexValue(neg: boolean, digits: string, exp: number): { value: number; erange: boolean } {
  let m = BigInt('0x' + digits);
  const sign = neg ? -1 : 1;
  if (m === 0n) return { value: sign * 0, erange: false };
  // Keep 64 significant bits plus a sticky bit, so Number() rounds once, to nearest even.
  const bits = m.toString(2).length;
  if (bits > 64) {
    const drop = bits - 64;
    const sticky = (m & ((1n << BigInt(drop)) - 1n)) !== 0n ? 1n : 0n;
    m = (m >> BigInt(drop)) | sticky;
    exp += drop;
  }
  let value = Number(m);
  let e = exp;
  while (e > 0) {
    const step = Math.min(e, 1000);
    value *= 2 ** step;
    e -= step;
  }
  while (e < 0) {
    const step = Math.max(e, -1000);
    value *= 2 ** step;
    e -= step;
  }
  const erange = !Number.isFinite(value) || value < 2.2250738585072014e-308;
  return { value: sign * value, erange };
}

const PRECISION = 17;

/** The exact decimal digits of a positive finite double and the power of ten of the first one. */
function exactDigits(x: number): { digits: string; exp10: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const expBits = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (expBits === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = expBits - 1075;
  }
  // x = mant * 2^e2 = digits * 10^-frac
  let digits: string;
  let frac: number;
  if (e2 >= 0) {
    digits = (mant << BigInt(e2)).toString();
    frac = 0;
  } else {
    digits = (mant * 5n ** BigInt(-e2)).toString();
    frac = -e2;
  }
  return { digits, exp10: digits.length - frac - 1 };
}

/** "%.17g" from the exact binary value, ties to even: "inf", "-inf", "nan", "-0" included. */
export function formatG17(d: number): string {
  return formatG(d, PRECISION);
}

/** printf's "%.<precision>g" from the exact binary value, ties to even (Lua 5.1 prints numbers with "%.14g"). */
export function formatG(d: number, precision: number): string {
  if (Number.isNaN(d)) return d < 0 ? '-nan' : 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const sign = d < 0 ? '-' : '';
  let { digits, exp10 } = exactDigits(Math.abs(d));
  if (digits.length > precision) {
    let q = BigInt(digits.slice(0, precision));
    const first = digits[precision];
    const tailNonZero = /[1-9]/.test(digits.slice(precision + 1));
    if (first > '5' || (first === '5' && (tailNonZero || (q & 1n) === 1n))) q += 1n;
    digits = q.toString();
    if (digits.length > precision) {
      digits = digits.slice(0, precision);
      exp10++;
    }
  }
  digits = digits.replace(/0+$/, '');
  if (digits === '') digits = '0';
  if (exp10 < -4 || exp10 >= precision) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp10);
    return `${sign}${mantissa}e${exp10 < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  if (exp10 < 0) return `${sign}0.${'0'.repeat(-exp10 - 1)}${digits}`;
  const intLen = exp10 + 1;
  if (digits.length <= intLen) return sign + digits + '0'.repeat(intLen - digits.length);
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}
