/**
 * used_memory as the lab models it: a fresh server's startup memory, plus each key's MEMORY USAGE, plus the
 * keyspace's hash tables (main and expires), plus clients' buffers. Real Redis asks its allocator; the lab adds
 * up what the allocator would have handed out (docs/fidelity.md says where this differs).
 *
 * Measuring every key on every question would cost O(keys), so the accounting keeps each key's last measure
 * and re-measures only the keys that changed (Database.changed), and only while someone needs the figure
 * continuously (maxmemory set). Without maxmemory it measures everything when asked (INFO, MEMORY STATS).
 */
import type { Database } from '../keyspace/database.ts';
import type { ByteString } from '../types/bytes.ts';
import { keyMemoryUsage } from './object-size.ts';
import { dictSlots } from './encodings-size.ts';
import { SIZEOF, USED_MEMORY_STARTUP } from './redis-structs.ts';

/** Nested elements sampled per key by the accounting (MEMORY USAGE's default). */
const ACCOUNTING_SAMPLES = 5;

export interface MemoryBreakdown {
  /** used_memory. */
  total: number;
  startup: number;
  /** Keys and their values (used_memory_dataset's main part). */
  dataset: number;
  /** The main and expires dicts' bucket arrays, and dictEntries of expires (overhead.hashtable.*). */
  hashtableMain: number;
  hashtableExpires: number;
  clients: number;
  keys: number;
}

export class MemoryAccounting {
  private readonly perDb: { sizes: Map<ByteString, number>; total: number }[];
  private tracking = false;
  /** Bytes held by client buffers, as the last clientsCron measured them. */
  clientsBytes = 0;
  peak = 0;

  constructor(
    private readonly dbs: Database[],
    private readonly clusterMode: () => boolean,
    private readonly listFill: () => number,
  ) {
    this.perDb = dbs.map(() => ({ sizes: new Map(), total: 0 }));
  }

  /** Keep per-key measures up to date from now on (maxmemory was set), or stop doing so. */
  setTracking(on: boolean): void {
    if (on === this.tracking) return;
    this.tracking = on;
    for (const db of this.dbs) {
      db.changed = on ? new Set() : null;
      db.allChanged = true;
    }
  }

  /** used_memory and its parts, up to date. */
  measure(): MemoryBreakdown {
    let dataset = 0;
    let main = 0;
    let expires = 0;
    let keys = 0;
    for (let i = 0; i < this.dbs.length; i++) {
      const db = this.dbs[i];
      dataset += this.tracking ? this.refresh(i) : this.measureAll(db);
      if (db.keys.size > 0) main += dictSlots(db.keys.size) * SIZEOF.dictBucket;
      if (db.expires.size > 0) expires += dictSlots(db.expires.size) * SIZEOF.dictBucket + db.expires.size * SIZEOF.dictEntry;
      keys += db.keys.size;
    }
    const total = USED_MEMORY_STARTUP + dataset + main + expires + this.clientsBytes;
    if (total > this.peak) this.peak = total;
    return { total, startup: USED_MEMORY_STARTUP, dataset, hashtableMain: main, hashtableExpires: expires, clients: this.clientsBytes, keys };
  }

  usedMemory(): number {
    return this.measure().total;
  }

  private measureKey(key: ByteString, db: Database): number {
    const o = db.keys.get(key);
    return o === undefined ? 0 : keyMemoryUsage(key, o, ACCOUNTING_SAMPLES, this.clusterMode(), this.listFill());
  }

  private measureAll(db: Database): number {
    let sum = 0;
    for (const key of db.keys.keys()) sum += this.measureKey(key, db);
    return sum;
  }

  /** Re-measure what changed in database i since the last call. */
  private refresh(i: number): number {
    const db = this.dbs[i];
    const acc = this.perDb[i];
    if (db.allChanged) {
      db.allChanged = false;
      db.changed?.clear();
      acc.sizes.clear();
      acc.total = 0;
      for (const key of db.keys.keys()) {
        const n = this.measureKey(key, db);
        acc.sizes.set(key, n);
        acc.total += n;
      }
      return acc.total;
    }
    if (db.changed !== null && db.changed.size > 0) {
      for (const key of db.changed) {
        acc.total -= acc.sizes.get(key) ?? 0;
        const n = this.measureKey(key, db);
        if (n === 0) acc.sizes.delete(key);
        else acc.sizes.set(key, n);
        acc.total += n;
      }
      db.changed.clear();
    }
    return acc.total;
  }
}
