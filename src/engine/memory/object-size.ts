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
import { dictSlots, embstrAllocSize, intsetBytes, sdsAllocSize } from './encodings-size.ts';
import { lpBytesFor } from '../persistence/listpack.ts';
import { splitIntoNodes } from '../persistence/quicklist.ts';

/** Redis's default number of nested elements MEMORY USAGE samples. */
export const MEMORY_USAGE_DEFAULT_SAMPLES = 5;

/**
 * The byte sizes of a list's quicklist nodes (the listpacks, or the element itself for a plain node), grouped
 * as pushes to the tail group them (persistence/quicklist.ts). Only the first `maxNodes` sizes are measured
 * (0 = all); `count` is the number of nodes.
 */
export function quicklistNodeSizes(list: ListObject, fill: number, maxNodes: number): { sizes: number[]; count: number } {
  const groups = splitIntoNodes(list.value, fill);
  const measured = maxNodes === 0 ? groups : groups.slice(0, maxNodes);
  return { sizes: measured.map((g) => (g.plain ? g.elements[0].length : lpBytesFor(g.elements))), count: groups.length };
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
      const { sizes, count } = quicklistNodeSizes(o, listFill, samples);
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
      if (o.enc === 'listpack') return SIZEOF.robj + mallocSize(lpBytesFor([...flatten(o.value)]));
      return (
        SIZEOF.robj +
        dictOverhead(o.value.size) +
        sampled(o.value.entries(), o.value.size, take, ([f, v]) => sdsAllocSize(f.length) + sdsAllocSize(v.length) + SIZEOF.dictEntry)
      );
    }
    case 'zset': {
      if (o.enc === 'listpack') {
        return SIZEOF.robj + mallocSize(lpBytesFor([...zsetListpackEntries(o.dict)]));
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
