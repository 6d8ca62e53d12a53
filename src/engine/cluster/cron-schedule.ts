/**
 * When clusterCron next needs to look at each node: a shortcut that keeps clusterCron's behaviour exact while
 * sparing it most of its per-node pass.
 *
 * Redis's clusterCron visits every known node ten times a second to test three timeouts: ping a node whose
 * PONG is older than half the node timeout, drop a link silent for half the timeout after a PING, mark PFAIL a
 * node silent for the whole timeout. Each test is "now is past some field plus a constant", so for every node
 * the earliest moment any of them can hold is known in advance (`cronDueMs`). The schedule keeps the nodes in a
 * binary min-heap by that moment; a cron then visits only the nodes whose moment has come, in the order the full
 * pass would have met them, and does exactly what the full pass would have done to them. A 100-node member
 * visits a few nodes per cron instead of a hundred.
 *
 * The moment is a lower bound: a field that moves a test later (a PONG's time, data arriving, a new PING) may
 * leave it early, which costs one visit that does nothing and then files the node again. What could move a
 * test earlier must refile the node (ClusterBus does it when a PONG clears the ping time) or make the next cron
 * a full pass: any flag, link or membership change (the process-wide change counter), another node timeout,
 * and replicas, whose pass also counts every master's working replicas.
 */
import { FLAG_BITS, type ClusterNode } from './cluster-node.ts';
import { sortSmall } from '../types/sort-small.ts';

const SKIPPED = FLAG_BITS.myself | FLAG_BITS.noaddr | FLAG_BITS.handshake;
const FAILING = FLAG_BITS['fail?'] | FLAG_BITS.fail;

/** The earliest unix ms at which clusterCron's per-node tests can hold for `node` (Infinity: not until a change). */
export function cronDueMs(node: ClusterNode, timeout: number): number {
  if (node.flags.mask & SKIPPED) return Infinity;
  const half = timeout / 2;
  // No PING outstanding: only the half-timeout ping can become due, and only on a link.
  if (node.pingSentMs === 0) return node.linkConnected ? node.pongReceivedMs + half : Infinity;
  let due = Infinity;
  // Dropping the link: it is older than the timeout and both the PING and the last data older than half of it.
  if (node.linkConnected) due = Math.max(node.linkCtimeMs + timeout, node.pingSentMs + half, node.dataReceivedMs + half);
  // PFAIL: neither a PONG nor any data for the whole timeout.
  if (!(node.flags.mask & FAILING)) due = Math.min(due, Math.max(node.pingSentMs, node.dataReceivedMs) + timeout);
  return due;
}

const NONE: readonly ClusterNode[] = [];
const cronOrder = (n: ClusterNode): number => n.cronOrder;

/**
 * The nodes in a binary min-heap by moment. The moments live in a Float64Array beside the heap, not on the
 * nodes: unix ms do not fit a small integer, so as object fields each would be a separate boxed number, and a
 * heap walk would chase one per comparison.
 */
export class CronSchedule {
  private heap: ClusterNode[] = [];
  private keys = new Float64Array(16);
  /** The node timeout the moments were computed with. */
  timeoutMs = -1;

  /** File every node of the table anew (after a full pass): `order` is each node's place in the full pass. */
  rebuild(nodes: readonly ClusterNode[], timeout: number): void {
    this.timeoutMs = timeout;
    for (const n of this.heap) n.cronHeapIndex = -1;
    const heap = nodes.slice();
    if (this.keys.length < heap.length) this.keys = new Float64Array(Math.max(heap.length, 2 * this.keys.length));
    const keys = this.keys;
    for (let i = 0; i < heap.length; i++) {
      const n = heap[i];
      n.cronOrder = i;
      n.cronHeapIndex = i;
      keys[i] = cronDueMs(n, timeout);
    }
    this.heap = heap;
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** The nodes whose moment is at or before `now`, in full-pass order. */
  due(now: number): readonly ClusterNode[] {
    const heap = this.heap;
    const keys = this.keys;
    const size = heap.length;
    if (size === 0 || keys[0] > now) return NONE;
    const out: ClusterNode[] = [];
    // Walk the part of the heap at or before `now` (every ancestor of a due node is due).
    const stack = [0];
    while (stack.length > 0) {
      const i = stack.pop()!;
      out.push(heap[i]);
      const l = 2 * i + 1;
      if (l < size && keys[l] <= now) stack.push(l);
      if (l + 1 < size && keys[l + 1] <= now) stack.push(l + 1);
    }
    sortSmall(out, cronOrder);
    return out;
  }

  /** File `node` at its moment now that its fields changed. */
  refile(node: ClusterNode): void {
    const i = node.cronHeapIndex;
    if (i < 0 || this.heap[i] !== node) return;
    const before = this.keys[i];
    const due = cronDueMs(node, this.timeoutMs);
    this.keys[i] = due;
    if (due < before) this.siftUp(i);
    else if (due > before) this.siftDown(i);
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const keys = this.keys;
    const node = heap[i];
    const key = keys[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent] <= key) break;
      heap[i] = heap[parent];
      keys[i] = keys[parent];
      heap[i].cronHeapIndex = i;
      i = parent;
    }
    heap[i] = node;
    keys[i] = key;
    node.cronHeapIndex = i;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const keys = this.keys;
    const node = heap[i];
    const key = keys[i];
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && keys[r] < keys[l] ? r : l;
      if (keys[child] >= key) break;
      heap[i] = heap[child];
      keys[i] = keys[child];
      heap[i].cronHeapIndex = i;
      i = child;
    }
    heap[i] = node;
    keys[i] = key;
    node.cronHeapIndex = i;
  }
}
