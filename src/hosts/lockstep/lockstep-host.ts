/**
 * LockstepHost: nodes live elsewhere (Web Workers in the browser, worker_threads in Node) and are advanced in
 * parallel, one window at a time, by conservative parallel discrete-event simulation.
 *
 * The window rule: nothing sent inside a window can arrive inside it, because every message takes at least the
 * smallest link latency L. So from the earliest pending event E, every node may run to E + L - 1 without
 * waiting for the others; then the window's messages are routed and delivered in (arrival, ...) order. The host
 * never ticks: it jumps straight to the next event time, so an idle cluster costs a handful of windows per
 * virtual second, and each window costs one message round trip per busy node.
 */
import type { TimeUs } from '../../engine/types/time.ts';
import type { Delivery } from '../../engine/net/wire.ts';
import type { AdvanceResult, NodeOptions, NodeSnapshot } from '../../engine/server/node.ts';
import { BaseHost, type HostOptions, type NodeSpec } from '../network/base-host.ts';
import type { EndpointId } from '../network/virtual-network.ts';

/** A node running somewhere else, reached asynchronously (Comlink proxy of a worker). */
export interface RemoteNode {
  advance(untilUs: TimeUs, inbox: Delivery[]): Promise<AdvanceResult>;
  snapshot(): Promise<NodeSnapshot>;
  dispose?(): void | Promise<void>;
}

export type RemoteNodeFactory = (opts: NodeOptions) => Promise<RemoteNode>;

export interface WindowStats {
  windows: number;
  /** Node advance calls made (one message round trip each). */
  advances: number;
}

export class LockstepHost extends BaseHost {
  readonly stats: WindowStats = { windows: 0, advances: 0 };
  private readonly remotes = new Map<EndpointId, RemoteNode>();
  private busy = false;

  constructor(
    opts: HostOptions,
    private readonly factory: RemoteNodeFactory,
  ) {
    super(opts);
  }

  async addNode(spec: NodeSpec): Promise<void> {
    const opts = this.nodeOptions(spec);
    this.register(spec.address, opts.startUs, opts.config);
    this.remotes.set(spec.address, await this.factory(opts));
  }

  get nodeAddresses(): readonly EndpointId[] {
    return this.order;
  }

  snapshot(address: EndpointId): Promise<NodeSnapshot> {
    const r = this.remotes.get(address);
    if (!r) throw new Error(`no node at ${address}`);
    return r.snapshot();
  }

  /** Run windows until everything up to `untilUs` has happened. */
  async runUntil(untilUs: TimeUs): Promise<void> {
    while (await this.window(untilUs)) {
      /* keep going */
    }
    if (this.nowUs < untilUs) this.nowUs = untilUs;
  }

  /**
   * Run one window that ends no later than `limitUs`. Returns false when nothing happens before `limitUs`
   * (then the clock is left where it was; runUntil moves it).
   */
  async window(limitUs: TimeUs): Promise<boolean> {
    if (this.busy) throw new Error('LockstepHost: a window is already running');
    const e = this.nextEventUs();
    if (e === null || e > limitUs) return false;
    this.busy = true;
    try {
      const end = Math.min(e + this.fabric.network.minLatencyUs() - 1, limitUs);
      const inboxes = this.fabric.takeArrivals(end, this.isNode, this.actions);
      const due = this.due(end, inboxes);
      const results = await Promise.all(due.map((a) => this.remotes.get(a)!.advance(end, inboxes.get(a) ?? [])));
      due.forEach((a, i) => this.applyResult(a, results[i]));
      this.stats.windows++;
      this.stats.advances += due.length;
      this.nowUs = Math.max(this.nowUs, end);
      return true;
    } finally {
      this.busy = false;
    }
  }

  /** One step for a "step" button: the next window, wherever it lies. Returns the new time, or null if idle. */
  async step(): Promise<TimeUs | null> {
    const e = this.nextEventUs();
    if (e === null) return null;
    await this.window(e + this.fabric.network.minLatencyUs() - 1);
    return this.nowUs;
  }

  async dispose(): Promise<void> {
    for (const r of this.remotes.values()) await r.dispose?.();
    this.remotes.clear();
  }
}
