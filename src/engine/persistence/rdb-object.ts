/**
 * Values in Redis 7.0's RDB object format (rdb.c rdbSaveObjectType/rdbSaveObject and rdbLoadObject): the bytes
 * DUMP produces and RESTORE reads, and the body of every key in an RDB file.
 *
 * Saving follows the value's encoding: a string as an RDB string; a list as QUICKLIST_2 (its nodes' listpacks);
 * an intset set as SET_INTSET, a hashtable one as SET; listpack hashes and sorted sets as their listpack, the
 * others as HASH (field, value pairs) and ZSET_2 (member and binary score, from the highest to the lowest).
 * Loading accepts every object type Redis 7.0 loads except streams, modules and 2.4-era zipmaps, and gives the
 * value the encoding Redis gives it under the current configuration.
 */
import { bytesToByteString, type ByteString } from '../types/bytes.ts';
import type { HashObject, ListObject, RedisObject, SetObject, ZsetObject } from '../keyspace/object.ts';
import { createStringObject, isCanonicalInt64 } from '../keyspace/object.ts';
import type { SkipList } from '../keyspace/skiplist.ts';
import { formatG17 } from './double-text.ts';
import { RdbFormatError, type RdbReader, type RdbWriter, strtodPrefix } from './rdb-io.ts';
import { decodeListpack, encodeListpack } from './listpack.ts';
import { decodeIntset, encodeIntset } from './intset.ts';
import { decodeZiplist } from './ziplist.ts';
import { QUICKLIST_NODE_CONTAINER_PACKED, QUICKLIST_NODE_CONTAINER_PLAIN, quicklistNodes } from './quicklist.ts';

export const RDB_VERSION = 10;

export const RDB_TYPE_STRING = 0;
export const RDB_TYPE_LIST = 1;
export const RDB_TYPE_SET = 2;
export const RDB_TYPE_ZSET = 3;
export const RDB_TYPE_HASH = 4;
export const RDB_TYPE_ZSET_2 = 5;
export const RDB_TYPE_MODULE = 6;
export const RDB_TYPE_MODULE_2 = 7;
export const RDB_TYPE_HASH_ZIPMAP = 9;
export const RDB_TYPE_LIST_ZIPLIST = 10;
export const RDB_TYPE_SET_INTSET = 11;
export const RDB_TYPE_ZSET_ZIPLIST = 12;
export const RDB_TYPE_HASH_ZIPLIST = 13;
export const RDB_TYPE_LIST_QUICKLIST = 14;
export const RDB_TYPE_STREAM_LISTPACKS = 15;
export const RDB_TYPE_HASH_LISTPACK = 16;
export const RDB_TYPE_ZSET_LISTPACK = 17;
export const RDB_TYPE_LIST_QUICKLIST_2 = 18;
export const RDB_TYPE_STREAM_LISTPACKS_2 = 19;

/** rdbIsObjectType. */
export function isObjectType(t: number): boolean {
  return (t >= 0 && t <= 7) || (t >= 9 && t <= 19);
}

export interface RdbSaveOptions {
  /** rdbcompression: LZF-compress strings longer than 20 bytes when that saves at least 4. */
  compression: boolean;
  /** list-max-listpack-size: the quicklist fill factor. */
  listMaxListpackSize: number;
  /** list-compress-depth. */
  listCompressDepth: number;
}

export interface RdbLoadOptions {
  hashMaxListpackEntries: number;
  hashMaxListpackValue: number;
  zsetMaxListpackEntries: number;
  zsetMaxListpackValue: number;
  setMaxIntsetEntries: number;
  /** Whether 0..9999 may become shared integer objects (no LRU/LFU maxmemory policy). */
  sharedIntegers: boolean;
  /** The new value's access time. */
  nowMs: number;
  /** A fresh skiplist (it draws its levels from the node's generator). */
  newSkipList(): SkipList;
}

// ---- saving --------------------------------------------------------------------------------------------------

/** rdbSaveObjectType. */
export function rdbObjectType(o: RedisObject): number {
  switch (o.type) {
    case 'string':
      return RDB_TYPE_STRING;
    case 'list':
      return RDB_TYPE_LIST_QUICKLIST_2;
    case 'set':
      return o.enc === 'intset' ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET;
    case 'zset':
      return o.enc === 'listpack' ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2;
    case 'hash':
      return o.enc === 'listpack' ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH;
  }
}

/** The members of a sorted set, lowest first, as the skiplist (and a listpack) orders them. */
function* zsetAscending(o: ZsetObject): Generator<[ByteString, number]> {
  for (let n = o.zsl.header.level[0].forward; n; n = n.level[0].forward) yield [n.member, n.score];
}

/**
 * How zzlInsertAt stores a score in a listpack: an integral score within ±2^62 (double2ll) as that integer,
 * anything else as d2string's "%.17g" text ("inf", "-inf" for infinities).
 */
export function listpackScore(score: number): ByteString {
  if (Number.isInteger(score) && Math.abs(score) <= 2 ** 62) {
    return Math.abs(score) <= Number.MAX_SAFE_INTEGER ? String(score) : BigInt(score).toString();
  }
  return formatG17(score);
}

/** rdbSaveObject. */
export function rdbSaveObject(w: RdbWriter, o: RedisObject, opts: RdbSaveOptions): void {
  const compress = opts.compression;
  switch (o.type) {
    case 'string':
      w.rawString(o.value, compress);
      return;
    case 'list': {
      const nodes = quicklistNodes(o.value, opts.listMaxListpackSize, opts.listCompressDepth);
      w.saveLen(nodes.length);
      for (const node of nodes) {
        w.saveLen(node.container);
        if (node.compressed !== null) w.lzfBlob(node.compressed, node.data.length);
        else w.rawString(node.data, compress);
      }
      return;
    }
    case 'set':
      if (o.enc === 'intset') {
        w.rawString(encodeIntset(o.value), compress);
      } else {
        w.saveLen(o.value.size);
        for (const m of o.value) w.rawString(m, compress);
      }
      return;
    case 'zset':
      if (o.enc === 'listpack') {
        const entries: ByteString[] = [];
        for (const [member, score] of zsetAscending(o)) entries.push(member, listpackScore(score));
        w.rawString(encodeListpack(entries), compress);
      } else {
        // From the tail: the loader then always inserts at the head of its skiplist.
        w.saveLen(o.zsl.length);
        for (let n = o.zsl.tail; n; n = n.backward) {
          w.rawString(n.member, compress);
          w.binaryDouble(n.score);
        }
      }
      return;
    case 'hash':
      if (o.enc === 'listpack') {
        const entries: ByteString[] = [];
        for (const [f, v] of o.value) entries.push(f, v);
        w.rawString(encodeListpack(entries), compress);
      } else {
        w.saveLen(o.value.size);
        for (const [f, v] of o.value) {
          w.rawString(f, compress);
          w.rawString(v, compress);
        }
      }
      return;
  }
}

// ---- loading -------------------------------------------------------------------------------------------------

const bad = (why: string): never => {
  throw new RdbFormatError(why);
};

function newList(elements: ByteString[], opts: RdbLoadOptions): ListObject {
  return { type: 'list', value: elements, enc: 'quicklist', shared: false, lru: opts.nowMs };
}

function newHash(opts: RdbLoadOptions): HashObject {
  return { type: 'hash', value: new Map(), enc: 'listpack', shared: false, lru: opts.nowMs };
}

function newSet(opts: RdbLoadOptions, enc: SetObject['enc']): SetObject {
  return { type: 'set', value: new Set(), enc, shared: false, lru: opts.nowMs };
}

function newZset(opts: RdbLoadOptions): ZsetObject {
  return { type: 'zset', dict: new Map(), zsl: opts.newSkipList(), enc: 'skiplist', shared: false, lru: opts.nowMs };
}

/** A sorted set from (member, score) pairs; duplicates and NaN scores are corrupt data. */
function zsetFromPairs(pairs: Iterable<[ByteString, number]>, opts: RdbLoadOptions): ZsetObject {
  const z = newZset(opts);
  for (const [member, score] of pairs) {
    if (Number.isNaN(score)) bad('zset with NaN score');
    if (z.dict.has(member)) bad('duplicate zset member');
    z.dict.set(member, score);
    z.zsl.insert(score, member);
  }
  return z;
}

/** Pairs of a flat [a1, b1, a2, b2, ...] list; an odd length is corrupt. */
function pairsOf(entries: ByteString[]): [ByteString, ByteString][] {
  if (entries.length % 2 !== 0) bad('odd number of elements');
  const out: [ByteString, ByteString][] = [];
  for (let i = 0; i < entries.length; i += 2) out.push([entries[i], entries[i + 1]]);
  return out;
}

/** zzlGetScore: an integer entry is the score; text goes through strtod (0 when it is not a number). */
function scoreFromListpack(s: ByteString): number {
  const v = strtodPrefix(s.slice(0, 127));
  return v === null ? 0 : v;
}

function hashFromPairs(pairs: [ByteString, ByteString][], opts: RdbLoadOptions): HashObject {
  const h = newHash(opts);
  for (const [f, v] of pairs) {
    if (h.value.has(f)) bad('duplicate hash field');
    h.value.set(f, v);
  }
  return h;
}

/** The elements of a listpack blob, or corrupt. */
function listpackOf(blob: Uint8Array): ByteString[] {
  return decodeListpack(blob) ?? bad('listpack integrity check failed');
}

function ziplistOf(blob: Uint8Array): ByteString[] {
  return decodeZiplist(blob) ?? bad('ziplist integrity check failed');
}

/**
 * rdbLoadObject: reads a value of RDB type `type`. Throws RdbFormatError for anything Redis would refuse
 * (including an empty collection) and for the types the lab cannot hold (streams, modules, zipmaps).
 */
export function rdbLoadObject(type: number, r: RdbReader, opts: RdbLoadOptions): RedisObject {
  switch (type) {
    case RDB_TYPE_STRING:
      return createStringObject(r.byteString(), opts.nowMs, opts.sharedIntegers);

    case RDB_TYPE_LIST: {
      const len = r.loadLen();
      if (len === 0) bad('empty key');
      const elements: ByteString[] = [];
      for (let i = 0; i < len; i++) elements.push(r.byteString());
      return newList(elements, opts);
    }

    case RDB_TYPE_SET: {
      const len = r.loadLen();
      if (len === 0) bad('empty key');
      const maxEntries = Math.min(opts.setMaxIntsetEntries, 1 << 30);
      const s = newSet(opts, len > maxEntries ? 'hashtable' : 'intset');
      for (let i = 0; i < len; i++) {
        const m = r.byteString();
        if (s.enc === 'intset' && !isCanonicalInt64(m)) s.enc = 'hashtable';
        if (s.value.has(m)) bad('duplicate set member');
        s.value.add(m);
      }
      return s;
    }

    case RDB_TYPE_ZSET_2:
    case RDB_TYPE_ZSET: {
      const len = r.loadLen();
      if (len === 0) bad('empty key');
      const pairs: [ByteString, number][] = [];
      let maxLen = 0;
      for (let i = 0; i < len; i++) {
        const member = r.byteString();
        const score = type === RDB_TYPE_ZSET_2 ? r.binaryDouble() : r.textDouble();
        if (member.length > maxLen) maxLen = member.length;
        pairs.push([member, score]);
      }
      const z = zsetFromPairs(pairs, opts);
      // Converted after loading, as the pairs come in no particular order.
      if (z.dict.size <= opts.zsetMaxListpackEntries && maxLen <= opts.zsetMaxListpackValue) z.enc = 'listpack';
      return z;
    }

    case RDB_TYPE_HASH: {
      const len = r.loadLen();
      if (len === 0) bad('empty key');
      const h = newHash(opts);
      if (len > opts.hashMaxListpackEntries) h.enc = 'hashtable';
      for (let i = 0; i < len; i++) {
        const f = r.byteString();
        const v = r.byteString();
        if (h.enc === 'listpack' && (f.length > opts.hashMaxListpackValue || v.length > opts.hashMaxListpackValue)) {
          h.enc = 'hashtable';
        }
        if (h.value.has(f)) bad('duplicate hash field');
        h.value.set(f, v);
      }
      return h;
    }

    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2: {
      const nodes = r.loadLen();
      if (nodes === 0) bad('empty key');
      const elements: ByteString[] = [];
      for (let i = 0; i < nodes; i++) {
        let container = QUICKLIST_NODE_CONTAINER_PACKED;
        if (type === RDB_TYPE_LIST_QUICKLIST_2) {
          container = r.loadLen();
          if (container !== QUICKLIST_NODE_CONTAINER_PACKED && container !== QUICKLIST_NODE_CONTAINER_PLAIN) {
            bad('quicklist integrity check failed');
          }
        }
        const data = r.string();
        if (data.length === 0) bad('empty quicklist node');
        if (container === QUICKLIST_NODE_CONTAINER_PLAIN) {
          elements.push(bytesToByteString(data));
          continue;
        }
        // Empty listpacks (or ziplists) are skipped; an all-empty list is an empty key.
        const items = type === RDB_TYPE_LIST_QUICKLIST_2 ? listpackOf(data) : ziplistOf(data);
        for (const e of items) elements.push(e);
      }
      if (elements.length === 0) bad('empty key');
      return newList(elements, opts);
    }

    case RDB_TYPE_LIST_ZIPLIST: {
      const items = ziplistOf(r.string());
      if (items.length === 0) bad('empty key');
      return newList(items, opts);
    }

    case RDB_TYPE_SET_INTSET: {
      const members = decodeIntset(r.string()) ?? bad('intset integrity check failed');
      const s = newSet(opts, members.length > opts.setMaxIntsetEntries ? 'hashtable' : 'intset');
      for (const m of members) s.value.add(m);
      return s;
    }

    case RDB_TYPE_ZSET_LISTPACK:
    case RDB_TYPE_ZSET_ZIPLIST: {
      const blob = r.string();
      const entries = type === RDB_TYPE_ZSET_LISTPACK ? listpackOf(blob) : ziplistOf(blob);
      const pairs = pairsOf(entries);
      if (pairs.length === 0) bad('empty key');
      const z = zsetFromPairs(
        pairs.map(([m, s]) => [m, scoreFromListpack(s)] as [ByteString, number]),
        opts,
      );
      z.enc = z.dict.size > opts.zsetMaxListpackEntries ? 'skiplist' : 'listpack';
      return z;
    }

    case RDB_TYPE_HASH_LISTPACK:
    case RDB_TYPE_HASH_ZIPLIST: {
      const blob = r.string();
      const entries = type === RDB_TYPE_HASH_LISTPACK ? listpackOf(blob) : ziplistOf(blob);
      const h = hashFromPairs(pairsOf(entries), opts);
      if (h.value.size === 0) bad('empty key');
      if (h.value.size > opts.hashMaxListpackEntries) h.enc = 'hashtable';
      return h;
    }

    default:
      // Streams, modules and zipmaps: not values the lab can hold.
      return bad(`unsupported RDB object type ${type}`);
  }
}
