/**
 * The part of a host that does not depend on where nodes run: the fabric, timed actions, seeds, and the
 * bookkeeping of when each node next needs to run. SimHost (one thread, one event at a time) and LockstepHost
 * (nodes in workers, one window at a time) extend it.
 */
import type { TimeUs } from '../../engine/types/time.ts';
import { Prng } from '../../engine/random/prng.ts';
import type { AdvanceResult, NodeOptions } from '../../engine/server/node.ts';
import { Fabric, ScheduledActions, ipOf, type FabricOptions, type HostConnection } from './fabric.ts';
import { MinHeap } from './min-heap.ts';
import type { EndpointId } from './virtual-network.ts';

/** 2026-01-01T00:00:00Z: the default wall clock at virtual time zero, so replays show the same TIME. */
export const DEFAULT_EPOCH_MS = Date.UTC(2026, 0, 1);

export interface HostOptions extends FabricOptions {
  /** Unix ms at virtual time zero. */
  epochMs?: number;
}

/** What a host needs to create a node; the host fills in seed, start time and clock. */
export type NodeSpec = Omit<NodeOptions, 'seed' | 'startUs' | 'epochMs'> & { startUs?: TimeUs };

export abstract class BaseHost {
  readonly fabric: Fabric;
  readonly actions = new ScheduledActions();
  readonly epochMs: number;
  /** Every node's next wake-up, as it reported after its last advance. */
  protected readonly next = new Map<EndpointId, TimeUs | null>();
  /** Nodes in the order they were added: the order results are applied in. */
  protected readonly order: EndpointId[] = [];
  private readonly orderIndex = new Map<EndpointId, number>();
  /**
   * Wake-ups in time order, so finding the next event and the nodes due does not scan every node (a 1000-node
   * cluster steps thousands of times per virtual second). Entries go stale when a node reports a new time;
   * `next` is the truth and stale entries are skipped.
   */
  private readonly wakeups = new MinHeap<{ at: TimeUs; node: EndpointId }>((a, b) => a.at - b.at || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  private readonly rng: Prng;
  private frontier: TimeUs = 0;

  constructor(opts: HostOptions) {
    this.fabric = new Fabric(opts);
    this.fabric.isNodeAddress = (address) => this.next.has(address);
    this.rng = new Prng(opts.seed);
    this.epochMs = opts.epochMs ?? DEFAULT_EPOCH_MS;
  }

  /** The time up to which everything has happened. */
  get nowUs(): TimeUs {
    return this.frontier;
  }

  protected set nowUs(t: TimeUs) {
    this.frontier = t;
    if (this.fabric.clientNowUs < t) this.fabric.clientNowUs = t;
  }

  /** Full node options for a spec: the node's seed is derived from the scenario seed and its address only. */
  protected nodeOptions(spec: NodeSpec): NodeOptions {
    // A node at "ip:port" listens on that port, as redis-server --port would.
    const port = /:(\d+)$/.exec(spec.address)?.[1];
    const config = port !== undefined && spec.config?.port === undefined ? { ...spec.config, port } : spec.config;
    return {
      ...spec,
      config,
      seed: this.rng.fork(`node:${spec.address}`).nextUint32(),
      startUs: spec.startUs ?? this.frontier,
      epochMs: this.epochMs,
    };
  }

  protected register(address: EndpointId, startUs: TimeUs, config?: Record<string, string>): void {
    if (this.next.has(address)) throw new Error(`a node already listens at ${address}`);
    this.next.set(address, startUs);
    this.orderIndex.set(address, this.order.length);
    this.order.push(address);
    this.wakeups.push({ at: startUs, node: address });
    if (config?.['cluster-enabled'] === 'yes') {
      const port = Number(config.port ?? /:(\d+)$/.exec(address)?.[1] ?? 6379);
      const cport = Number(config['cluster-port'] ?? 0) || port + 10000;
      this.fabric.registerBus(`${ipOf(address)}:${cport}`, address);
    }
  }

  isNode = (id: EndpointId): boolean => this.next.has(id);

  /** Open a connection from a client program (named `client`) to a node, now. */
  connect(client: EndpointId, node: EndpointId): HostConnection {
    if (!this.next.has(node)) throw new Error(`no node at ${node}`);
    return this.fabric.connect(client, node);
  }

  /** Run `action` at virtual time `at` (not before the current time). */
  at(at: TimeUs, action: () => void): void {
    this.actions.add(Math.max(at, this.frontier), action);
  }

  /** The earliest time anything happens: a node wakes, a message lands, or an action is due. */
  protected nextEventUs(): TimeUs | null {
    let t: TimeUs | null = this.fabric.nextArrivalUs();
    const a = this.actions.nextAt();
    if (a !== null && (t === null || a < t)) t = a;
    const n = this.earliestWakeup();
    if (n !== null && (t === null || n < t)) t = n;
    return t;
  }

  /** The earliest valid wake-up, dropping stale heap entries on the way. */
  private earliestWakeup(): TimeUs | null {
    for (;;) {
      const head = this.wakeups.peek();
      if (!head) return null;
      if (this.next.get(head.node) === head.at) return head.at;
      this.wakeups.pop();
    }
  }

  protected applyResult(address: EndpointId, r: AdvanceResult): void {
    // Always push: due() may have popped this node's entry even if its time did not change.
    if (r.nextEventUs !== null) this.wakeups.push({ at: r.nextEventUs, node: address });
    this.next.set(address, r.nextEventUs);
    this.fabric.routeEmissions(address, r.outbox);
    this.fabric.logNodeEvents(address, r.events);
  }

  /** Nodes that must run in a step ending at `untilUs`: they have input, or they wake by then. */
  protected due(untilUs: TimeUs, inboxes: Map<EndpointId, unknown>): EndpointId[] {
    const due = new Set<EndpointId>(inboxes.keys());
    for (;;) {
      const at = this.earliestWakeup();
      if (at === null || at > untilUs) break;
      due.add(this.wakeups.pop()!.node);
    }
    // Results are applied in the order nodes were added, whatever the order they became due in.
    return [...due].sort((a, b) => this.orderIndex.get(a)! - this.orderIndex.get(b)!);
  }
}
