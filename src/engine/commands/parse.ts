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
