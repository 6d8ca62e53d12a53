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
 * Redis's strtod-based score parsing (getDoubleFromObject): the whole argument must be a number; "inf",
 * "+inf", "-inf" (any case) are accepted; NaN and anything with trailing junk or spaces is not.
 */
export function parseDouble(s: string): number | null {
  if (s.length === 0 || /^\s/.test(s)) return null;
  const lower = s.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) && !/^[+-]?0[xX][0-9a-fA-F]+$/.test(s)) return null;
  const v = /^[+-]?0[xX]/.test(s) ? (s.startsWith('-') ? -1 : 1) * parseInt(s.replace(/^[+-]?0[xX]/, ''), 16) : Number(s);
  return Number.isNaN(v) ? null : v;
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
