/** Binary min-heaps: the hosts' queue of messages in flight, of scheduled actions, and of node wake-ups. */

/** A min-heap with a caller-supplied order. */
export class MinHeap<T> {
  private items: T[] = [];

  constructor(private readonly less: (a: T, b: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const a = this.items;
    let i = a.length;
    a.push(item);
    // Move the hole up rather than swapping pairs: one write per level.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.less(item, a[parent]) >= 0) break;
      a[i] = a[parent];
      i = parent;
    }
    a[i] = item;
  }

  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    const n = a.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const child = r < n && this.less(a[r], a[l]) < 0 ? r : l;
        if (this.less(a[child], last) >= 0) break;
        a[i] = a[child];
        i = child;
      }
      a[i] = last;
    }
    return top;
  }
}

/**
 * A min-heap of values by time, the times kept in a Float64Array beside them (comparisons read no objects).
 * Values with equal times come out in no particular order.
 */
export class TimeHeap<T> {
  private values: T[] = [];
  private times = new Float64Array(64);

  /** The earliest time, or null when empty. */
  peekTime(): number | null {
    return this.values.length === 0 ? null : this.times[0];
  }

  /** The value with the earliest time. */
  peek(): T | undefined {
    return this.values[0];
  }

  push(at: number, value: T): void {
    const v = this.values;
    let i = v.length;
    if (i === this.times.length) {
      const grown = new Float64Array(2 * i);
      grown.set(this.times);
      this.times = grown;
    }
    const t = this.times;
    v.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (t[parent] <= at) break;
      v[i] = v[parent];
      t[i] = t[parent];
      i = parent;
    }
    v[i] = value;
    t[i] = at;
  }

  pop(): T | undefined {
    const v = this.values;
    if (v.length === 0) return undefined;
    const t = this.times;
    const top = v[0];
    const last = v.pop()!;
    const n = v.length;
    if (n > 0) {
      const at = t[n];
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const child = r < n && t[r] < t[l] ? r : l;
        if (t[child] >= at) break;
        v[i] = v[child];
        t[i] = t[child];
        i = child;
      }
      v[i] = last;
      t[i] = at;
    }
    return top;
  }
}
