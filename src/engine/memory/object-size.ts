/**
 * objectComputeSize (object.c) and MEMORY USAGE: the bytes Redis 7.0 would report for a key and its value.
 *
 * Compact encodings are sized exactly from their layout; hashtables, skiplists and quicklists are sampled as
 * Redis samples them (the first `samples` elements, averaged and multiplied by the count; 0 = all), so a big
 * key costs a bounded amount of work to measure, and the estimate has the same error Redis's has.
 */
import type { ByteString } from '../types/bytes.ts';
import type { ListObject, RedisObject } from '../keyspace/object.ts';
import { mallocSize } from './jemalloc.ts';
import { formatDouble17g } from '../types/double.ts';
import { SIZEOF } from './redis-structs.ts';
import { dictSlots, embstrAllocSize, intsetBytes, listpackBytes, listpackEntrySize, sdsAllocSize } from './encodings-size.ts';

/** Redis's default number of nested elements MEMORY USAGE samples. */
export const MEMORY_USAGE_DEFAULT_SAMPLES = 5;

/** list-max-listpack-size: negative values are byte limits per quicklist node. */
const QUICKLIST_SIZE_LIMITS = [4096, 8192, 16384, 32768, 65536];
const QUICKLIST_SIZE_SAFETY_LIMIT = 8192;
const QUICKLIST_SIZE_ESTIMATE_OVERHEAD = 8;

/**
 * The listpack sizes of a list's quicklist nodes, packing elements head to tail as pushes to the tail would:
 * a node takes another element while its estimated size stays under the node limit (_quicklistNodeAllowInsert).
 * Stops after `maxNodes` nodes (0 = all); also returns how many nodes the whole list needs.
 */
export function quicklistNodes(list: ListObject, fill: number, maxNodes: number): { sizes: number[]; count: number } {
  const sizes: number[] = [];
  let count = 0;
  let sz = 0;
  let elements = 0;
  let bytes = 0;
  const limit = fill < 0 ? QUICKLIST_SIZE_LIMITS[Math.min(-fill, 5) - 1] : QUICKLIST_SIZE_SAFETY_LIMIT;
  const flush = () => {
    count++;
    if (maxNodes === 0 || sizes.length < maxNodes) sizes.push(bytes);
  };
  for (const e of list.value) {
    const newSz = sz + e.length + QUICKLIST_SIZE_ESTIMATE_OVERHEAD;
    const fits = elements > 0 && (fill < 0 ? newSz <= limit : newSz <= QUICKLIST_SIZE_SAFETY_LIMIT && elements < fill);
    if (elements > 0 && !fits) {
      flush();
      sz = 0;
      elements = 0;
      bytes = 0;
    }
    if (elements === 0) bytes = SIZEOF.listpackHeader + SIZEOF.listpackEnd;
    const entry = listpackEntrySize(e);
    bytes += entry;
    sz = bytes;
    elements++;
  }
  if (elements > 0) flush();
  return { sizes, count };
}

/** objectComputeSize: the value's bytes, sampling at most `samples` nested elements (0 = all). */
export function objectComputeSize(o: RedisObject, samples: number, listFill = -2): number {
  const take = samples === 0 ? Infinity : samples;
  switch (o.type) {
    case 'string':
      if (o.enc === 'int') return SIZEOF.robj;
      if (o.enc === 'embstr') return embstrAllocSize(o.value.length);
      return SIZEOF.robj + (o.sdsAlloc ?? sdsAllocSize(o.value.length));
    case 'list': {
      const { sizes, count } = quicklistNodes(o, listFill, samples);
      let size = SIZEOF.robj + SIZEOF.quicklist;
      if (sizes.length === 0) return size;
      let ele = 0;
      for (const s of sizes) ele += SIZEOF.quicklistNode + mallocSize(s);
      size += Math.floor((ele / sizes.length) * count);
      return size;
    }
    case 'set': {
      if (o.enc === 'intset') return SIZEOF.robj + mallocSize(intsetBytes(o.value));
      return SIZEOF.robj + dictOverhead(o.value.size) + sampled(o.value.keys(), o.value.size, take, (m) => SIZEOF.dictEntry + sdsAllocSize(m.length));
    }
    case 'hash': {
      if (o.enc === 'listpack') return SIZEOF.robj + mallocSize(listpackBytes(flatten(o.value)));
      return (
        SIZEOF.robj +
        dictOverhead(o.value.size) +
        sampled(o.value.entries(), o.value.size, take, ([f, v]) => sdsAllocSize(f.length) + sdsAllocSize(v.length) + SIZEOF.dictEntry)
      );
    }
    case 'zset': {
      if (o.enc === 'listpack') {
        return SIZEOF.robj + mallocSize(listpackBytes(zsetListpackEntries(o.dict)));
      }
      const header = mallocSize(SIZEOF.zskiplistNodeBase + 32 * SIZEOF.zskiplistLevel);
      let size = SIZEOF.robj + SIZEOF.zset + SIZEOF.zskiplist + SIZEOF.dict + SIZEOF.dictBucket * dictSlots(o.dict.size) + header;
      let ele = 0;
      let n = 0;
      for (let x = o.zsl.header.level[0].forward; x !== null && n < take; x = x.level[0].forward, n++) {
        ele += sdsAllocSize(x.member.length) + SIZEOF.dictEntry + mallocSize(SIZEOF.zskiplistNodeBase + x.level.length * SIZEOF.zskiplistLevel);
      }
      if (n > 0) size += Math.floor((ele / n) * o.dict.size);
      return size;
    }
  }
}

/** MEMORY USAGE: the value plus the key's sds, its dictEntry and (in cluster mode) the slot-to-keys links. */
export function keyMemoryUsage(key: ByteString, o: RedisObject, samples: number, clusterMode: boolean, listFill = -2): number {
  return objectComputeSize(o, samples, listFill) + sdsAllocSize(key.length) + SIZEOF.dictEntry + (clusterMode ? SIZEOF.clusterEntryMetadata : 0);
}

function dictOverhead(n: number): number {
  return SIZEOF.dict + SIZEOF.dictBucket * dictSlots(n);
}

/** Collections up to this size are sampled evenly across their elements rather than from the front. */
const SPREAD_SAMPLING_MAX = 4096;

/**
 * Average cost of `take` elements, times the element count (as Redis estimates big collections). Redis
 * samples the first elements in hash-table order, which is effectively random; the lab's collections iterate
 * in insertion order, so for collections of moderate size it spreads its samples across them instead.
 */
function sampled<T>(items: Iterable<T>, total: number, take: number, cost: (item: T) => number): number {
  let sum = 0;
  let n = 0;
  const stride = take < total && total <= SPREAD_SAMPLING_MAX ? total / take : 1;
  let next = 0;
  let i = 0;
  for (const item of items) {
    if (n >= take) break;
    if (i++ < next) continue;
    sum += cost(item);
    n++;
    next = Math.floor(n * stride);
  }
  return n === 0 ? 0 : Math.floor((sum / n) * total);
}

function* flatten(map: Map<ByteString, ByteString>): Iterable<ByteString> {
  for (const [k, v] of map) {
    yield k;
    yield v;
  }
}

/** A listpack zset holds member then score, the score as d2string writes it (an integer when it is one). */
function* zsetListpackEntries(dict: Map<ByteString, number>): Iterable<ByteString> {
  for (const [m, s] of dict) {
    yield m;
    yield formatDouble17g(s);
  }
}
