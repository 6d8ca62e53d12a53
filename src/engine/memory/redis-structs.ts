/**
 * Sizes in bytes of the C structures Redis 7.0 allocates (x86-64), as objectComputeSize and the dataset
 * accounting add them up. Each is the struct's sizeof; the allocator rounds requests up (jemalloc.ts).
 */
export const SIZEOF = {
  /** robj: type/encoding/lru bit fields, refcount, ptr. */
  robj: 16,
  /** dictEntry: key, value, next. */
  dictEntry: 24,
  /** dict: type, two table pointers, two used counters, rehashidx, pauserehash, two size exponents. */
  dict: 56,
  /** One bucket pointer in a dict's table. */
  dictBucket: 8,
  /** quicklist header and one quicklistNode (four pointers/sizes and a 32-bit field of flags, padded). */
  quicklist: 40,
  quicklistNode: 40,
  /** zset (dict + skiplist pointers) and zskiplist (header, tail, length, level). */
  zset: 16,
  zskiplist: 32,
  /** zskiplistNode without its levels (ele, score, backward), and one level (forward, span). */
  zskiplistNodeBase: 24,
  zskiplistLevel: 16,
  /** In cluster mode each key's dictEntry carries slot-to-keys links (clusterDictEntryMetadata). */
  clusterEntryMetadata: 16,
  /** intset header (encoding, length). */
  intsetHeader: 8,
} as const;

/** A freshly started redis-server 7.0.15's used_memory (INFO memory used_memory_startup). */
export const USED_MEMORY_STARTUP = 876_144;
