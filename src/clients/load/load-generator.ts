/**
 * The lab's client load: an application writing and reading keys through a slot-caching cluster client, at a
 * set rate, in virtual time. It lives in the host beside the nodes (as the terminal's redis-cli does) and reports
 * what such an application sees, one bucket per 100 ms of virtual time: operations that succeeded, the
 * redirections its client followed (MOVED, ASK: the spikes a learner watches during a resharding or a
 * failover), operations that failed and why (CLUSTERDOWN or TRYAGAIN once the client's retries ran out, a
 * connection closed, refused or timed out, any other error), and latency percentiles.
 *
 * The load is open loop, like real traffic: operations start on schedule whether or not earlier ones have
 * finished, so a dead master shows up as failures rather than as a client that slows down. Every write stores a
 * new, increasing sequence number, and the generator remembers each key's last acknowledged value, so after a
 * failover `verify` can count the acknowledged writes the cluster lost (asynchronous replication: a master
 * acknowledges a write before its replica has it; if the master dies then, the promoted replica never had it).
 *
 * Deterministic: its choices come from its own seeded Prng, it acts only at scheduled actions and at reply
 * arrivals (never on a real timer or a promise continuation), so the same seed and the same cluster give the
 * same traffic in SimHost and in the Web Worker host, and a replay of the scenario log repeats it.
 */
import { Prng } from '../../engine/random/prng.ts';
import type { HostConnection } from '../../hosts/network/fabric.ts';
import { ClusterClient, type ClusterDetour, type SendResult } from '../cluster/cluster-client.ts';

/** What the generator needs of a host: BaseHost (SimHost, LockstepHost) offers all of it. */
export interface LoadHost {
  readonly nowUs: number;
  at(atUs: number, action: () => void): void;
  connect(client: string, node: string): HostConnection;
  /**
   * `clientNowUs` is the time a client program acts at: the arrival it is reacting to, or the scheduled action
   * it runs in. A LockstepHost hands a window's replies to programs before its `nowUs` reaches their arrival
   * times, so latency is measured on this clock.
   */
  readonly fabric: { readonly clientNowUs: number };
}

export interface LoadSettings {
  /** Operations started per virtual second; 0 stops the load. */
  opsPerSec: number;
  /** Share of operations that are reads (GET), 0..1; the rest are writes (SET). */
  readRatio: number;
  /** Keys the load spreads over: `key:0` .. `key:<keys-1>`. */
  keys: number;
  /** Share of operations on one hot key (`key:0`), 0..1; the rest pick a key uniformly. */
  hotKeyShare: number;
}

export interface LoadBucket {
  startUs: number;
  endUs: number;
  /** Operations that succeeded in this bucket (reads + writes). */
  ok: number;
  reads: number;
  writes: number;
  /**
   * moved, ask: redirections the client followed (the operation may still succeed). The others: operations
   * that failed, by cause: clusterdown and tryagain once the retries ran out, connection (closed, refused or
   * no reply within the command timeout), other (any other error reply, or redirections exhausted).
   */
  errors: { moved: number; ask: number; clusterdown: number; tryagain: number; connection: number; other: number };
  /**
   * Replies and failures the client met and retried (the operation may still succeed): during a failover the
   * cluster answers CLUSTERDOWN for a second or so, which the retries usually hide from `errors`.
   */
  retried: { clusterdown: number; tryagain: number; connection: number };
  /** Operations not started because the node they were for already had `maxPendingPerNode` waiting. */
  shed: number;
  /** Operations started and not finished at the end of the bucket. */
  pending: number;
  /** Virtual time from an operation's start to its successful reply, retries included; null with no success. */
  latencyUs: { p50: number; p99: number; max: number } | null;
}

export interface LostWrite {
  key: string;
  /** The last acknowledged value (a write's sequence number). */
  expected: string;
  /** What the cluster has now (null: no such key). */
  got: string | null;
  /** When the acknowledgement arrived, and which node gave it. */
  ackAt: number;
  ackBy: string;
}

export interface VerifyResult {
  /** Keys read back. */
  checked: number;
  /** Keys whose value is older than their last acknowledged write, or gone. */
  lost: LostWrite[];
  /** Keys that could not be read (their slot has no reachable master: CLUSTERDOWN, a dead node, a timeout). */
  unreadable: string[];
}

export interface LoadGeneratorOptions {
  host: LoadHost;
  /** Nodes ("ip:port") the client asks for the slot map. */
  seeds: string[];
  /** Seeds the generator's Prng: which operations, on which keys. */
  seed: number;
  /** Length of a bucket (default 100 ms). */
  bucketUs?: number;
  /** The client program's name on the network (default "load"). */
  clientName?: string;
  /**
   * Operations start in batches every `tickUs` (default 10 ms), at the times the rate owes them: every
   * scheduled action ends a window of the Web Worker host, so one action per operation would cost thousands of
   * round trips to the workers per second. Must divide bucketUs.
   */
  tickUs?: number;
  /**
   * At most this many operations wait on one node (default 1000): a dead or stopped node otherwise collects
   * the rate times the retry budget (1.6 s), and past this the generator sheds load (counted in `shed`).
   */
  maxPendingPerNode?: number;
  /** The client's command timeout (default 1000 ms; see ClusterClientOptions.commandTimeoutMs). */
  commandTimeoutMs?: number;
}

interface BucketCounts {
  index: number;
  ok: number;
  reads: number;
  writes: number;
  errors: LoadBucket['errors'];
  retried: LoadBucket['retried'];
  shed: number;
  latencies: number[];
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export class LoadGenerator {
  private readonly host: LoadHost;
  private readonly client: ClusterClient;
  private readonly rng: Prng;
  private readonly bucketUs: number;
  private readonly tickUs: number;
  private readonly maxPendingPerNode: number;
  private settings: LoadSettings = { opsPerSec: 0, readRatio: 0.5, keys: 1000, hotKeyShare: 0 };
  private readonly listeners: ((b: LoadBucket) => void)[] = [];
  /** The bucket being counted, or null before the first operation. */
  private bucket: BucketCounts | null = null;
  /** A tick is scheduled; `generation` invalidates ticks scheduled before a stop. */
  private ticking = false;
  private generation = 0;
  private stopped = false;
  /** When operations were last owed up to, and the fraction of one still owed. */
  private owedSinceUs: number | null = null;
  private owedFraction = 0;
  private writeSeq = 0;
  private pending = 0;
  private readonly pendingByNode = new Map<string, number>();
  /** Each key's last acknowledged write: value, arrival time of the acknowledgement, node that gave it. */
  private readonly acked = new Map<number, { value: number; ackAt: number; ackBy: string }>();

  constructor(opts: LoadGeneratorOptions) {
    this.host = opts.host;
    this.rng = new Prng(opts.seed);
    this.bucketUs = opts.bucketUs ?? 100_000;
    this.tickUs = opts.tickUs ?? 10_000;
    if (this.bucketUs % this.tickUs !== 0) throw new Error('LoadGenerator: tickUs must divide bucketUs');
    this.maxPendingPerNode = opts.maxPendingPerNode ?? 1000;
    const name = opts.clientName ?? 'load';
    const host = opts.host;
    this.client = new ClusterClient({
      seeds: opts.seeds,
      open: (address) => host.connect(name, address),
      clock: { nowUs: () => this.now(), at: (t, fn) => host.at(t, fn) },
      commandTimeoutMs: opts.commandTimeoutMs ?? 1000,
    });
  }

  private now(): number {
    return Math.max(this.host.nowUs, this.host.fabric.clientNowUs);
  }

  /** Change the load (any time); opsPerSec 0 stops starting operations (those under way still finish). */
  configure(settings: LoadSettings): void {
    if (this.stopped) throw new Error('LoadGenerator: stopped');
    if (!(settings.opsPerSec >= 0) || !(settings.keys >= 1)) throw new Error('LoadGenerator: opsPerSec >= 0 and keys >= 1');
    const wasRunning = this.settings.opsPerSec > 0;
    this.owe();
    this.settings = { ...settings, keys: Math.floor(settings.keys) };
    if (settings.opsPerSec > 0 && !wasRunning) {
      this.owedSinceUs = this.now();
      this.owedFraction = 0;
      if (!this.client.ready) this.client.refreshSlotsNow();
      this.scheduleTick();
    }
  }

  /** Called with each bucket when it ends, while load runs or operations are under way. */
  onBucket(cb: (b: LoadBucket) => void): void {
    this.listeners.push(cb);
  }

  /** Stop for good, now: no more operations, ticks or buckets; the client's connections close. */
  stop(): void {
    this.stopped = true;
    this.settings = { ...this.settings, opsPerSec: 0 };
    this.generation++;
    this.ticking = false;
    this.client.close();
  }

  /** Operations started and not finished. */
  get inFlight(): number {
    return this.pending;
  }

  /**
   * Read back every key with an acknowledged write and report those whose value is older than the last
   * acknowledged one (or gone). A newer value is fine: a write that got no reply may still have been applied.
   * Keys that cannot be read (after the client's retries) are listed apart. Resolves when the last read has
   * ended (drive the host meanwhile); rejects only after stop().
   */
  verify(): Promise<VerifyResult> {
    const entries = [...this.acked.entries()].sort((a, b) => a[0] - b[0]).map(([k, a]) => ({ key: `key:${k}`, ...a }));
    return new Promise((resolve, reject) => {
      if (this.stopped) {
        reject(new Error('LoadGenerator: stopped'));
        return;
      }
      const lost: LostWrite[] = [];
      const unreadable: string[] = [];
      let left = entries.length;
      const byKey = (a: string, b: string) => Number(a.slice(4)) - Number(b.slice(4));
      const finish = () => {
        resolve({
          checked: entries.length - unreadable.length,
          lost: lost.sort((a, b) => byKey(a.key, b.key)),
          unreadable: unreadable.sort(byKey),
        });
      };
      if (left === 0) {
        finish();
        return;
      }
      const read = () => {
        for (const e of entries) {
          this.client.send(['GET', e.key], (r) => {
            if (r.reply?.type === 'bulk' || r.reply?.type === 'nil') {
              const got = r.reply.type === 'bulk' ? r.reply.value : null;
              if (got === null || Number(got) < e.value) lost.push({ key: e.key, expected: String(e.value), got, ackAt: e.ackAt, ackBy: e.ackBy });
            } else unreadable.push(e.key);
            if (--left === 0) finish();
          });
        }
      };
      if (this.client.ready) read();
      else this.client.refreshSlotsNow(read);
    });
  }

  // --- Scheduling ---------------------------------------------------------------------------------------------

  private scheduleTick(): void {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    const gen = this.generation;
    const next = (Math.floor(this.now() / this.tickUs) + 1) * this.tickUs;
    this.host.at(next, () => {
      if (gen !== this.generation) return;
      this.ticking = false;
      this.tick();
    });
  }

  private tick(): void {
    const now = this.now();
    this.rollTo(now);
    this.owe();
    // Keep ticking while there is load, work under way, or a bucket with counts that has not been handed out.
    const b = this.bucket;
    const unsent = b !== null && (now % this.bucketUs !== 0 || b.ok + b.shed + Object.values(b.errors).reduce((x, y) => x + y, 0) > 0);
    if (this.settings.opsPerSec > 0 || this.pending > 0 || unsent) this.scheduleTick();
    else this.bucket = null;
  }

  /** Start the operations the rate owes since the last time, all now. */
  private owe(): void {
    const now = this.now();
    if (this.owedSinceUs === null || this.stopped) return;
    const rate = this.settings.opsPerSec;
    if (rate <= 0 || !this.client.ready) {
      // No rate, or no slot map yet (ioredis queues until "ready"; here the owed operations are simply not owed).
      this.owedSinceUs = now;
      this.owedFraction = 0;
      if (rate > 0 && !this.client.ready) this.client.refreshSlotsNow();
      return;
    }
    const owed = this.owedFraction + ((now - this.owedSinceUs) * rate) / 1e6;
    const n = Math.floor(owed);
    this.owedFraction = owed - n;
    this.owedSinceUs = now;
    for (let i = 0; i < n; i++) this.startOperation(now);
  }

  // --- Operations ---------------------------------------------------------------------------------------------

  private startOperation(now: number): void {
    const s = this.settings;
    const isRead = this.rng.next() < s.readRatio;
    const k = this.rng.next() < s.hotKeyShare ? 0 : this.rng.int(s.keys);
    const key = `key:${k}`;
    const b = this.counts(now);
    const node = this.client.addressForKey(key);
    const waiting = this.pendingByNode.get(node) ?? 0;
    if (waiting >= this.maxPendingPerNode) {
      b.shed++;
      return;
    }
    this.pendingByNode.set(node, waiting + 1);
    this.pending++;
    const value = isRead ? 0 : ++this.writeSeq;
    const args = isRead ? ['GET', key] : ['SET', key, String(value)];
    this.client.send(
      args,
      (r) => this.finish(now, node, isRead, k, value, r),
      (kind) => this.detour(kind),
    );
  }

  private detour(kind: ClusterDetour): void {
    const b = this.counts(this.now());
    if (kind === 'moved') b.errors.moved++;
    else if (kind === 'ask') b.errors.ask++;
    else if (kind === 'closed') b.retried.connection++;
    else b.retried[kind]++;
  }

  private finish(startUs: number, node: string, isRead: boolean, k: number, value: number, r: SendResult): void {
    const now = this.now();
    this.pending--;
    const left = (this.pendingByNode.get(node) ?? 1) - 1;
    if (left === 0) this.pendingByNode.delete(node);
    else this.pendingByNode.set(node, left);
    if (this.stopped) return;
    const b = this.counts(now);
    const reply = r.reply;
    if (r.failure === null && reply !== null && reply.type !== 'error') {
      b.ok++;
      b.latencies.push(now - startUs);
      if (isRead) b.reads++;
      else {
        b.writes++;
        this.acked.set(k, { value, ackAt: now, ackBy: r.address });
      }
      return;
    }
    const code = reply?.type === 'error' ? reply.value.split(' ')[0] : null;
    if (r.failure !== null) b.errors.connection++;
    else if (code === 'CLUSTERDOWN') b.errors.clusterdown++;
    else if (code === 'TRYAGAIN') b.errors.tryagain++;
    else b.errors.other++;
  }

  // --- Buckets ------------------------------------------------------------------------------------------------

  /** The counts for the bucket holding `now`, handing out the ones that ended before it. */
  private counts(now: number): BucketCounts {
    this.rollTo(now);
    if (this.bucket === null) this.bucket = this.emptyCounts(Math.floor(now / this.bucketUs));
    return this.bucket;
  }

  private emptyCounts(index: number): BucketCounts {
    return {
      index, ok: 0, reads: 0, writes: 0,
      errors: { moved: 0, ask: 0, clusterdown: 0, tryagain: 0, connection: 0, other: 0 },
      retried: { clusterdown: 0, tryagain: 0, connection: 0 },
      shed: 0, latencies: [],
    };
  }

  private rollTo(now: number): void {
    const index = Math.floor(now / this.bucketUs);
    while (this.bucket !== null && this.bucket.index < index) {
      const b = this.bucket;
      this.bucket = this.emptyCounts(b.index + 1);
      this.emit(b);
    }
  }

  private emit(c: BucketCounts): void {
    const sorted = c.latencies.sort((a, b) => a - b);
    const bucket: LoadBucket = {
      startUs: c.index * this.bucketUs,
      endUs: (c.index + 1) * this.bucketUs,
      ok: c.ok,
      reads: c.reads,
      writes: c.writes,
      errors: c.errors,
      retried: c.retried,
      shed: c.shed,
      pending: this.pending,
      latencyUs: sorted.length === 0 ? null : { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] },
    };
    for (const cb of this.listeners) cb(bucket);
  }
}
