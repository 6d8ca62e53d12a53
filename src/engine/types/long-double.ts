/**
 * x87 80-bit "long double" arithmetic, as Redis 7.0 on x86-64 uses for INCRBYFLOAT and HINCRBYFLOAT: a 64-bit
 * mantissa, round-half-even, and printing with "%.17Lf". JavaScript doubles (53-bit mantissa) would give other
 * digits (10.5 + 0.1 prints 10.6 here, 10.59999999999999964 with doubles), so values are exact BigInt
 * mantissa/exponent pairs.
 */

/** sign * m * 2^e, with 2^63 <= m < 2^64 (or m = 0). */
export interface LongDouble {
  neg: boolean;
  m: bigint;
  e: number;
}

const TWO63 = 1n << 63n;
const TWO64 = 1n << 64n;
/** Largest and smallest binary exponents of a normal 80-bit long double (for its top mantissa bit). */
const MAX_EXP = 16383;
const MIN_EXP = -16382;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** The long double nearest to num/den (both positive), or 'overflow' / 'underflow'. */
function fromRational(neg: boolean, num: bigint, den: bigint): LongDouble | 'overflow' | 'underflow' {
  if (num === 0n) return { neg, m: 0n, e: 0 };
  let e = bitLength(num) - bitLength(den) - 64;
  for (;;) {
    const scaledNum = e < 0 ? num << BigInt(-e) : num;
    const scaledDen = e > 0 ? den << BigInt(e) : den;
    let q = scaledNum / scaledDen;
    if (q < TWO63) {
      e--;
      continue;
    }
    if (q >= TWO64) {
      e++;
      continue;
    }
    const rem2 = (scaledNum % scaledDen) * 2n;
    if (rem2 > scaledDen || (rem2 === scaledDen && (q & 1n) === 1n)) q++;
    if (q === TWO64) {
      q >>= 1n;
      e++;
    }
    if (e + 63 > MAX_EXP) return 'overflow';
    if (e + 63 < MIN_EXP) return 'underflow';
    return { neg, m: q, e };
  }
}

/**
 * strtold over the whole string, as Redis's string2ld accepts it: decimal or hex (0x...p...), an optional sign,
 * no surrounding spaces, "inf"/"infinity"; NaN, junk and out-of-range values are refused (null).
 */
export function parseLongDouble(s: string): LongDouble | 'inf' | '-inf' | null {
  if (s.length === 0 || s.length > 5000 || /^\s/.test(s)) return null;
  const lower = s.toLowerCase();
  const inf = /^([+-]?)(inf|infinity)$/.exec(lower);
  if (inf) return inf[1] === '-' ? '-inf' : 'inf';
  let r: LongDouble | 'overflow' | 'underflow';
  const dec = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/.exec(lower);
  const hex = /^([+-]?)0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/.exec(lower);
  if (dec && (dec[2] + (dec[3] ?? '')).length > 0) {
    const digits = dec[2] + (dec[3] ?? '');
    const exp = Number(dec[4] ?? 0) - (dec[3] ?? '').length;
    if (Math.abs(exp) > 20000) return BigInt(digits) === 0n ? { neg: dec[1] === '-', m: 0n, e: 0 } : null;
    const n = BigInt(digits);
    r = exp >= 0 ? fromRational(dec[1] === '-', n * 10n ** BigInt(exp), 1n) : fromRational(dec[1] === '-', n, 10n ** BigInt(-exp));
  } else if (hex && (hex[2] + (hex[3] ?? '')).length > 0) {
    const digits = hex[2] + (hex[3] ?? '');
    const exp = Number(hex[4] ?? 0) - 4 * (hex[3] ?? '').length;
    if (Math.abs(exp) > 70000) return null;
    const n = BigInt('0x' + digits);
    r = exp >= 0 ? fromRational(hex[1] === '-', n << BigInt(exp), 1n) : fromRational(hex[1] === '-', n, 1n << BigInt(-exp));
  } else return null;
  // ERANGE: an overflow, or a non-zero value too small to represent, makes string2ld refuse it.
  return typeof r === 'string' ? null : r;
}

/** a + b, rounded to the nearest long double; 'inf'/'-inf' on overflow. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | 'inf' | '-inf' {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const va = (a.neg ? -a.m : a.m) << BigInt(a.e - e);
  const vb = (b.neg ? -b.m : b.m) << BigInt(b.e - e);
  const sum = va + vb;
  const neg = sum < 0n;
  const abs = neg ? -sum : sum;
  const r = e >= 0 ? fromRational(neg, abs << BigInt(e), 1n) : fromRational(neg, abs, 1n << BigInt(-e));
  if (r === 'overflow') return neg ? '-inf' : 'inf';
  return r === 'underflow' ? { neg, m: 0n, e: 0 } : r;
}

/**
 * ld2string in "human" mode: printf("%.17Lf") (exact value, rounded half-even at 17 decimals), then trailing
 * zeros and a trailing dot removed, and "-0" written as "0".
 */
export function formatLongDoubleHuman(x: LongDouble): string {
  const scale = 10n ** 17n;
  let q: bigint;
  if (x.e >= 0) q = (x.m * scale) << BigInt(x.e);
  else {
    const num = x.m * scale;
    const den = 1n << BigInt(-x.e);
    q = num / den;
    const rem2 = (num % den) * 2n;
    if (rem2 > den || (rem2 === den && (q & 1n) === 1n)) q++;
  }
  const int = q / scale;
  const frac = (q % scale).toString().padStart(17, '0').replace(/0+$/, '');
  const text = (x.neg ? '-' : '') + int.toString() + (frac ? '.' + frac : '');
  return text === '-0' ? '0' : text;
}
