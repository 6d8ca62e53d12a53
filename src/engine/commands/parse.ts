/** Argument parsing shared by command handlers, with Redis's acceptance rules. */
import { isCanonicalInt64 } from '../keyspace/object.ts';

/**
 * getLongLongFromObject: the argument must be exactly a signed 64-bit integer in canonical form (string2ll
 * rejects "+1", "01", " 1"). Returned as bigint so no precision is lost; null when not an integer.
 */
export function parseInt64(arg: string): bigint | null {
  return isCanonicalInt64(arg) ? BigInt(arg) : null;
}

/** Case-insensitive comparison of an argument with an ASCII keyword. */
export function isKeyword(arg: string, keyword: string): boolean {
  return arg.length === keyword.length && arg.toUpperCase() === keyword;
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** getRangeLongFromObjectOrReply's message when a number is outside its range (Redis 7.0's own wording). */
export function outOfRange(min: number | bigint, max: number | bigint): string {
  return `ERR value is out of range, value must between ${min} and ${max}`;
}

/**
 * A millisecond deadline kept exactly: a number when it is a safe integer (every realistic deadline), else the
 * bigint itself, so PEXPIRETIME reports 9223372036854775807 and not a rounded neighbour.
 */
export function exactMs(v: bigint): number | bigint {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}

/**
 * getIntFromObjectOrReply: a 64-bit integer argument that must also fit a C int. Returns the number or the
 * error text to reply with (`notIntegerMessage` replaces the default "not an integer" text when given).
 */
export function parseIntArg(arg: string, notIntegerMessage?: string): number | { error: string } {
  const v = parseInt64(arg);
  if (v === null) return { error: notIntegerMessage ? `ERR ${notIntegerMessage}` : 'ERR value is not an integer or out of range' };
  if (v < BigInt(INT_MIN) || v > BigInt(INT_MAX)) return { error: notIntegerMessage ? `ERR ${notIntegerMessage}` : outOfRange(INT_MIN, INT_MAX) };
  return Number(v);
}
