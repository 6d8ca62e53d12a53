/**
 * One logical database (redisDb): the key space and the expires table.
 *
 * Expiry is lazy on access (expireIfNeeded: a key past its deadline is deleted when looked up) plus, in later
 * issues, the active expire cycle in serverCron. Deadlines are absolute unix milliseconds, as Redis stores them,
 * taken from the node's virtual wall clock.
 */
import type { ByteString } from '../types/bytes.ts';
import type { RedisObject } from './object.ts';
import { ScanIndex } from './scan-index.ts';
import type { LfuTracker } from '../memory/lfu.ts';
import type { Prng } from '../random/prng.ts';
import { keyHashSlot } from '../cluster/slots.ts';

export type Deadline = number | bigint;

/** Anything that WATCHes keys (a client): it learns that a watched key changed. */
export interface KeyWatcher {
  dirtyCas: boolean;
}

export class Database {
  readonly keys = new Map<ByteString, RedisObject>();
  /** SCAN's cursor index, built on the first SCAN and kept up to date after that. */
  private scanIndex: ScanIndex<ByteString> | null = null;
  /** WATCHed keys and who watches them (multi.c's watched_keys dict). */
  readonly watchers = new Map<ByteString, Set<KeyWatcher>>();
  /** Deadlines in unix ms; a bigint only for deadlines beyond 2^53 ms, which JS numbers cannot hold exactly. */
  readonly expires = new Map<ByteString, Deadline>();

  /** Under an LFU maxmemory policy, accesses update a logarithmic counter instead of the LRU stamp. */
  lfu: LfuTracker | null = null;
  /**
   * Keys whose value or deadline changed since the memory accounting last looked (null while nothing needs
   * to know: without maxmemory the lab measures memory only when asked). `allChanged` after FLUSHDB/SWAPDB.
   */
  changed: Set<ByteString> | null = null;
  allChanged = false;
  /** Expiring keys as an index, for volatile-* eviction's random samples; built on first use. */
  private expiresIndex: ScanIndex<ByteString> | null = null;

  /**
   * keyspace_hits/keyspace_misses: lookups count while a read command runs (lookupKeyRead), not for writes.
   * Shared by a node's databases; the node flips `counting` per command.
   */
  lookupStats: { hits: number; misses: number; counting: boolean } | null = null;

  /**
   * Cluster mode's slot-to-keys index (db->slots_to_keys): the keys of each slot, oldest first, so CLUSTER
   * COUNTKEYSINSLOT is O(1) and GETKEYSINSLOT O(count). Null outside cluster mode.
   */
  private slotKeys: Map<number, Set<ByteString>> | null = null;

  constructor(readonly id: number) {}

  /** Keep the slot-to-keys index from now on (cluster mode). */
  enableSlotIndex(): void {
    if (this.slotKeys !== null) return;
    this.slotKeys = new Map();
    for (const key of this.keys.keys()) this.indexSlot(key);
  }

  private indexSlot(key: ByteString): void {
    const slot = keyHashSlot(key);
    let set = this.slotKeys!.get(slot);
    if (set === undefined) this.slotKeys!.set(slot, (set = new Set()));
    set.add(key);
  }

  private unindexSlot(key: ByteString): void {
    const slot = keyHashSlot(key);
    const set = this.slotKeys!.get(slot);
    if (set === undefined) return;
    set.delete(key);
    if (set.size === 0) this.slotKeys!.delete(slot);
  }

  countKeysInSlot(slot: number): number {
    return this.slotKeys?.get(slot)?.size ?? 0;
  }

  /** Up to `count` keys of a slot, newest first (Redis adds a key at the head of its slot's list). */
  keysInSlot(slot: number, count: number): ByteString[] {
    const set = this.slotKeys?.get(slot);
    if (!set || count <= 0) return [];
    const all = [...set];
    const out: ByteString[] = [];
    for (let i = all.length - 1; i >= 0 && out.length < count; i--) out.push(all[i]);
    return out;
  }

  get size(): number {
    return this.keys.size;
  }

  /** Deletes the key if its deadline has passed. Returns true when it did. */
  expireIfNeeded(key: ByteString, nowMs: number): boolean {
    const when = this.expires.get(key);
    if (when === undefined || when > nowMs) return false;
    // A replica never deletes on its own: it waits for its master's DEL. Its clients see the key as gone; the
    // master's own commands still see it (expireIfNeeded's masterhost branch).
    if (this.expireMode !== 'delete') return this.expireMode === 'hide';
    this.delete(key);
    this.expiredKeys++;
    this.onExpired?.(this, key);
    return true;
  }

  /** How a key past its deadline is treated: deleted (a master), hidden but kept (a replica), kept (a replica running its master's stream). */
  expireMode: 'delete' | 'hide' | 'keep' = 'delete';
  /** Each key deleted because its time was up: the master propagates a DEL for it to replicas. */
  onExpired: ((db: Database, key: ByteString) => void) | null = null;

  /** Keys deleted because their time was up (INFO's expired_keys adds these up). */
  expiredKeys = 0;

  /**
   * lookupKey with lazy expiry: the value or undefined. A lookup counts as an access (updates the LRU clock)
   * unless `touch` is false (LOOKUP_NOTOUCH: TYPE, TTL, OBJECT, EXISTS).
   */
  lookup(key: ByteString, nowMs: number, touch = true): RedisObject | undefined {
    const o = this.keys.get(key);
    const stats = this.lookupStats;
    if (o === undefined || (this.expires.size > 0 && this.expireIfNeeded(key, nowMs))) {
      if (stats !== null && stats.counting) stats.misses++;
      return undefined;
    }
    if (stats !== null && stats.counting) stats.hits++;
    if (touch && !o.shared) o.lru = this.lfu === null ? nowMs : this.lfu.touch(o.lru, nowMs);
    return o;
  }

  /** setKey: store a value; an existing deadline is dropped unless `keepTtl`. */
  set(key: ByteString, value: RedisObject, keepTtl = false): void {
    if ((this.scanIndex !== null || this.slotKeys !== null) && !this.keys.has(key)) {
      this.scanIndex?.add(key);
      if (this.slotKeys !== null) this.indexSlot(key);
    }
    this.keys.set(key, value);
    if (!keepTtl && this.expires.size > 0 && this.expires.delete(key)) this.expiresIndex?.remove(key);
    if (this.changed !== null) this.changed.add(key);
    if (this.watchers.size > 0) this.touchWatched(key);
  }

  setExpire(key: ByteString, whenMs: Deadline): void {
    this.expires.set(key, whenMs);
    this.expiresIndex?.add(key);
    if (this.changed !== null) this.changed.add(key);
    if (this.watchers.size > 0) this.touchWatched(key);
  }

  /** PERSIST and friends: drop a deadline. Returns whether there was one. */
  removeExpire(key: ByteString): boolean {
    if (!this.expires.delete(key)) return false;
    this.expiresIndex?.remove(key);
    if (this.changed !== null) this.changed.add(key);
    if (this.watchers.size > 0) this.touchWatched(key);
    return true;
  }

  /**
   * signalModifiedKey: clients watching the key will fail their EXEC, and the memory accounting re-measures it.
   * Every command that changes a value in place calls this.
   */
  touchWatched(key: ByteString): void {
    if (this.changed !== null) this.changed.add(key);
    const set = this.watchers.get(key);
    if (set) for (const w of set) w.dirtyCas = true;
  }

  /** FLUSHDB/SWAPDB: every watched key that exists (here or in `other`) counts as modified. */
  touchAllWatched(other?: Database): void {
    for (const [key, set] of this.watchers) {
      if (this.keys.has(key) || other?.keys.has(key)) for (const w of set) w.dirtyCas = true;
    }
  }

  getExpire(key: ByteString): Deadline | undefined {
    return this.expires.get(key);
  }

  delete(key: ByteString): boolean {
    if (!this.keys.delete(key)) return false;
    this.scanIndex?.remove(key);
    if (this.slotKeys !== null) this.unindexSlot(key);
    if (this.expires.delete(key)) this.expiresIndex?.remove(key);
    if (this.changed !== null) this.changed.add(key);
    if (this.watchers.size > 0) this.touchWatched(key);
    return true;
  }

  clear(): void {
    if (this.watchers.size > 0) this.touchAllWatched();
    this.keys.clear();
    this.expires.clear();
    this.scanIndex = null;
    this.expiresIndex = null;
    this.allChanged = true;
    if (this.slotKeys !== null) this.slotKeys = new Map();
  }

  /** After the keys were replaced wholesale (SWAPDB): rebuild the indexes on next use, re-measure everything. */
  dropScanIndex(): void {
    this.scanIndex = null;
    this.expiresIndex = null;
    this.allChanged = true;
  }

  /** A key picked uniformly at random (dictGetRandomKey), or undefined when empty; expired keys included. */
  randomKey(rng: Prng): ByteString | undefined {
    return this.keys.size === 0 ? undefined : this.scanKeys().sample(rng);
  }

  /** A key with a deadline, picked at random (volatile-* eviction samples the expires dict). */
  randomExpiringKey(rng: Prng): ByteString | undefined {
    if (this.expires.size === 0) return undefined;
    if (this.expiresIndex === null) this.expiresIndex = new ScanIndex(this.expires.keys());
    return this.expiresIndex.sample(rng);
  }

  /** The SCAN cursor index over this database's keys. */
  scanKeys(): ScanIndex<ByteString> {
    if (this.scanIndex === null) this.scanIndex = new ScanIndex(this.keys.keys());
    return this.scanIndex;
  }
}
