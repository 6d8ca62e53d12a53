/**
 * SimHost: every node in this thread, advanced one event time at a time by a discrete-event scheduler.
 *
 * Used by unit and simulation tests, lesson goal checks, headless runs of many nodes, and replays. Nodes are
 * driven exactly as in the Web Worker host; only the stepping differs (here: to each event time in turn), and
 * because a node behaves the same however its advance calls are cut, both hosts produce the same history.
 */
import type { TimeUs } from '../../engine/types/time.ts';
import { RedisNode, type NodeOptions } from '../../engine/server/node.ts';
import { BaseHost, type HostOptions, type NodeSpec } from '../network/base-host.ts';
import type { EndpointId } from '../network/virtual-network.ts';

export class SimHost extends BaseHost {
  private readonly nodes = new Map<EndpointId, RedisNode>();

  constructor(opts: HostOptions) {
    super(opts);
  }

  addNode(spec: NodeSpec): RedisNode {
    const opts = this.nodeOptions(spec);
    this.startProcess(opts);
    this.register(spec.address, opts.startUs, opts.config);
    return this.node(spec.address);
  }

  /** The node's current process (a restart makes a new one; a dead node has none). */
  node(address: EndpointId): RedisNode {
    const n = this.nodes.get(address);
    if (!n) throw new Error(`no node at ${address}`);
    return n;
  }

  /** A new process at `address` (see BaseHost.restart); returns it. */
  override restart(address: EndpointId, spec?: Parameters<BaseHost['restart']>[1]): RedisNode {
    super.restart(address, spec);
    return this.node(address);
  }

  protected startProcess(opts: NodeOptions): void {
    this.nodes.set(opts.address, new RedisNode(opts));
  }

  protected stopProcess(address: EndpointId): void {
    this.nodes.delete(address);
  }

  /** Process every event up to and including virtual time `untilUs`. */
  runUntil(untilUs: TimeUs): void {
    for (;;) {
      const t = this.nextEventUs();
      if (t === null || t > untilUs) break;
      this.stepAt(t, untilUs);
    }
    if (this.nowUs < untilUs) this.nowUs = untilUs;
  }

  runFor(us: TimeUs): void {
    this.runUntil(this.nowUs + us);
  }

  /** Process the next event time only; returns it, or null when nothing is left to happen. */
  step(): TimeUs | null {
    const t = this.nextEventUs();
    if (t === null) return null;
    this.stepAt(t);
    return t;
  }

  /** Run until `done()` holds, checking after each event; gives up at `limitUs`. */
  runUntilCondition(done: () => boolean, limitUs: TimeUs): boolean {
    while (!done()) {
      const t = this.nextEventUs();
      if (t === null || t > limitUs) return done();
      this.stepAt(t);
    }
    return true;
  }

  /**
   * Run the nodes due at `t`. Inside runUntil(`limitUs`) nothing from outside touches a node before the first of:
   * the limit, the host's next scheduled action, the next delivery to a client program (which may kill a node or
   * cut the network when it gets it), and the earliest arrival of what this step's nodes send. Up to just before
   * it, a node may run its next beforeSleep (see EventLoop): one advance per event instead of two.
   */
  private stepAt(t: TimeUs, limitUs: TimeUs = t): void {
    this.nowUs = Math.max(this.nowUs, t);
    const due = this.gather(t);
    let horizonUs = Math.min(limitUs, t + this.fabric.network.minLatencyUs() - 1);
    const arrival = this.fabric.nextClientArrivalUs();
    if (arrival !== null) horizonUs = Math.min(horizonUs, arrival - 1);
    const action = this.actions.nextAt();
    if (action !== null) horizonUs = Math.min(horizonUs, action - 1);
    for (const slot of due) {
      const r = this.node(slot.address).advance(t, slot.inbox, horizonUs);
      this.applyResult(slot, r);
    }
  }
}
