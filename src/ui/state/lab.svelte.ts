/**
 * The screen's view-models, fed by the lab session's batches. Each store holds one concern and is replaced
 * whole (raw state) when a batch changes it, so a component redraws only when what it shows changed:
 * the pacer status, the cluster views (digests and processes), the messages in flight, the event log, and the
 * selected node. Components take the store they show; actions go back to the session as data.
 */
import type { ActionInput, SessionBatch } from '../../session/lab-session.ts';
import type { SessionPort } from '../../session/session-port.ts';
import { workerSessionPort } from '../../session/worker-session.ts';
import { ClusterViews } from '../../session/cluster-views.ts';
import type { PacerStatus } from '../../hosts/lockstep/pacer.ts';
import type { BusFlight } from '../../hosts/network/fabric.ts';
import { preset, type PresetName, DEFAULT_PRESET, type Scenario, type LabAction } from '../../scenarios/scenario.ts';
import { EventDescriber, type LogLine } from './event-lines.ts';
import { i18n } from '../i18n/i18n.svelte.ts';
import type { LoadBucket, LoadSettings, VerifyResult } from '../../clients/load/load-generator.ts';

const BUCKETS_KEPT = 600;
/** Speed while a fresh cluster comes up: the learner should not wait through the writable delay. */
const BOOT_SPEED = 100;
const LOG_LINES = 400;

/**
 * Where the nodes run: by default the whole lab (session, host, nodes) in one Web Worker, so the page only draws;
 * `?placement=node-workers` keeps the session on the page and gives every node a Web Worker of its own (each
 * window of virtual time is then a round trip to the busy workers: slower, same history).
 */
export type Placement = 'lab-worker' | 'node-workers';

function placementFromUrl(): Placement {
  try {
    return new URLSearchParams(location.search).get('placement') === 'node-workers' ? 'node-workers' : 'lab-worker';
  } catch {
    return 'lab-worker';
  }
}

/** The session for a placement; the page-side session (and the engine code it carries) loads only when asked for. */
async function openPort(placement: Placement): Promise<SessionPort> {
  if (placement === 'lab-worker') return workerSessionPort();
  const [{ localSessionPort }, { webWorkerNodeFactory }, { yieldingClock }] = await Promise.all([
    import('../../session/session-port.ts'),
    import('../../hosts/worker/worker-host.ts'),
    import('../../session/yielding-clock.ts'),
  ]);
  return localSessionPort(webWorkerNodeFactory, yieldingClock());
}

/**
 * Bus messages sent since the canvas last looked, kept outside Svelte's reactivity: the topology view takes them
 * every animation frame. Bounded: a view that is not drawn (a hidden tab) does not pile them up.
 */
export interface TerminalTab {
  key: number;
  /** The node its redis-cli -c connects to first ("ip:port"). */
  node: string;
}

export class FlightBoard {
  private queue: BusFlight[] = [];
  /** Messages dropped by a partition, for the view to draw as lost. */
  private dropped: BusFlight[] = [];
  static readonly LIMIT = 2000;

  add(batch: SessionBatch): void {
    for (const f of batch.flights) (f.arriveAt === null ? this.dropped : this.queue).push(f);
    if (this.queue.length > FlightBoard.LIMIT) this.queue.splice(0, this.queue.length - FlightBoard.LIMIT);
    if (this.dropped.length > FlightBoard.LIMIT) this.dropped.splice(0, this.dropped.length - FlightBoard.LIMIT);
  }

  take(): { sent: BusFlight[]; dropped: BusFlight[] } {
    const out = { sent: this.queue, dropped: this.dropped };
    this.queue = [];
    this.dropped = [];
    return out;
  }

  clear(): void {
    this.queue = [];
    this.dropped = [];
  }
}

export class LabStore {
  status = $state.raw<PacerStatus | null>(null);
  /** Every node's latest view; replaced whole (a new object) when a batch changes a digest or a process. */
  views = $state.raw(new ClusterViews());
  /** Where batches are applied; `views` is its copy of the last change. */
  private readonly liveViews = new ClusterViews();
  readonly flights = new FlightBoard();
  log = $state.raw<LogLine[]>([]);
  selected = $state<string | null>(null);
  nodes = $state.raw<string[]>([]);
  ready = $state(false);
  healthy = $state(false);
  error = $state<string | null>(null);
  presetName = $state<PresetName>(DEFAULT_PRESET);
  /** The client load's buckets, the last minute of virtual time. */
  buckets = $state.raw<LoadBucket[]>([]);
  loadSettings = $state.raw<LoadSettings>({ opsPerSec: 0, readRatio: 0.5, keys: 1000, hotKeyShare: 0 });
  /** The last read-back of acknowledged writes. */
  verified = $state.raw<(VerifyResult & { at: number }) | null>(null);
  verifying = $state(false);
  /** Real ms from navigation to a healthy cluster (the bench reads it). */
  healthyAfterMs = $state<number | null>(null);

  /** The scenario the lab started from (its topology lays out the screen). */
  scenario = $state.raw<Scenario>(preset(DEFAULT_PRESET));
  /** Actions applied so far, for the timeline's marks. */
  actions = $state.raw<LabAction[]>([]);
  readonly placement: Placement = placementFromUrl();

  session: SessionPort | null = null;
  private describer = new EventDescriber();
  /** The terminal tabs: each a redis-cli -c connected to one node, opened in the session once its view binds. */
  tabs = $state.raw<TerminalTab[]>([{ key: 1, node: '127.0.0.1:7000' }]);
  activeTab = $state(1);
  private readonly terms = new Map<number, { write: (s: string) => void; cols: () => number; id: number | null }>();
  /** A fresh cluster runs at BOOT_SPEED until the first healthy batch. */
  private booting = false;

  async start(scenario: Scenario = preset(this.presetName), untilUs = 0): Promise<void> {
    this.ready = false;
    this.healthy = false;
    this.scenario = scenario;
    try {
      const session = await openPort(this.placement);
      this.session = session;
      session.onStatus((s) => {
        if (this.session === session) this.status = s;
      });
      session.onBatch((b) => {
        if (this.session === session) this.onBatch(b);
      });
      const { nodes } = await session.start(scenario, untilUs);
      this.nodes = nodes;
      this.selected ??= this.nodes[0] ?? null;
      this.ready = true;
      await this.attachTerminals();
      // A fresh cluster runs fast until it is healthy (onBatch slows it to real time); a rewound one at once.
      this.booting = untilUs === 0;
      session.setSpeed(this.booting ? BOOT_SPEED : 1);
      session.play();
    } catch (e) {
      this.fail(e);
    }
  }

  private onBatch(b: SessionBatch): void {
    this.flights.add(b);
    if (this.liveViews.apply(b)) this.views = this.liveViews.clone();
    if (b.buckets.length > 0) {
      const next = this.buckets.concat(b.buckets);
      this.buckets = next.length > BUCKETS_KEPT ? next.slice(next.length - BUCKETS_KEPT) : next;
    }
    if (b.verified) {
      this.verified = b.verified;
      this.verifying = false;
    }
    const lines = this.describer.describe(b, this.liveViews);
    if (lines.length > 0) {
      const next = this.log.length + lines.length > LOG_LINES ? this.log.slice(this.log.length + lines.length - LOG_LINES) : this.log.slice();
      next.push(...lines);
      this.log = next;
    }
    if (b.actions.length > 0) this.actions = this.actions.concat(b.actions);
    const healthy = this.liveViews.healthy();
    if (healthy && this.healthyAfterMs === null) this.healthyAfterMs = performance.now();
    if (healthy && this.booting) {
      this.booting = false;
      this.session?.setSpeed(1);
    }
    this.healthy = healthy;
    if (b.processes.size !== this.nodes.length) this.nodes = [...b.processes.keys()];
  }

  /** A terminal view gives its output and width once; the session's redis-cli for it opens when it can. */
  bindTerminal(key: number, write: (s: string) => void, columns: () => number): void {
    this.terms.set(key, { write, cols: columns, id: null });
    void this.attachTerminals();
  }

  unbindTerminal(key: number): void {
    this.terms.delete(key);
  }

  /** Open a redis-cli for every bound tab that has none in the current session. */
  private async attachTerminals(): Promise<void> {
    const session = this.session;
    if (!session || !this.ready) return;
    for (const tab of this.tabs) {
      const t = this.terms.get(tab.key);
      if (!t || t.id !== null) continue;
      t.id = -1;
      t.id = await session.openTerminal(tab.node, t.cols(), { exited: i18n.t('cliExited') }, t.write);
    }
  }

  /** A new terminal tab with redis-cli -c on `node`, shown at once. */
  openTab(node: string): void {
    const key = Math.max(0, ...this.tabs.map((t) => t.key)) + 1;
    this.tabs = [...this.tabs, { key, node }];
    this.activeTab = key;
  }

  closeTab(key: number): void {
    if (this.tabs.length <= 1) return;
    const t = this.terms.get(key);
    // Its redis-cli exits: the connection closes (recorded in the scenario, as the node sees it).
    if (t?.id != null && t.id >= 0) this.session?.closeTerminal(t.id);
    this.terms.delete(key);
    this.tabs = this.tabs.filter((x) => x.key !== key);
    if (this.activeTab === key) this.activeTab = this.tabs[0].key;
  }

  input(key: number, data: string): void {
    const id = this.terms.get(key)?.id;
    if (this.session && id != null && id >= 0) this.session.terminalInput(id, data);
  }

  resizeTerminal(key: number): void {
    const t = this.terms.get(key);
    if (this.session && t && t.id !== null && t.id >= 0) this.session.terminalResize(t.id, t.cols());
  }

  /** Every terminal starts over with the new session (a rewind or a new preset): a note, then a new redis-cli. */
  private resetTerminals(note: string | null): void {
    for (const t of this.terms.values()) {
      t.id = null;
      t.write(note ?? '\x1b[H\x1b[2J');
    }
  }

  act(action: ActionInput): void {
    this.session?.act(action).catch((e) => this.fail(e));
  }

  setLoad(settings: LoadSettings): void {
    this.loadSettings = settings;
    this.act({ kind: 'load', ...settings });
  }

  verifyWrites(): void {
    this.verifying = true;
    this.act({ kind: 'verify-writes' });
  }

  play(): void {
    this.session?.play();
  }
  pause(): void {
    this.session?.pause();
  }
  async step(): Promise<void> {
    await this.guard(() => this.session!.step());
  }
  async plusSecond(): Promise<void> {
    await this.guard(() => this.session!.advanceBy(1_000_000));
  }
  setSpeed(speed: number): void {
    this.session?.setSpeed(speed);
  }

  /**
   * Go back to virtual time `atUs`: a fresh set of workers replays the scenario log up to then, and the lab
   * goes on from there (what was done after it is forgotten: acting now forks a new future).
   */
  async rewindTo(atUs: number): Promise<void> {
    const old = this.session;
    if (!old) return;
    const scenario = await old.scenario();
    old.pause();
    this.resetTerminals(`\r\n\x1b[33m${i18n.t('rewound', { t: (atUs / 1e6).toFixed(3) })}\x1b[0m\r\n`);
    this.forgetSession();
    await old.dispose();
    await this.start(scenario, atUs);
    const load = [...scenario.actions].filter((a) => a.at <= atUs).reverse().find((a) => a.kind === 'load');
    this.loadSettings = load?.kind === 'load' ? { opsPerSec: load.opsPerSec, readRatio: load.readRatio, keys: load.keys, hotKeyShare: load.hotKeyShare } : { ...this.loadSettings, opsPerSec: 0 };
  }

  /** Everything the screen learned from the current session, dropped before another one starts. */
  private forgetSession(): void {
    this.flights.clear();
    this.liveViews.nodes.clear();
    this.views = new ClusterViews();
    this.describer = new EventDescriber();
    this.log = [];
    this.buckets = [];
    this.verified = null;
    this.actions = [];
    this.session = null;
  }

  async restartPreset(name: PresetName): Promise<void> {
    this.presetName = name;
    const old = this.session;
    this.resetTerminals(null);
    this.tabs = [{ key: 1, node: preset(name).topology.basePort ? `127.0.0.1:${preset(name).topology.basePort}` : '127.0.0.1:7000' }];
    this.activeTab = 1;
    this.forgetSession();
    this.loadSettings = { ...this.loadSettings, opsPerSec: 0 };
    this.selected = null;
    this.healthyAfterMs = null;
    if (old) await old.dispose();
    await this.start(preset(name));
  }

  dispose(): void {
    void this.session?.dispose();
  }

  private async guard(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    this.error = e instanceof Error ? e.message : String(e);
    this.session?.pause();
    console.error(e);
  }
}
