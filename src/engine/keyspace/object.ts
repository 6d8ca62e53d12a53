/**
 * A value stored under a key (Redis's robj). The type decides which commands may touch it (WRONGTYPE
 * otherwise); the encoding is what OBJECT ENCODING reports and what the memory model charges for.
 */
import type { ByteString } from '../types/bytes.ts';

export type RedisType = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream';

export interface StringObject {
  type: 'string';
  value: ByteString;
}

/** Later issues add the aggregate types here. */
export type RedisObject = StringObject;

export function createStringObject(value: ByteString): StringObject {
  return { type: 'string', value };
}

/** Longest string stored inline with its header (OBJ_ENCODING_EMBSTR_SIZE_LIMIT). */
export const EMBSTR_SIZE_LIMIT = 44;

/**
 * The encoding Redis 7.0 gives a string value written by SET: "int" when the bytes are the canonical form of a
 * 64-bit integer (no sign '+', no leading zeros, at most 20 chars), "embstr" up to 44 bytes, else "raw".
 */
export function stringEncoding(value: ByteString): 'int' | 'embstr' | 'raw' {
  if (value.length <= 20 && isCanonicalInt64(value)) return 'int';
  return value.length <= EMBSTR_SIZE_LIMIT ? 'embstr' : 'raw';
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** Redis's string2ll: accepts exactly the strings that print back identically as a signed 64-bit integer. */
export function isCanonicalInt64(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20) return false;
  if (n === 1) return s.charCodeAt(0) >= 48 && s.charCodeAt(0) <= 57;
  let i = 0;
  if (s.charCodeAt(0) === 45) i = 1; // '-'
  const first = s.charCodeAt(i);
  if (first < 49 || first > 57) return false; // no leading zero, no "-0", no "-"
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return false;
  }
  if (n - i < 19) return true;
  const v = BigInt(s);
  return v >= INT64_MIN && v <= INT64_MAX;
}
