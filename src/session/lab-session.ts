/**
 * The lab session: the one object between the screen and the nodes. It owns the host (nodes in Web Workers, or
 * in this thread for tests) and the pacer, takes every user action as data, stamps it with the virtual time it
 * takes effect at and records it in the scenario log, and publishes what happened as batches: one per pacer
 * tick, a consistent cut of the cluster at the host's clock (bus messages sent with their arrival times, engine
 * events, faults, and each node's view digest when it changed).
 *
 * Because every input is in the log and every host gives the same history for the same inputs, the log is
 * enough to rebuild any moment: rewinding replays it into a fresh host up to that moment, and acting from there
 * forks a new future.
 */
import type { TimeUs } from '../engine/types/time.ts';
import type { EngineEvent } from '../engine/server/events.ts';
import type { ViewDigest } from '../engine/server/view-digest.ts';
import { LockstepHost, type RemoteNodeFactory } from '../hosts/lockstep/lockstep-host.ts';
import { Pacer, type PacerClock, type PacerStatus } from '../hosts/lockstep/pacer.ts';
import type { BusFlight, FabricObserver, FaultKind } from '../hosts/network/fabric.ts';
import { RedisCliSession } from '../clients/redis-cli/session.ts';
import type { LabAction, Scenario } from '../scenarios/scenario.ts';
import { addressOf, nextFreePort, nodeSpecs } from '../scenarios/build.ts';
import { LoadGenerator, type LoadBucket, type VerifyResult } from '../clients/load/load-generator.ts';

/** A user action before the session stamps its time. */
export type ActionInput = LabAction extends infer A ? (A extends LabAction ? Omit<A, 'at'> : never) : never;

/** A node's process: running, stopped (SIGSTOP), dead (killed, or exited), or crashed (its code threw). */
export type ProcessState = 'running' | 'paused' | 'dead' | 'crashed';

export interface SessionBatch {
  /** The host's clock: everything up to here has happened. */
  nowUs: TimeUs;
  flights: BusFlight[];
  /** Bus messages that found no process on arrival (by flight id). */
  lost: { id: string; at: TimeUs }[];
  events: { node: string; event: EngineEvent }[];
  faults: { fault: FaultKind; node: string; at: TimeUs }[];
  /** Digests that changed since the last batch, by node address. */
  digests: Map<string, ViewDigest>;
  /** Every node's process, by address (always complete). */
  processes: Map<string, ProcessState>;
  /** Actions applied in this batch (as recorded). */
  actions: LabAction[];
  /** The load's buckets completed in this batch (virtual time order). */
  buckets: LoadBucket[];
  /** A read-back of acknowledged writes that finished in this batch. */
  verified: (VerifyResult & { at: TimeUs }) | null;
}

export interface SessionOptions {
  scenario: Scenario;
  factory: RemoteNodeFactory;
  clock: PacerClock;
}

export interface TerminalHandle {
  readonly id: number;
  input(data: string): void;
  /** Everything it printed, for lesson checks and tests. */
  readonly output: string;
}

/** Virtual time a typed command may advance the paused clock to get its reply. */
const PAUSED_REPLY_LIMIT_US = 5_000_000;

export class LabSession {
  host!: LockstepHost;
  pacer!: Pacer;
  /** The scenario being played, its action log growing as the learner acts. */
  readonly scenario: Scenario;
  private readonly listeners: ((b: SessionBatch) => void)[] = [];
  private readonly statusListeners: ((s: PacerStatus) => void)[] = [];
  private batch: SessionBatch;
  private readonly addresses: string[] = [];
  private readonly terminals: { id: number; cli: RedisCliSession; write: (s: string) => void }[] = [];
  private disposed = false;
  /** Nodes whose process crashed (until restarted). */
  private readonly crashed = new Set<string>();
  /** Set while a replay rebuilds a moment: output from replayed terminals goes nowhere. */
  private replaying = false;

  constructor(private readonly opts: SessionOptions) {
    this.scenario = structuredClone(opts.scenario);
    this.batch = this.emptyBatch();
  }

  get nodes(): readonly string[] {
    return this.addresses;
  }

  get nowUs(): TimeUs {
    return this.host.nowUs;
  }

  /** Start the scenario's nodes (and replay its actions up to `untilUs`, for a rewind or a permalink). */
  async start(untilUs: TimeUs = 0): Promise<void> {
    const s = this.scenario;
    const host = new LockstepHost({ seed: s.seed, link: s.link, log: false }, this.opts.factory);
    this.host = host;
    host.fabric.observer = this.observer();
    host.onDigest = (address, digest) => this.batch.digests.set(address, digest);
    const specs = nodeSpecs(s, { observe: true });
    for (const spec of specs) this.addresses.push(spec.address);
    await Promise.all(specs.map((spec) => host.addNode(spec)));
    this.pacer = new Pacer(host, this.opts.clock);
    this.pacer.onStatus((st) => this.onTick(st));
    if (s.actions.length > 0) {
      this.replaying = true;
      try {
        for (const a of s.actions) if (a.at <= untilUs) this.schedule(a);
        s.actions = s.actions.filter((a) => a.at <= untilUs);
        await host.runUntil(untilUs);
      } finally {
        this.replaying = false;
      }
      // The rebuilt past reaches the screen as state and history (digests, the event log, the load's buckets),
      // not as thousands of messages to animate.
      this.batch.flights = [];
      this.batch.lost = [];
      this.flush();
    }
  }

  onBatch(cb: (b: SessionBatch) => void): () => void {
    this.listeners.push(cb);
    return () => this.listeners.splice(this.listeners.indexOf(cb) >>> 0, 1);
  }

  onStatus(cb: (s: PacerStatus) => void): void {
    this.statusListeners.push(cb);
    if (this.pacer) cb(this.pacer.status());
  }

  /**
   * Do something to the lab: it takes effect at the next moment the host can place it (the start of the next
   * window), is recorded in the scenario log, and shows up in the batch of the tick that applies it.
   */
  act(input: ActionInput): LabAction {
    const action = { ...input, at: this.host.nowUs } as LabAction;
    this.scenario.actions.push(action);
    this.schedule(action);
    // Paused: run just far enough for the action to happen, so the screen shows it.
    if (this.pacer && !this.pacer.status().running) void this.pacer.stepOnce();
    return action;
  }

  private schedule(action: LabAction): void {
    this.host.at(action.at, () => {
      this.apply(action);
      this.batch.actions.push(action);
    });
  }

  /** What an action does to the host. A fault the host refuses (a node already dead) is reported, not thrown. */
  private apply(a: LabAction): void {
    const host = this.host;
    const net = host.fabric.network;
    try {
      switch (a.kind) {
        case 'kill': host.kill(a.node); break;
        case 'crash': host.crash(a.node); break;
        case 'restart':
          if (!a.keepData) {
            if (host.isNode(a.node)) host.kill(a.node);
            host.wipeDisk(a.node);
          }
          host.restart(a.node);
          break;
        case 'pause': host.pause(a.node); break;
        case 'resume': host.resume(a.node); break;
        case 'partition': net.partition(a.islands, a.at); break;
        case 'block': net.block(a.from, a.to, a.at, true); break;
        case 'heal': net.heal(a.at); break;
        case 'link':
          net.setLink(a.a, a.b, a.at, { latencyUs: a.latencyUs, loss: a.loss });
          net.setLink(a.b, a.a, a.at, { latencyUs: a.latencyUs, loss: a.loss });
          break;
        case 'clock-step': host.stepClock(a.node, a.deltaMs); break;
        case 'add-node': {
          const spec = { address: a.node, config: { ...this.scenario.config, ...(a.clusterEnabled ? { 'cluster-enabled': 'yes' } : {}) }, observeCluster: true, observeViews: true };
          this.addresses.push(a.node);
          void host.addNode(spec);
          break;
        }
        case 'open-terminal': this.createCli(a.term, a.node, () => undefined, () => 80, { exited: '' }); break;
        case 'close-terminal': this.terminals.find((t) => t.id === a.term)?.cli.close(); break;
        case 'type': this.terminals.find((t) => t.id === a.term)?.cli.input(a.text); break;
        case 'load':
          this.loadGenerator().configure({ opsPerSec: a.opsPerSec, readRatio: a.readRatio, keys: a.keys, hotKeyShare: a.hotKeyShare });
          break;
        case 'verify-writes':
          void this.loadGenerator().verify().then((r) => {
            this.batch.verified = { ...r, at: this.host.fabric.clientNowUs };
          });
          break;
      }
    } catch (e) {
      this.batch.events.push({ node: 'lab', event: { type: 'log', at: a.at, level: 'warning', text: (e as Error).message } });
    }
  }

  private load: LoadGenerator | null = null;

  /** The client load, created at its first action (its connections and seed are part of the history). */
  private loadGenerator(): LoadGenerator {
    if (this.load === null) {
      // Operations start in bursts every 50 ms of virtual time: each burst ends a window of the Web Worker host
      // (a round trip to every busy worker), so a finer grid would slow the whole lab down under load.
      this.load = new LoadGenerator({ host: this.host, seeds: [...this.addresses], seed: this.scenario.seed, tickUs: 50_000 });
      this.load.onBucket((b) => this.batch.buckets.push(b));
    }
    return this.load;
  }

  /**
   * Keys per slot across the running masters (each slot's keys live on the master serving it; during a migration
   * both ends hold some). Reads only, between windows.
   */
  async slotKeyCounts(): Promise<Uint32Array> {
    const total = new Uint32Array(16384);
    for (const address of this.addresses) {
      if (!this.host.isNode(address)) continue;
      const d = await this.host.digest(address).catch(() => null);
      if (d?.role !== 'master') continue;
      const counts = await this.host.slotKeyCounts(address);
      if (counts) for (let i = 0; i < total.length; i++) total[i] += counts[i];
    }
    return total;
  }

  /** A few keys of `slot` from the node at `address`. */
  sampleKeys(address: string, slot: number, count: number): Promise<string[]> {
    return this.host.isNode(address) ? this.host.sampleKeys(address, slot, count) : Promise.resolve([]);
  }

  /** Make a node's next step throw, as a bug in its code would (tests of crash handling). */
  injectNodeFailure(address: string): Promise<void> {
    return this.host.failNextAdvance(address, 'a failure injected by a test');
  }

  /** The address an added node gets: the next free port after the topology's. */
  nextNodeAddress(): string {
    return addressOf(nextFreePort(this.scenario, this.addresses));
  }

  /**
   * A redis-cli in a terminal, connected to `node` (-c: it follows redirections). What the learner types is
   * edited locally; each submitted line is recorded with the time it was sent, so a replay sends it again.
   */
  openTerminal(node: string, write: (s: string) => void, columns: () => number, messages: { exited: string }): TerminalHandle {
    const id = this.terminals.reduce((m, t) => Math.max(m, t.id), 0) + 1;
    this.scenario.actions.push({ at: this.host.fabric.clientNowUs, kind: 'open-terminal', term: id, node });
    const cli = this.createCli(id, node, write, columns, messages);
    const session = this;
    return {
      id,
      get output() {
        return cli.output;
      },
      input(data: string) {
        cli.input(data);
        if (session.pacer && !session.pacer.status().running) void session.deliverWhilePaused(cli);
      },
    };
  }

  /** Close terminal `id`: recorded, since its connection closing is something the node sees. */
  closeTerminal(id: number): void {
    const t = this.terminals.find((x) => x.id === id);
    if (!t) return;
    this.scenario.actions.push({ at: this.host.fabric.clientNowUs, kind: 'close-terminal', term: id });
    t.cli.close();
  }

  private createCli(id: number, node: string, write: (s: string) => void, columns: () => number, messages: { exited: string }): RedisCliSession {
    const [ip, port] = [node.slice(0, node.lastIndexOf(':')), Number(node.slice(node.lastIndexOf(':') + 1))];
    const cli = new RedisCliSession({
      host: ip,
      port,
      clusterMode: this.scenario.topology.kind === 'cluster',
      connect: (h, p) => this.host.connect(`redis-cli-${id}`, `${h}:${p}`),
      write: (s) => {
        if (!this.replaying) write(s);
      },
      columns,
      messages,
      onLine: (line) => {
        if (this.replaying) return;
        this.scenario.actions.push({ at: this.host.fabric.clientNowUs, kind: 'type', term: id, text: `${line}\r` });
      },
    });
    this.terminals.push({ id, cli, write });
    cli.start();
    return cli;
  }

  /** A learner typing while the clock is paused expects an answer: time moves just far enough for it. */
  private async deliverWhilePaused(cli: RedisCliSession): Promise<void> {
    const limit = this.host.nowUs + PAUSED_REPLY_LIMIT_US;
    await Promise.resolve();
    while (cli.awaitingReply && this.host.nowUs < limit && !this.pacer.status().running) await this.pacer.stepOnce();
  }

  play(): void {
    this.pacer.play();
  }
  pause(): void {
    this.pacer.pause();
  }
  step(): Promise<void> {
    return this.pacer.stepOnce();
  }
  advanceBy(us: TimeUs): Promise<void> {
    return this.pacer.advanceBy(us);
  }
  setSpeed(speed: number): void {
    this.pacer.setSpeed(speed);
  }

  /** Run (at the pacer's top speed, without pausing the page) until `done` holds or `limitUs` passes. */
  async runUntil(done: () => boolean, limitUs: TimeUs): Promise<boolean> {
    while (!done() && this.host.nowUs < limitUs) {
      await this.pacer.advanceBy(50_000);
      await new Promise<void>((r) => this.opts.clock.schedule(r, 0));
    }
    return done();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.load?.stop();
    this.pacer?.pause();
    await this.host?.dispose();
  }

  private observer(): FabricObserver {
    return {
      busSent: (f) => this.batch.flights.push(f),
      busLost: (id, at) => this.batch.lost.push({ id, at }),
      nodeEvents: (node, events) => {
        for (const event of events) this.batch.events.push({ node, event });
      },
      fault: (fault, node, at) => {
        this.batch.faults.push({ fault, node, at });
        if (fault === 'crashed') {
          this.crashed.add(node);
          const why = this.host.crashReasons.get(node) ?? '';
          this.batch.events.push({ node, event: { type: 'log', at, level: 'warning', text: `Cluster Lab: this node's process crashed (${why})` } });
        } else if (fault === 'restart') this.crashed.delete(node);
      },
    };
  }

  private onTick(status: PacerStatus): void {
    for (const l of this.statusListeners) l(status);
    this.flush();
  }

  /** Publish what happened since the last batch (nothing when nothing did). */
  flush(): void {
    if (this.disposed || this.replaying) return;
    const b = this.batch;
    b.nowUs = this.host.nowUs;
    for (const a of this.addresses) b.processes.set(a, !this.host.isNode(a) ? (this.crashed.has(a) ? 'crashed' : 'dead') : this.host.isPaused(a) ? 'paused' : 'running');
    this.batch = this.emptyBatch();
    for (const l of this.listeners) l(b);
  }

  private emptyBatch(): SessionBatch {
    return { nowUs: 0, flights: [], lost: [], events: [], faults: [], digests: new Map(), processes: new Map(), actions: [], buckets: [], verified: null };
  }
}
