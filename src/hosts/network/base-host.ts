/**
 * The part of a host that does not depend on where nodes run: the fabric, timed actions, seeds, the
 * bookkeeping of when each node next needs to run, and faults done to a node's process (kill, restart, pause,
 * resume) with the files that outlive it. SimHost (one thread, one event at a time) and LockstepHost (nodes in
 * workers, one window at a time) extend it.
 */
import type { TimeUs } from '../../engine/types/time.ts';
import type { Delivery } from '../../engine/net/wire.ts';
import { concatBytes } from '../../engine/types/bytes.ts';
import { Prng } from '../../engine/random/prng.ts';
import type { AdvanceResult, NodeOptions } from '../../engine/server/node.ts';
import type { FileOp } from '../../engine/net/wire.ts';
import { Fabric, ScheduledActions, ipOf, type FabricOptions, type FaultKind, type HostConnection } from './fabric.ts';
import { MinHeap } from './min-heap.ts';
import type { EndpointId } from './virtual-network.ts';

/** 2026-01-01T00:00:00Z: the default wall clock at virtual time zero, so replays show the same TIME. */
export const DEFAULT_EPOCH_MS = Date.UTC(2026, 0, 1);

export interface HostOptions extends FabricOptions {
  /** Unix ms at virtual time zero. */
  epochMs?: number;
  /**
   * Cluster-enabled nodes keep nodes.conf on the host's disk, so a restarted node resumes its identity and view
   * (NodeSpec.persistClusterConfig overrides it per node). On by default, as a redis-server always writes its
   * cluster-config-file; a large headless run may turn it off to save building the text at every save.
   */
  persistClusterConfig?: boolean;
}

/**
 * What a host needs to create a node; the host fills in seed, start time and clock. Whether a cluster-enabled
 * node keeps nodes.conf on the host's disk is the host's default (HostOptions.persistClusterConfig) unless the
 * spec says.
 */
export type NodeSpec = Omit<NodeOptions, 'seed' | 'startUs' | 'epochMs'> & { startUs?: TimeUs };

/** The files a node's process leaves behind: what a restart finds. */
export interface NodeDisk {
  /** The last nodes.conf the node saved (or the one it was first started with); null if none. */
  nodesConf: string | null;
  /** Its data files (dump.rdb, appendonlydir/...): what a process reading them now would find. */
  files: Map<string, Uint8Array>;
}

/**
 * A file as the machine holds it: pieces written (in the kernel's page cache) and whether each is on the
 * device yet. A killed process loses nothing written; a crashed machine loses what was neither fsynced nor
 * written back by the kernel (dirty pages older than 30 s are, as Linux's dirty_expire_centisecs).
 */
interface DiskFile {
  chunks: { bytes: Uint8Array; at: TimeUs; durable: boolean }[];
}

/** vm.dirty_expire_centisecs: the kernel writes back dirty pages this old. */
export const DIRTY_EXPIRE_US = 30_000_000;

export abstract class BaseHost {
  readonly fabric: Fabric;
  readonly actions = new ScheduledActions();
  readonly epochMs: number;
  private readonly persistClusterConfig: boolean;
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
  /** Every address a node was added at, with the spec its next restart uses. */
  private readonly specs = new Map<EndpointId, NodeSpec>();
  /** Processes started at each address so far (1 after addNode, 2 after the first restart, ...). */
  private readonly lives = new Map<EndpointId, number>();
  private readonly disks = new Map<EndpointId, string | null>();
  private readonly dataFiles = new Map<EndpointId, Map<string, DiskFile>>();
  private readonly busOf = new Map<EndpointId, string>();
  /** Paused (SIGSTOPped) nodes, with what arrived for them meanwhile, in arrival order. */
  private readonly held = new Map<EndpointId, Delivery[]>();
  /** Resumed nodes' held input, handed over with their next advance. */
  private readonly released = new Map<EndpointId, Delivery[]>();
  /** A resumed node's catch-up writes leave no earlier than its resume time. */
  private readonly notBefore = new Map<EndpointId, TimeUs>();

  constructor(opts: HostOptions) {
    this.fabric = new Fabric(opts);
    this.fabric.isNodeAddress = (address) => this.next.has(address);
    this.rng = new Prng(opts.seed);
    this.epochMs = opts.epochMs ?? DEFAULT_EPOCH_MS;
    this.persistClusterConfig = opts.persistClusterConfig ?? true;
  }

  /** The time up to which everything has happened. */
  get nowUs(): TimeUs {
    return this.frontier;
  }

  protected set nowUs(t: TimeUs) {
    this.frontier = t;
    if (this.fabric.clientNowUs < t) this.fabric.clientNowUs = t;
  }

  /**
   * Full node options for a new node's spec (its first life): the node's seed is derived from the scenario seed
   * and its address only.
   */
  protected nodeOptions(spec: NodeSpec): NodeOptions {
    if (this.specs.has(spec.address)) throw new Error(`a node already listens at ${spec.address}`);
    const opts = this.optionsFor(spec, 1);
    this.specs.set(spec.address, spec);
    this.lives.set(spec.address, 1);
    this.disks.set(spec.address, spec.clusterConfig ?? null);
    return opts;
  }

  /** A later life's seed also depends on the life number: a new process, with a new run id, reproducibly. */
  private optionsFor(spec: NodeSpec, life: number): NodeOptions {
    // A node at "ip:port" listens on that port, as redis-server --port would.
    const port = /:(\d+)$/.exec(spec.address)?.[1];
    const config = port !== undefined && spec.config?.port === undefined ? { ...spec.config, port } : spec.config;
    const label = life === 1 ? `node:${spec.address}` : `node:${spec.address}#${life}`;
    return {
      ...spec,
      config,
      seed: this.rng.fork(label).nextUint32(),
      startUs: spec.startUs ?? this.frontier,
      epochMs: this.epochMs + (this.clockSteps.get(spec.address) ?? 0),
      persistClusterConfig: spec.persistClusterConfig ?? (this.persistClusterConfig && config?.['cluster-enabled'] === 'yes'),
    };
  }

  protected register(address: EndpointId, startUs: TimeUs, config?: Record<string, string>): void {
    if (this.next.has(address)) throw new Error(`a node already listens at ${address}`);
    this.next.set(address, startUs);
    // A restarted node keeps its place in the order results are applied in.
    if (!this.orderIndex.has(address)) {
      this.orderIndex.set(address, this.order.length);
      this.order.push(address);
    }
    this.wakeups.push({ at: startUs, node: address });
    if (config?.['cluster-enabled'] === 'yes') {
      const port = Number(config.port ?? /:(\d+)$/.exec(address)?.[1] ?? 6379);
      const cport = Number(config['cluster-port'] ?? 0) || port + 10000;
      const bus = `${ipOf(address)}:${cport}`;
      this.busOf.set(address, bus);
      this.fabric.registerBus(bus, address);
    }
  }

  /** Whether a node's process is alive at this address (a paused one is). */
  isNode = (id: EndpointId): boolean => this.next.has(id);

  isPaused(address: EndpointId): boolean {
    return this.held.has(address);
  }

  /** Open a connection from a client program (named `client`) to a node, now. A dead node refuses it. */
  connect(client: EndpointId, node: EndpointId): HostConnection {
    if (!this.specs.has(node)) throw new Error(`no node at ${node}`);
    return this.fabric.connect(client, node);
  }

  // --- Faults -----------------------------------------------------------------------------------------------

  /** Create the node's process (SimHost: an object; LockstepHost: a worker). */
  protected abstract startProcess(opts: NodeOptions): void;

  /** Drop the node's process and everything in its memory. */
  protected abstract stopProcess(address: EndpointId): void;

  /** A host may refuse a fault at a moment it cannot place in time (LockstepHost, while nodes are running). */
  protected checkFaultAllowed(): void {}

  /** The time a fault takes effect: now, or the time of the scheduled action that does it. */
  private faultTimeUs(): TimeUs {
    return Math.max(this.frontier, this.fabric.clientNowUs);
  }

  private fault(fault: FaultKind, address: EndpointId, at: TimeUs): void {
    this.fabric.logFault(fault, address, at);
  }

  /**
   * kill -9: the process and its memory are gone now. Its connections are reset (the other ends see them
   * close), what is on its way to it is lost, its bus address and port refuse connections. Its disk stays.
   */
  kill(address: EndpointId): void {
    if (!this.next.has(address)) throw new Error(`no node running at ${address}`);
    this.checkFaultAllowed();
    const at = this.faultTimeUs();
    this.fault('kill', address, at);
    this.endProcess(address, at);
  }

  /** The process is gone (killed, or exited after SHUTDOWN): connections reset, nothing pending for it. */
  private endProcess(address: EndpointId, at: TimeUs): void {
    this.stopProcess(address);
    this.next.delete(address);
    this.held.delete(address);
    this.released.delete(address);
    this.notBefore.delete(address);
    // Connections (bus links included) are reset while the bus address is still known, then it stops listening.
    this.fabric.nodeDown(address, at);
    const bus = this.busOf.get(address);
    if (bus !== undefined) this.fabric.unregisterBus(bus);
  }

  /**
   * Start a new process at `address` now, with the spec it was last started with (fields in `spec` replace
   * those) and the nodes.conf its predecessor left on disk, unless `spec` gives `clusterConfig`. A running
   * node is killed first. A cluster node that kept no nodes.conf (see HostOptions.persistClusterConfig) comes
   * back as a new node, as Redis does when its file is gone.
   */
  restart(address: EndpointId, spec?: Partial<Omit<NodeSpec, 'address'>>): void {
    const previous = this.specs.get(address);
    if (!previous) throw new Error(`no node at ${address}`);
    this.checkFaultAllowed();
    if (this.next.has(address)) this.kill(address);
    const at = this.faultTimeUs();
    const life = (this.lives.get(address) ?? 1) + 1;
    const next: NodeSpec = { ...previous, ...spec, address };
    delete next.startUs;
    const fromDisk = spec !== undefined && 'clusterConfig' in spec ? spec.clusterConfig : this.disks.get(address) ?? undefined;
    const opts = this.optionsFor({ ...next, clusterConfig: fromDisk ?? undefined, startUs: at, files: this.disk(address).files }, life);
    this.startProcess(opts);
    delete next.clusterConfig;
    this.specs.set(address, next);
    this.lives.set(address, life);
    this.register(address, at, opts.config);
    this.fabric.nodeUp(address);
    this.fault('restart', address, at);
  }

  /**
   * SIGSTOP (a long GC pause): the node does nothing until resumed; what arrives for it waits in the kernel.
   */
  pause(address: EndpointId): void {
    if (!this.next.has(address)) throw new Error(`no node running at ${address}`);
    if (this.held.has(address)) throw new Error(`${address} is already paused`);
    this.checkFaultAllowed();
    const at = this.faultTimeUs();
    this.held.set(address, this.released.get(address) ?? []);
    this.released.delete(address);
    this.notBefore.delete(address);
    this.next.set(address, null);
    this.fault('pause', address, at);
  }

  /**
   * SIGCONT: the node runs again now; everything that arrived while it was stopped is there at once. The node's
   * loop then runs up to now (what it writes on the way leaves now, not in the past).
   */
  resume(address: EndpointId): void {
    const held = this.held.get(address);
    if (held === undefined) throw new Error(`${address} is not paused`);
    this.checkFaultAllowed();
    const at = this.faultTimeUs();
    this.held.delete(address);
    // The node's clock jumps to now first; then everything that waited in the kernel is there at once.
    this.released.set(address, [{ kind: 'resume', at }, ...held.map((d) => ({ ...d, at }))]);
    this.notBefore.set(address, at);
    this.next.set(address, at);
    this.wakeups.push({ at, node: address });
    this.fault('resume', address, at);
  }

  /** How far each machine's wall clock has been stepped (stepClock); a restarted process starts with it. */
  private readonly clockSteps = new Map<EndpointId, number>();

  /**
   * Step the wall clock of the machine under `address` by `deltaMs` (negative: back). The node's timers, which
   * run on the monotonic clock, do not move; what reads the wall clock does: key expiry, TIME, and, in Redis
   * 7.0, the cluster bus's ping and failure timeouts. The step outlives a restart of the process.
   */
  stepClock(address: EndpointId, deltaMs: number): void {
    if (!this.next.has(address)) throw new Error(`no node running at ${address}`);
    this.checkFaultAllowed();
    const at = this.faultTimeUs();
    this.clockSteps.set(address, (this.clockSteps.get(address) ?? 0) + deltaMs);
    const step: Delivery = { kind: 'clock', at, stepMs: deltaMs };
    const held = this.held.get(address);
    if (held !== undefined) held.push(step);
    else {
      this.released.set(address, [...(this.released.get(address) ?? []), step]);
      this.wakeups.push({ at, node: address });
    }
    this.fault('clock-step', address, at);
  }

  /** What the node at `address` has (or had) on disk. */
  disk(address: EndpointId): NodeDisk {
    const files = new Map<string, Uint8Array>();
    for (const [name, f] of this.dataFiles.get(address) ?? []) files.set(name, concatBytes(f.chunks.map((c) => c.bytes)));
    return { nodesConf: this.disks.get(address) ?? null, files };
  }

  /**
   * The machine under the node crashes (power loss): the process dies as with kill, and its files keep only
   * what had reached the device: fsynced bytes, and bytes the kernel had written back (older than 30 s).
   */
  crash(address: EndpointId): void {
    const at = this.faultTimeUs();
    this.kill(address);
    for (const f of this.dataFiles.get(address)?.values() ?? []) {
      f.chunks = f.chunks.filter((c) => c.durable || at - c.at >= DIRTY_EXPIRE_US);
    }
  }

  /** A node's file operation, applied to its disk. */
  private applyFileOp(address: EndpointId, op: FileOp, at: TimeUs): void {
    let files = this.dataFiles.get(address);
    if (!files) this.dataFiles.set(address, (files = new Map()));
    if (op.op === 'write') files.set(op.name, { chunks: [{ bytes: op.bytes, at, durable: op.durable }] });
    else if (op.op === 'append') {
      let f = files.get(op.name);
      if (!f) files.set(op.name, (f = { chunks: [] }));
      f.chunks.push({ bytes: op.bytes, at, durable: false });
    } else {
      for (const c of files.get(op.name)?.chunks ?? []) c.durable = true;
    }
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

  /**
   * Every node's input up to `untilUs` (running the actions due on the way). Input for a paused node is held
   * back; a resumed node gets what was held for it first.
   */
  protected takeInboxes(untilUs: TimeUs): Map<EndpointId, Delivery[]> {
    const inboxes = this.fabric.takeArrivals(untilUs, this.isNode, this.actions);
    for (const [address, list] of inboxes) {
      // Killed by an action after these arrived (the lockstep host ends windows at actions, so rarely).
      if (!this.next.has(address)) {
        inboxes.delete(address);
        continue;
      }
      const held = this.held.get(address);
      if (held !== undefined) {
        held.push(...list);
        inboxes.delete(address);
      }
    }
    for (const [address, list] of this.released) {
      const later = inboxes.get(address);
      inboxes.set(address, later ? [...list, ...later] : list);
    }
    this.released.clear();
    return inboxes;
  }

  protected applyResult(address: EndpointId, r: AdvanceResult): void {
    // The heap needs an entry for the node's next time unless it still holds one: push when the time changed, or
    // when due() took the node's entry out.
    const popped = this.wokenUp.delete(address);
    if (r.nextEventUs !== null && (popped || r.nextEventUs !== this.next.get(address))) this.wakeups.push({ at: r.nextEventUs, node: address });
    this.next.set(address, r.nextEventUs);
    let outbox = r.outbox;
    const floor = this.notBefore.get(address);
    if (floor !== undefined) {
      // Nothing leaves a stopped process: the first run after a resume sends at the resume time at the earliest.
      this.notBefore.delete(address);
      outbox = outbox.map((e) => (e.at < floor ? { ...e, at: floor } : e));
    }
    if (outbox.some((e) => e.kind === 'file')) {
      for (const e of outbox) if (e.kind === 'file') this.applyFileOp(address, e.file, e.at);
      outbox = outbox.filter((e) => e.kind !== 'file');
    }
    this.fabric.routeEmissions(address, outbox);
    for (const e of r.events) if (e.type === 'cluster-config-saved') this.disks.set(address, e.text);
    this.fabric.logNodeEvents(address, r.events);
    if (r.exited === true) this.processExited(address);
  }

  /** The node ran SHUTDOWN: its process ends as after a kill (connections reset, disk kept), by its own hand. */
  private processExited(address: EndpointId): void {
    this.endProcess(address, this.faultTimeUs());
  }

  /** Nodes that must run in a step ending at `untilUs`: they have input, or they wake by then. */
  protected due(untilUs: TimeUs, inboxes: Map<EndpointId, unknown>): EndpointId[] {
    const due = [...inboxes.keys()];
    for (;;) {
      const at = this.earliestWakeup();
      if (at === null || at > untilUs) break;
      const node = this.wakeups.pop()!.node;
      this.wokenUp.add(node);
      if (!due.includes(node)) due.push(node);
    }
    // Results are applied in the order nodes were added, whatever the order they became due in.
    if (due.length > 1) due.sort((a, b) => this.orderIndex.get(a)! - this.orderIndex.get(b)!);
    return due;
  }

  /** Nodes whose wake-up entry due() took out of the heap: applyResult puts one back. */
  private readonly wokenUp = new Set<EndpointId>();
}
