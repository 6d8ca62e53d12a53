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
import type { ViewDigest } from '../../engine/server/view-digest.ts';
import { Fabric, ScheduledActions, ipOf, type FabricOptions, type FaultKind, type HostConnection } from './fabric.ts';
import { TimeHeap } from './min-heap.ts';
import { sortSmall } from '../../engine/types/sort-small.ts';
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

/**
 * A running node's bookkeeping in the host, one record per process: kept in one object so that a step, which
 * may run thousands of times per virtual second, finds everything about a node with one lookup.
 */
export interface NodeSlot {
  readonly address: EndpointId;
  /** Its place in the order nodes were added: the order results are applied in. */
  readonly index: number;
  /** Its next wake-up, as it reported after its last advance; null: only input wakes it (or it is paused). */
  next: TimeUs | null;
  /** The process ended (killed, exited): its heap entries and any input gathered for it are void. */
  dead: boolean;
  /** Input gathered for its coming advance, in delivery order. */
  inbox: Delivery[];
  /** The step that last put it in the due list (so it is listed once per step). */
  dueStep: number;
  /** due() took its wake-up entry out of the heap: applyResult puts one back. */
  woken: boolean;
  /** Paused (SIGSTOPped): what arrived meanwhile, in arrival order; null when running. */
  held: Delivery[] | null;
  /** A resumed node's held input (or a clock step), handed over first with its next advance. */
  released: Delivery[] | null;
  /** A resumed node's catch-up writes leave no earlier than its resume time. */
  notBefore: TimeUs | null;
}

const slotIndex = (slot: NodeSlot): number => slot.index;

export abstract class BaseHost {
  readonly fabric: Fabric;
  readonly actions = new ScheduledActions();
  readonly epochMs: number;
  private readonly persistClusterConfig: boolean;
  /** The running (or paused) node processes, by address. */
  private readonly live = new Map<EndpointId, NodeSlot>();
  /** Nodes in the order they were added: the order results are applied in. */
  protected readonly order: EndpointId[] = [];
  private readonly orderIndex = new Map<EndpointId, number>();
  /**
   * Wake-ups in time order, so finding the next event and the nodes due does not scan every node (a 1000-node
   * cluster steps thousands of times per virtual second). Entries go stale when a node reports a new time;
   * `next` is the truth and stale entries are skipped.
   */
  private readonly wakeups = new TimeHeap<NodeSlot>();
  private readonly rng: Prng;
  private frontier: TimeUs = 0;
  /** Every address a node was added at, with the spec its next restart uses. */
  private readonly specs = new Map<EndpointId, NodeSpec>();
  /** Processes started at each address so far (1 after addNode, 2 after the first restart, ...). */
  private readonly lives = new Map<EndpointId, number>();
  private readonly disks = new Map<EndpointId, string | null>();
  private readonly dataFiles = new Map<EndpointId, Map<string, DiskFile>>();
  private readonly busOf = new Map<EndpointId, string>();
  /** Slots with released input waiting for their next advance. */
  private releasedSlots: NodeSlot[] = [];
  /** The nodes due in the current step, and the step's number. */
  private dueList: NodeSlot[] = [];
  private stepNo = 0;

  constructor(opts: HostOptions) {
    this.fabric = new Fabric(opts);
    this.fabric.isNodeAddress = (address) => this.live.has(address);
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
    if (this.live.has(address)) throw new Error(`a node already listens at ${address}`);
    // A restarted node keeps its place in the order results are applied in.
    if (!this.orderIndex.has(address)) {
      this.orderIndex.set(address, this.order.length);
      this.order.push(address);
    }
    const slot: NodeSlot = {
      address, index: this.orderIndex.get(address)!, next: startUs, dead: false, inbox: [], dueStep: -1, woken: false,
      held: null, released: null, notBefore: null,
    };
    this.live.set(address, slot);
    this.wakeups.push(startUs, slot);
    if (config?.['cluster-enabled'] === 'yes') {
      const port = Number(config.port ?? /:(\d+)$/.exec(address)?.[1] ?? 6379);
      const cport = Number(config['cluster-port'] ?? 0) || port + 10000;
      const bus = `${ipOf(address)}:${cport}`;
      this.busOf.set(address, bus);
      this.fabric.registerBus(bus, address);
    }
  }

  /** Whether a node's process is alive at this address (a paused one is). */
  isNode = (id: EndpointId): boolean => this.live.has(id);

  isPaused(address: EndpointId): boolean {
    return this.live.get(address)?.held != null;
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
    if (!this.live.has(address)) throw new Error(`no node running at ${address}`);
    this.checkFaultAllowed();
    const at = this.faultTimeUs();
    this.fault('kill', address, at);
    this.endProcess(address, at);
  }

  /** The process is gone (killed, or exited after SHUTDOWN): connections reset, nothing pending for it. */
  private endProcess(address: EndpointId, at: TimeUs): void {
    this.stopProcess(address);
    const slot = this.live.get(address);
    if (slot !== undefined) slot.dead = true;
    this.live.delete(address);
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
    if (this.live.has(address)) this.kill(address);
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
    const slot = this.live.get(address);
    if (slot === undefined) throw new Error(`no node running at ${address}`);
    if (slot.held !== null) throw new Error(`${address} is already paused`);
    this.checkFaultAllowed();
    const at = this.faultTimeUs();
    slot.held = slot.released ?? [];
    slot.released = null;
    slot.notBefore = null;
    slot.next = null;
    this.fault('pause', address, at);
  }

  /**
   * SIGCONT: the node runs again now; everything that arrived while it was stopped is there at once. The node's
   * loop then runs up to now (what it writes on the way leaves now, not in the past).
   */
  resume(address: EndpointId): void {
    const slot = this.live.get(address);
    const held = slot?.held;
    if (slot === undefined || held == null) throw new Error(`${address} is not paused`);
    this.checkFaultAllowed();
    const at = this.faultTimeUs();
    slot.held = null;
    // The node's clock jumps to now first; then everything that waited in the kernel is there at once.
    this.release(slot, [{ kind: 'resume', at }, ...held.map((d) => ({ ...d, at }))]);
    slot.notBefore = at;
    slot.next = at;
    this.wakeups.push(at, slot);
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
    const slot = this.live.get(address);
    if (slot === undefined) throw new Error(`no node running at ${address}`);
    this.checkFaultAllowed();
    const at = this.faultTimeUs();
    this.clockSteps.set(address, (this.clockSteps.get(address) ?? 0) + deltaMs);
    const step: Delivery = { kind: 'clock', at, stepMs: deltaMs };
    if (slot.held !== null) slot.held.push(step);
    else {
      this.release(slot, [...(slot.released ?? []), step]);
      this.wakeups.push(at, slot);
    }
    this.fault('clock-step', address, at);
  }

  /**
   * `rm -rf` of the node's directory: its nodes.conf and data files are gone, so its next process starts as a
   * new, empty node (a new node id in cluster mode). The running process, if any, keeps what it has in memory.
   */
  wipeDisk(address: EndpointId): void {
    if (!this.specs.has(address)) throw new Error(`no node at ${address}`);
    this.disks.set(address, null);
    this.dataFiles.delete(address);
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
      const at = this.wakeups.peekTime();
      if (at === null) return null;
      const slot = this.wakeups.peek()!;
      if (!slot.dead && slot.next === at) return at;
      this.wakeups.pop();
    }
  }

  /** Input handed to a node ahead of anything else at its next advance (a resume's held input, a clock step). */
  private release(slot: NodeSlot, list: Delivery[]): void {
    if (slot.released === null) this.releasedSlots.push(slot);
    slot.released = list;
  }

  /**
   * Where an arrival for `to` goes: the inbox of a running node (listed as due), the held list of a paused one,
   * or nowhere (undefined: not a node; a client program gets it).
   */
  private readonly inboxOf = (to: EndpointId): Delivery[] | undefined => {
    const slot = this.live.get(to);
    if (slot === undefined) return undefined;
    if (slot.held !== null) return slot.held;
    this.markDue(slot);
    return slot.inbox;
  };

  private markDue(slot: NodeSlot): void {
    if (slot.dueStep === this.stepNo) return;
    slot.dueStep = this.stepNo;
    this.dueList.push(slot);
  }

  /**
   * The nodes that run in a step ending at `untilUs`, in the order they were added, each with its input in
   * `inbox` (running the actions due on the way): nodes with input, and nodes that wake by then. Input for a
   * paused node is held back; a resumed node gets what was held for it first.
   */
  protected gather(untilUs: TimeUs): readonly NodeSlot[] {
    this.stepNo++;
    const due: NodeSlot[] = (this.dueList = []);
    this.fabric.takeArrivals(untilUs, this.inboxOf, this.actions);
    if (this.releasedSlots.length > 0) {
      for (const slot of this.releasedSlots) {
        if (slot.dead || slot.released === null) continue;
        slot.inbox = slot.inbox.length > 0 ? [...slot.released, ...slot.inbox] : slot.released;
        slot.released = null;
        this.markDue(slot);
      }
      this.releasedSlots = [];
    }
    for (;;) {
      const at = this.earliestWakeup();
      if (at === null || at > untilUs) break;
      const slot = this.wakeups.pop()!;
      slot.woken = true;
      this.markDue(slot);
    }
    // Killed by an action after input arrived for it (the lockstep host ends windows at actions, so rarely).
    const running = due.some((slot) => slot.dead) ? due.filter((slot) => !slot.dead) : due;
    // Results are applied in the order nodes were added, whatever the order they became due in.
    sortSmall(running, slotIndex);
    return running;
  }

  /** A node's advance returned: route what it wrote, file its next wake-up, keep what it saved. */
  protected applyResult(slot: NodeSlot, r: AdvanceResult): void {
    const address = slot.address;
    // The input went with the advance.
    if (slot.inbox.length > 0) slot.inbox = [];
    // The heap needs an entry for the node's next time unless it still holds one: push when the time changed, or
    // when gather() took the node's entry out.
    const popped = slot.woken;
    slot.woken = false;
    if (r.nextEventUs !== null && (popped || r.nextEventUs !== slot.next)) this.wakeups.push(r.nextEventUs, slot);
    slot.next = r.nextEventUs;
    let outbox = r.outbox;
    const floor = slot.notBefore;
    if (floor !== null) {
      // Nothing leaves a stopped process: the first run after a resume sends at the resume time at the earliest.
      slot.notBefore = null;
      outbox = outbox.map((e) => (e.at < floor ? { ...e, at: floor } : e));
    }
    let files = false;
    for (let i = 0; i < outbox.length; i++) if (outbox[i].kind === 'file') files = true;
    if (files) {
      for (const e of outbox) if (e.kind === 'file') this.applyFileOp(address, e.file, e.at);
      outbox = outbox.filter((e) => e.kind !== 'file');
    }
    if (outbox.length > 0) this.fabric.routeEmissions(address, outbox);
    if (r.events.length > 0) {
      for (const e of r.events) if (e.type === 'cluster-config-saved') this.disks.set(address, e.text);
      this.fabric.logNodeEvents(address, r.events);
    }
    if (r.digest !== undefined) this.onDigest?.(address, r.digest);
    if (r.exited === true) this.processExited(address);
  }

  /** Told of each view digest a node returns (nodes started with observeViews): the lab session's. */
  onDigest: ((address: EndpointId, digest: ViewDigest) => void) | null = null;

  /**
   * The node's code threw (in its worker, or in this thread): the process is gone as after kill -9 (connections
   * reset, disk kept), the history says it crashed, and a restart starts a new one. The rest of the lab goes on.
   */
  protected processCrashed(address: EndpointId): void {
    if (!this.live.has(address)) return;
    const at = this.faultTimeUs();
    this.fault('crashed', address, at);
    this.endProcess(address, at);
  }

  /** The node ran SHUTDOWN: its process ends as after a kill (connections reset, disk kept), by its own hand. */
  private processExited(address: EndpointId): void {
    this.endProcess(address, this.faultTimeUs());
  }
}
