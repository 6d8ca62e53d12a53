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
import type { ViewDigest } from '../../engine/server/view-digest.ts';
import { BaseHost, type HostOptions, type NodeSpec } from '../network/base-host.ts';
import type { EndpointId } from '../network/virtual-network.ts';

/** A node running somewhere else, reached asynchronously (Comlink proxy of a worker). */
export interface RemoteNode {
  advance(untilUs: TimeUs, inbox: Delivery[]): Promise<AdvanceResult>;
  snapshot(): Promise<NodeSnapshot>;
  /** The node's view digest now (optional: a test's stand-in node may not have one). */
  digest?(): Promise<ViewDigest>;
  /** Keys per slot and a sample of one slot's keys (optional, like digest). */
  slotKeyCounts?(): Promise<Uint32Array>;
  sampleKeys?(slot: number, count: number): Promise<string[]>;
  /** Make the next advance throw (tests of crash handling). */
  failNextAdvance?(message: string): Promise<void>;
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
  /** Processes being created (a worker starting); a window waits for them before running nodes. */
  private readonly starting = new Map<EndpointId, Promise<RemoteNode>>();
  private busy = false;
  /** Nodes are running (between sending a window's advances and applying the results). */
  private advancing = false;

  constructor(
    opts: HostOptions,
    private readonly factory: RemoteNodeFactory,
  ) {
    super(opts);
  }

  async addNode(spec: NodeSpec): Promise<void> {
    const opts = this.nodeOptions(spec);
    this.register(spec.address, opts.startUs, opts.config);
    this.startProcess(opts);
    await this.started();
  }

  protected startProcess(opts: NodeOptions): void {
    this.starting.set(opts.address, this.factory(opts));
  }

  protected stopProcess(address: EndpointId): void {
    const pending = this.starting.get(address);
    this.starting.delete(address);
    const remote = this.remotes.get(address);
    this.remotes.delete(address);
    const dispose = (r: RemoteNode | undefined) => Promise.resolve(r?.dispose?.()).catch(() => undefined);
    if (pending) void pending.then(dispose, () => undefined);
    void dispose(remote);
  }

  /** A fault must fall between windows, or be a scheduled action (which runs at a window's start). */
  protected override checkFaultAllowed(): void {
    if (this.advancing) throw new Error('LockstepHost: nodes are running; schedule the fault with at() or await the window');
  }

  /** Wait for processes being created; a process killed meanwhile is disposed of by stopProcess. */
  private async started(): Promise<void> {
    for (const [address, pending] of [...this.starting]) {
      const remote = await pending;
      if (this.starting.get(address) === pending) {
        this.starting.delete(address);
        this.remotes.set(address, remote);
      }
    }
  }

  get nodeAddresses(): readonly EndpointId[] {
    return this.order;
  }

  snapshot(address: EndpointId): Promise<NodeSnapshot> {
    const r = this.remotes.get(address);
    if (!r) throw new Error(`no node at ${address}`);
    return r.snapshot();
  }

  /** Why each crashed node crashed (its exception's message), for the screen and the log. */
  readonly crashReasons = new Map<EndpointId, string>();

  /**
   * Make the node's next advance throw `message`, as a bug in its code would: the lab's tests use it to check that a
   * crashing node is one crashed node, not a broken lab.
   */
  async failNextAdvance(address: EndpointId, message: string): Promise<void> {
    const r = this.remotes.get(address);
    if (!r?.failNextAdvance) throw new Error(`the node at ${address} cannot be made to fail`);
    await r.failNextAdvance(message);
  }

  /** A node's keys per slot now, or null when the node cannot tell (a stand-in, a dead node). */
  async slotKeyCounts(address: EndpointId): Promise<Uint32Array | null> {
    const r = this.remotes.get(address);
    return r?.slotKeyCounts ? r.slotKeyCounts() : null;
  }

  /** Up to `count` keys of `slot` on the node at `address` (none when it cannot tell). */
  async sampleKeys(address: EndpointId, slot: number, count: number): Promise<string[]> {
    const r = this.remotes.get(address);
    return r?.sampleKeys ? r.sampleKeys(slot, count) : [];
  }

  /** A node's view digest now (between windows: a node in a window answers after it). */
  digest(address: EndpointId): Promise<ViewDigest> {
    const r = this.remotes.get(address);
    if (!r) throw new Error(`no node at ${address}`);
    if (!r.digest) throw new Error(`the node at ${address} gives no view digest`);
    return r.digest();
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
      // Actions happen at window boundaries: those due at the start run first, and a later one ends the window
      // just before it. So an action that changes a node (a fault) finds every node exactly at its time.
      this.actions.runUpTo(e, this.fabric);
      let end = Math.min(e + this.fabric.network.minLatencyUs() - 1, limitUs);
      const action = this.actions.nextAt();
      if (action !== null && action <= end) end = action - 1;
      const due = [...this.gather(end)];
      this.advancing = true;
      try {
        if (this.starting.size > 0) await this.started();
        // A node whose code throws (a worker error, an exception in this thread) crashes alone: the others' results
        // are applied, that node's process ends as after kill -9 (see processCrashed).
        const results = await Promise.allSettled(due.map((slot) => this.remotes.get(slot.address)!.advance(end, slot.inbox)));
        due.forEach((slot, i) => {
          const r = results[i];
          if (r.status === 'fulfilled') this.applyResult(slot, r.value);
          else {
            this.crashReasons.set(slot.address, String((r.reason as Error)?.message ?? r.reason));
            this.processCrashed(slot.address);
          }
        });
      } finally {
        this.advancing = false;
      }
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
    await this.started();
    for (const r of this.remotes.values()) await r.dispose?.();
    this.remotes.clear();
  }
}
