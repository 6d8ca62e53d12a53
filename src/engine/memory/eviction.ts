/**
 * performEvictions (evict.c): when used memory is over maxmemory, delete keys chosen by maxmemory-policy until
 * it is not, or report that nothing more can go (then commands that may grow memory answer OOM).
 *
 * LRU, LFU and TTL policies are Redis's approximations: each round samples maxmemory-samples keys per
 * database into a pool of 16 candidates kept sorted by "idleness" (idle time, 255 minus the LFU counter, or
 * how soon the key expires) and evicts the best one. The random policies pick any key (or any key with a TTL).
 * The lab evicts until it is under the limit within the command that found it over; Redis may stop after its
 * time budget (maxmemory-eviction-tenacity) and continue in a timer (docs/fidelity.md).
 */
import type { Database } from '../keyspace/database.ts';
import type { Prng } from '../random/prng.ts';
import type { ByteString } from '../types/bytes.ts';
import type { MemoryAccounting } from './used-memory.ts';
import type { LfuTracker } from './lfu.ts';

export type MaxmemoryPolicy =
  | 'noeviction'
  | 'allkeys-lru'
  | 'volatile-lru'
  | 'allkeys-lfu'
  | 'volatile-lfu'
  | 'allkeys-random'
  | 'volatile-random'
  | 'volatile-ttl';

/** EVPOOL_SIZE. */
const EVICTION_POOL_SIZE = 16;

interface PoolEntry {
  idle: number;
  db: number;
  key: ByteString;
}

export interface EvictionContext {
  dbs: Database[];
  rng: Prng;
  memory: MemoryAccounting;
  maxmemory: number;
  policy: MaxmemoryPolicy;
  samples: number;
  nowMs: number;
  lfu: LfuTracker;
  /** Delete an evicted key (and tell whoever watches it). */
  evict(db: Database, key: ByteString): void;
}

export type EvictionResult = 'ok' | 'fail';

export class Evictor {
  private pool: PoolEntry[] = [];
  /** Round robin over databases for the random policies (static next_db in Redis). */
  private nextDb = 0;
  evictedKeys = 0;

  performEvictions(ctx: EvictionContext): EvictionResult {
    if (ctx.memory.usedMemory() <= ctx.maxmemory) return 'ok';
    if (ctx.policy === 'noeviction') return 'fail';
    for (;;) {
      const victim = ctx.policy.endsWith('random') ? this.pickRandom(ctx) : this.pickFromPool(ctx);
      if (victim === undefined) return 'fail';
      ctx.evict(ctx.dbs[victim.db], victim.key);
      this.evictedKeys++;
      if (ctx.memory.usedMemory() <= ctx.maxmemory) return 'ok';
    }
  }

  private volatile(ctx: EvictionContext): boolean {
    return ctx.policy.startsWith('volatile');
  }

  private pickRandom(ctx: EvictionContext): { db: number; key: ByteString } | undefined {
    for (let i = 0; i < ctx.dbs.length; i++) {
      const id = this.nextDb++ % ctx.dbs.length;
      const db = ctx.dbs[id];
      const key = this.volatile(ctx) ? db.randomExpiringKey(ctx.rng) : db.randomKey(ctx.rng);
      if (key !== undefined) return { db: id, key };
    }
    return undefined;
  }

  /** The idleness score Redis sorts candidates by: higher goes first. */
  private idleness(ctx: EvictionContext, db: Database, key: ByteString): number {
    if (ctx.policy === 'volatile-ttl') {
      const when = db.expires.get(key);
      return Number.MAX_SAFE_INTEGER - Number(when ?? 0);
    }
    const o = db.keys.get(key);
    if (o === undefined) return -1;
    if (ctx.policy.endsWith('lfu')) return 255 - ctx.lfu.counter(o.lru, ctx.nowMs);
    return ctx.nowMs - o.lru;
  }

  /** evictionPoolPopulate for every database, then take the best candidate that still exists. */
  private pickFromPool(ctx: EvictionContext): { db: number; key: ByteString } | undefined {
    for (;;) {
      let sampled = 0;
      for (let id = 0; id < ctx.dbs.length; id++) {
        const db = ctx.dbs[id];
        const source = this.volatile(ctx) ? db.expires.size : db.keys.size;
        if (source === 0) continue;
        for (let s = 0; s < ctx.samples; s++) {
          const key = this.volatile(ctx) ? db.randomExpiringKey(ctx.rng) : db.randomKey(ctx.rng);
          if (key === undefined) break;
          sampled++;
          this.offer({ idle: this.idleness(ctx, db, key), db: id, key });
        }
      }
      if (sampled === 0) return undefined;
      while (this.pool.length > 0) {
        const best = this.pool.pop()!;
        const db = ctx.dbs[best.db];
        const exists = this.volatile(ctx) ? db.expires.has(best.key) : db.keys.has(best.key);
        if (exists) return best;
      }
    }
  }

  /** Insert into the pool, ascending by idleness; a full pool drops its least idle entry. */
  private offer(e: PoolEntry): void {
    if (this.pool.some((p) => p.db === e.db && p.key === e.key)) return;
    let i = 0;
    while (i < this.pool.length && this.pool[i].idle < e.idle) i++;
    if (this.pool.length >= EVICTION_POOL_SIZE) {
      if (i === 0) return;
      this.pool.shift();
      i--;
    }
    this.pool.splice(i, 0, e);
  }
}
