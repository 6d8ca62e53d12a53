/**
 * Doubles as Redis 7.0 prints them in replies: printf's "%.17g" (so 0.1 reads back as 0.10000000000000001),
 * with "inf" and "-inf" for infinities. Shortest round-trip printing only arrived in Redis 7.2.
 */
export function formatDouble17g(d: number): string {
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
