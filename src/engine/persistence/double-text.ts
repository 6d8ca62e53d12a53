/**
 * printf's "%.17g" for doubles, exactly as glibc prints them: the double's exact binary value rounded to 17
 * significant digits with ties to even. (JS's toFixed/toExponential round ties away from zero, which differs
 * for doubles whose exact expansion ends in a 5 right after the 17th digit, e.g. 222487752791494.125.)
 * d2string uses it for scores stored as text in a sorted set's listpack, so DUMP bytes depend on it.
 */
export { formatG17 } from '../types/double.ts';
