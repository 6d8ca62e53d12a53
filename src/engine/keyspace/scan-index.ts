/**
 * Cursors for SCAN and its siblings.
 *
 * Redis's cursors walk its hash table's buckets in reverse-binary order, which guarantees that an element present
 * for the whole iteration is returned at least once, even across rehashing. Its numbers depend on a hash seed
 * chosen at random per process, so no two servers agree on them. The lab keeps the guarantee and not the numbers:
 * every element gets a sequence number when it first appears, a cursor is the next sequence number to return,
 * and removed elements leave tombstones (compacted without renumbering). An element present throughout is
 * returned exactly once; elements added during the scan may or may not be.
 */
export class ScanIndex<K> {
  private seqs: number[] = [];
  private items: (K | undefined)[] = [];
  private readonly position = new Map<K, number>();
  private nextSeq = 1;
  private tombstones = 0;

  constructor(initial: Iterable<K> = []) {
    for (const k of initial) this.add(k);
  }

  add(k: K): void {
    if (this.position.has(k)) return;
    this.position.set(k, this.items.length);
    this.seqs.push(this.nextSeq++);
    this.items.push(k);
  }

  remove(k: K): void {
    const i = this.position.get(k);
    if (i === undefined) return;
    this.position.delete(k);
    this.items[i] = undefined;
    if (++this.tombstones > 64 && this.tombstones > this.items.length / 2) this.compact();
  }

  /** Brings the index in line with a collection it does not track incrementally (hash fields, set members). */
  sync(current: Iterable<K>, has: (k: K) => boolean): void {
    for (const k of [...this.position.keys()]) if (!has(k)) this.remove(k);
    for (const k of current) this.add(k);
  }

  /** An element chosen uniformly at random (tombstones are at most half the slots, so few retries). */
  sample(rng: { int(n: number): number }): K | undefined {
    if (this.position.size === 0) return undefined;
    for (;;) {
      const k = this.items[rng.int(this.items.length)];
      if (k !== undefined) return k;
    }
  }

  /**
   * Up to `work` elements from cursor on (tombstones count as work, as empty buckets do in Redis), and the
   * next cursor (0 when the iteration is complete).
   */
  scan(cursor: number, work: number): { items: K[]; next: number } {
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.seqs[mid] < cursor) lo = mid + 1;
      else hi = mid;
    }
    const items: K[] = [];
    let i = lo;
    for (let done = 0; i < this.items.length && done < work; i++, done++) {
      const k = this.items[i];
      if (k !== undefined) items.push(k);
    }
    return { items, next: i < this.items.length ? this.seqs[i] : 0 };
  }

  private compact(): void {
    const seqs: number[] = [];
    const items: K[] = [];
    this.position.clear();
    for (let i = 0; i < this.items.length; i++) {
      const k = this.items[i];
      if (k === undefined) continue;
      this.position.set(k, items.length);
      seqs.push(this.seqs[i]);
      items.push(k);
    }
    this.seqs = seqs;
    this.items = items;
    this.tombstones = 0;
  }
}
