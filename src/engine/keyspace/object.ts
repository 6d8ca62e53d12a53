/**
 * A value stored under a key (Redis's robj). The type decides which commands may touch it (WRONGTYPE
 * otherwise); the encoding is what OBJECT ENCODING reports and what the memory model charges for.
 */
import type { ByteString } from '../types/bytes.ts';
import type { SkipList } from './skiplist.ts';
import { sdsGrowAlloc } from '../memory/encodings-size.ts';

export type RedisType = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream';

export interface StringObject {
  type: 'string';
  value: ByteString;
  /** OBJECT ENCODING: how Redis would hold it (int, embstr or raw). */
  enc: 'int' | 'embstr' | 'raw';
  /** One of Redis's shared integer objects (0..9999): OBJECT REFCOUNT reports INT_MAX for them. */
  shared: boolean;
  /** Last access, unix ms (the LRU clock behind OBJECT IDLETIME and eviction). */
  lru: number;
  /** A raw string grown in place keeps spare room (sds greedy growth): its allocation in bytes, for MEMORY USAGE. */
  sdsAlloc?: number;
}

export interface HashObject {
  type: 'hash';
  /** Field to value. A Map keeps insertion order, which is a listpack's order too. */
  value: Map<ByteString, ByteString>;
  /** listpack while small (hash-max-listpack-entries/-value), hashtable after; never converts back. */
  enc: 'listpack' | 'hashtable';
  shared: false;
  lru: number;
}

export interface ListObject {
  type: 'list';
  /** Elements head first. */
  value: ByteString[];
  /** Redis 7.0 keeps every list as a quicklist (small-list listpacks arrived in 7.2). */
  enc: 'quicklist';
  shared: false;
  lru: number;
}

export interface SetObject {
  type: 'set';
  value: Set<ByteString>;
  /**
   * intset while every member is an integer and there are at most set-max-intset-entries of them (members then
   * come back in ascending numeric order, as an intset stores them); hashtable otherwise, for good.
   */
  enc: 'intset' | 'hashtable';
  shared: false;
  lru: number;
}

export interface ZsetObject {
  type: 'zset';
  /** Member to score, for O(1) ZSCORE, beside the skiplist that keeps them ordered. */
  dict: Map<ByteString, number>;
  zsl: SkipList;
  /** listpack while small (zset-max-listpack-entries/-value), skiplist after; never converts back. */
  enc: 'listpack' | 'skiplist';
  shared: false;
  lru: number;
}

export type RedisObject = StringObject | HashObject | ListObject | SetObject | ZsetObject;

/** Values 0..9999 are shared objects unless an LRU/LFU policy needs per-key access data (OBJ_SHARED_INTEGERS). */
export const OBJ_SHARED_INTEGERS = 10000;

/**
 * A string value as a command stores it after tryObjectEncoding: "int" for canonical 64-bit integers of up to
 * 20 characters (a shared object for 0..9999 when `sharedIntegers`), "embstr" up to 44 bytes, else "raw".
 */
export function createStringObject(value: ByteString, nowMs = 0, sharedIntegers = true): StringObject {
  if (value.length <= 20 && isCanonicalInt64(value)) {
    const n = value.length <= 4 ? Number(value) : -1;
    return { type: 'string', value, enc: 'int', shared: sharedIntegers && n >= 0 && n < OBJ_SHARED_INTEGERS, lru: nowMs };
  }
  return { type: 'string', value, enc: value.length <= EMBSTR_SIZE_LIMIT ? 'embstr' : 'raw', shared: false, lru: nowMs };
}

/**
 * A string made from text without tryObjectEncoding (createStringObject): embstr or raw by length, never int,
 * even when the text is an integer (INCRBYFLOAT stores its result this way).
 */
export function createPlainStringObject(value: ByteString, nowMs = 0): StringObject {
  return { type: 'string', value, enc: value.length <= EMBSTR_SIZE_LIMIT ? 'embstr' : 'raw', shared: false, lru: nowMs };
}

/** A string built by modifying another in place (APPEND, SETRANGE): always raw, as Redis unshares it. */
export function createRawStringObject(value: ByteString, nowMs = 0): StringObject {
  return { type: 'string', value, enc: 'raw', shared: false, lru: nowMs };
}

/**
 * A string modified in place (APPEND, SETRANGE, SETBIT): raw, with the spare room Redis's sds growth leaves.
 * `old` is the value before (undefined when the key was created for this command).
 */
export function createGrownStringObject(old: StringObject | undefined, value: ByteString, nowMs = 0): StringObject {
  const o = createRawStringObject(value, nowMs);
  if (old !== undefined) o.sdsAlloc = sdsGrowAlloc(old.enc === 'raw' ? old.sdsAlloc : undefined, old.value.length, value.length);
  return o;
}

/**
 * The longest string value the lab holds: 512 MB less 64 KB. Values are JS strings, and V8 (Chrome, Node) caps a
 * string at 2^29 - 24 characters, 24 bytes short of Redis's 512 MB proto-max-bulk-len; the 64 KB margin leaves
 * room for the text around a value (an error that quotes it, a DUMP payload's header). A command that would
 * build a longer string is refused with labStringLimitError instead of crashing the node (docs/fidelity.md).
 */
export const LAB_MAX_STRING_BYTES = 512 * 1024 * 1024 - 64 * 1024;

export const LAB_STRING_LIMIT_ERROR = `ERR string exceeds Cluster Lab's limit of ${LAB_MAX_STRING_BYTES} bytes (a JavaScript string's maximum length)`;

/** Longest string stored inline with its header (OBJ_ENCODING_EMBSTR_SIZE_LIMIT). */
export const EMBSTR_SIZE_LIMIT = 44;

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
