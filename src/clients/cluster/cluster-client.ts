/**
 * A cluster-aware client, as smart clients (ioredis, redis-py's RedisCluster) are: it keeps a slot cache (slot ->
 * node address), sends each command to the node its first key's slot maps to, and follows redirections:
 * MOVED updates the cache and retries there; ASK sends ASKING then the command to the other node once, without
 * touching the cache; TRYAGAIN and CLUSTERDOWN retry after a pause. It talks to nodes only through RESP
 * connections, like a real program.
 *
 * Two ways to drive it. `call` (promises over RespConnection) suits tests and tools that await each reply.
 * `send` (callbacks, see "Driven by a virtual clock" below) is for programs that live in a host beside the
 * nodes, such as the lab's load generator: it acts at the exact virtual time a reply arrives, so its traffic is
 * the same whichever host runs the nodes and however the host slices time (a promise's continuation would run
 * whenever the host yields, which differs between SimHost and the Web Worker host).
 */
import type { ByteString } from '../../engine/types/bytes.ts';
import { ReplyParser, type Reply } from '../../engine/resp/reply-parser.ts';
import { keyHashSlot, CLUSTER_SLOTS } from '../../engine/cluster/slots.ts';
import { getKeysFromCommandWithSpecs, lookupKeyCommand } from '../../engine/commands/key-specs.ts';
import type { ByteConnection, RespConnection } from '../protocol/resp-connection.ts';
import { encodeCommand, encodePipeline } from '../protocol/encode-command.ts';

/** A virtual clock a program schedules on: a host (SimHost, LockstepHost) offers both. */
export interface ClusterClock {
  /** The time the program acts at now (a host's `fabric.clientNowUs`: the delivery it reacts to, or the action). */
  nowUs(): number;
  /** Run `action` at virtual time `atUs`. */
  at(atUs: number, action: () => void): void;
}

export interface ClusterClientOptions {
  /** Opens a RESP connection to "ip:port" (for `call` and `refreshSlots`). */
  connect?(address: string): RespConnection;
  /** Waits (virtual or real time) before a retry (for `call`). */
  sleep?(ms: number): Promise<void>;
  /** Opens a byte connection to "ip:port" (for `send`). */
  open?(address: string): ByteConnection;
  /** The virtual clock retries and timeouts run on (for `send`). */
  clock?: ClusterClock;
  /** Nodes to ask for the slot map first. */
  seeds: string[];
  /** Redirections followed for one command before giving up (ioredis's maxRedirections is 16). */
  maxRedirections?: number;
  /**
   * `send` only: a command with no reply after this long fails as a timeout. ioredis has `commandTimeout` but
   * leaves it off by default, so a command to a stopped (SIGSTOP) node waits for as long as the TCP connection
   * lives; the lab sets 1 s so that a paused node shows up as errors instead of a client that hangs.
   */
  commandTimeoutMs?: number;
  /**
   * `send` only: the pause before retrying after TRYAGAIN, CLUSTERDOWN or a closed connection (ioredis's
   * retryDelayOnTryAgain, retryDelayOnClusterDown and retryDelayOnFailover all default to 100 ms).
   */
  retryDelayMs?: number;
  /**
   * `send` only: timers (retries, timeouts) are rounded up to this grid so that many commands share one
   * scheduled action: every action ends a window of the Web Worker host, so one per command would cost a
   * round trip to every worker. Default 10 ms.
   */
  timerGranularityUs?: number;
}

export interface ClusterClientStats {
  moved: number;
  ask: number;
  tryagain: number;
  clusterdown: number;
}

/** What `send` met on the way to a reply, reported as it happens (a load generator counts these). */
export type ClusterDetour = 'moved' | 'ask' | 'tryagain' | 'clusterdown' | 'closed';

/** How a command sent with `send` ended. */
export interface SendResult {
  /** The final reply (an error reply when the command failed with one), or null when none came. */
  reply: Reply | null;
  /** Why there is no reply: the connection closed or was refused, or commandTimeoutMs passed. */
  failure: 'closed' | 'timeout' | null;
  /** The redirections and retries ran out (maxRedirections); `reply` or `failure` says what the last one was. */
  exhausted: boolean;
  /** The node that gave the reply (or that the command last went to). */
  address: string;
}

/** One CLUSTER SLOTS range: slots `start`..`end` served by the master at `master`, with its replicas. */
interface SlotRange {
  start: number;
  end: number;
  master: string;
  replicas: string[];
}

/** The ranges of a CLUSTER SLOTS reply; an empty IP means "the address you asked". */
function parseClusterSlots(r: Reply, asked: string): SlotRange[] | null {
  if (r.type !== 'array') return null;
  const askedIp = asked.slice(0, asked.lastIndexOf(':'));
  const addressOf = (node: Reply): string | null => {
    if (node.type !== 'array') return null;
    const [ip, port] = node.value;
    if (ip?.type !== 'bulk' || port?.type !== 'integer') return null;
    return `${ip.value === '' ? askedIp : ip.value}:${port.value}`;
  };
  const out: SlotRange[] = [];
  for (const range of r.value) {
    if (range.type !== 'array') continue;
    const [start, end, master, ...replicas] = range.value;
    if (start?.type !== 'integer' || end?.type !== 'integer') continue;
    const m = addressOf(master);
    if (m === null) continue;
    out.push({ start: Number(start.value), end: Number(end.value), master: m, replicas: replicas.map(addressOf).filter((a) => a !== null) });
  }
  return out;
}

export class ClusterClient {
  private readonly slots: (string | null)[] = new Array(CLUSTER_SLOTS).fill(null);
  private readonly conns = new Map<string, RespConnection>();
  readonly stats: ClusterClientStats = { moved: 0, ask: 0, tryagain: 0, clusterdown: 0 };

  constructor(private readonly opts: ClusterClientOptions) {}

  private conn(address: string): RespConnection {
    let c = this.conns.get(address);
    if (!c || c.closed) {
      if (!this.opts.connect) throw new Error('ClusterClient: call() needs the connect option');
      c = this.opts.connect(address);
      this.conns.set(address, c);
    }
    return c;
  }

  /** Load the slot map from CLUSTER SLOTS of the first seed that answers. */
  async refreshSlots(): Promise<void> {
    for (const seed of this.opts.seeds) {
      const ranges = parseClusterSlots((await this.conn(seed).call(['CLUSTER', 'SLOTS'])).reply, seed);
      if (ranges === null) continue;
      for (const r of ranges) for (let s = r.start; s <= r.end; s++) this.slots[s] = r.master;
      return;
    }
  }

  /** The slot of the command's first key, or null for a command without keys. */
  private slotOf(args: readonly ByteString[]): number | null {
    const meta = lookupKeyCommand(args);
    const keys = meta ? getKeysFromCommandWithSpecs(meta, args) : [];
    return keys.length > 0 ? keyHashSlot(args[keys[0].pos]) : null;
  }

  /** Run a command where it belongs, following redirections. */
  async call(args: readonly ByteString[]): Promise<Reply> {
    const slot = this.slotOf(args);
    let target = (slot !== null ? this.slots[slot] : null) ?? this.opts.seeds[0];
    let asking = false;
    const max = this.opts.maxRedirections ?? 16;
    for (let attempt = 0; attempt <= max; attempt++) {
      const c = this.conn(target);
      const reply = asking ? (await c.pipeline([['ASKING'], args]))[1].reply : (await c.call(args)).reply;
      asking = false;
      if (reply.type !== 'error') return reply;
      const [code, slotText, address] = reply.value.split(' ');
      if (code === 'MOVED') {
        this.stats.moved++;
        this.slots[Number(slotText)] = address;
        target = address;
      } else if (code === 'ASK') {
        this.stats.ask++;
        target = address;
        asking = true;
      } else if (code === 'TRYAGAIN') {
        this.stats.tryagain++;
        await this.opts.sleep!(100);
      } else if (code === 'CLUSTERDOWN') {
        this.stats.clusterdown++;
        await this.opts.sleep!(100);
      } else return reply;
    }
    return { type: 'error', value: 'ERR too many cluster redirections' };
  }

  close(): void {
    for (const c of this.conns.values()) c.close();
    this.shut = true;
    for (const ch of this.channels.values()) ch.abandon();
    this.channels.clear();
    this.retries = [];
  }

  // --- Driven by a virtual clock ----------------------------------------------------------------------------
  //
  // ioredis's Cluster, as version 5 does it (lib/cluster/index.ts, handleError): every error but the first
  // takes one from the command's budget of maxRedirections; MOVED updates the slot, retries at once at the new
  // owner and refreshes the whole slot map in the background; ASK retries once at the other node after ASKING;
  // TRYAGAIN retries after 100 ms; CLUSTERDOWN and a closed connection ("Connection is closed.") retry after
  // 100 ms and refresh the slot map, the retry going wherever the map then says. Any other error reply, and a
  // command timeout, fails the command at once. The slot map comes from CLUSTER SLOTS of one known node,
  // one refresh at a time, each with a 1 s timeout (slotsRefreshTimeout); ioredis shuffles the nodes it asks,
  // this client walks them in turn (no randomness, so runs repeat).

  private readonly channels = new Map<string, ReplyChannel>();
  private retries: { dueUs: number; run: () => void }[] = [];
  private readonly wakeups = new Set<number>();
  private shut = false;
  private refreshing = false;
  private refreshCursor = 0;
  /** Every node the slot map has named (masters and replicas) and the seeds: who a refresh may ask. */
  private readonly known = new Set<string>();
  private slotsLoaded = false;

  /** The slot map has been loaded once (ioredis's "ready"). */
  get ready(): boolean {
    return this.slotsLoaded;
  }

  /** Where a command on `key` would go now (the cached owner of its slot, or the first seed). */
  addressForKey(key: ByteString): string {
    return this.slots[keyHashSlot(key)] ?? this.opts.seeds[0];
  }

  /** Commands sent on `address`'s connection and not answered yet (timed-out ones excluded). */
  pendingAt(address: string): number {
    return this.channels.get(address)?.pending ?? 0;
  }

  private clock(): ClusterClock {
    if (!this.opts.clock || !this.opts.open) throw new Error('ClusterClient: send() needs the clock and open options');
    return this.opts.clock;
  }

  private channel(address: string): ReplyChannel {
    let ch = this.channels.get(address);
    if (!ch || ch.closed) {
      ch = new ReplyChannel(this.opts.open!(address));
      this.channels.set(address, ch);
    }
    return ch;
  }

  /** Schedule a visit of the timers at `atUs`, rounded up to the grid so that many share one host action. */
  private wakeAt(atUs: number): void {
    const g = this.opts.timerGranularityUs ?? 10_000;
    const t = Math.ceil(atUs / g) * g;
    if (this.wakeups.has(t)) return;
    this.wakeups.add(t);
    this.clock().at(t, () => {
      this.wakeups.delete(t);
      if (!this.shut) this.runTimers();
    });
  }

  private runTimers(): void {
    const now = this.clock().nowUs();
    for (const ch of this.channels.values()) ch.expire(now);
    if (this.retries.length === 0) return;
    const due = this.retries.filter((r) => r.dueUs <= now);
    if (due.length === 0) return;
    this.retries = this.retries.filter((r) => r.dueUs > now);
    for (const r of due) r.run();
  }

  private later(delayUs: number, run: () => void): void {
    const dueUs = this.clock().nowUs() + delayUs;
    this.retries.push({ dueUs, run });
    this.wakeAt(dueUs);
  }

  /** One request on `address`'s connection, failing as a timeout after `timeoutMs`. */
  private request(address: string, commands: (readonly ByteString[])[], timeoutMs: number, done: (reply: Reply | null, failure: 'closed' | 'timeout' | null) => void): void {
    const deadlineUs = this.clock().nowUs() + timeoutMs * 1000;
    this.channel(address).request(commands, deadlineUs, done);
    this.wakeAt(deadlineUs);
  }

  /**
   * Reload the slot map from CLUSTER SLOTS, asking the known nodes in turn until one answers; `done` runs when
   * this refresh ends (or at once with false when one is already under way, as ioredis skips it).
   */
  refreshSlotsNow(done?: (ok: boolean) => void): void {
    if (this.shut || this.refreshing) {
      done?.(false);
      return;
    }
    this.refreshing = true;
    for (const s of this.opts.seeds) this.known.add(s);
    const nodes = [...this.known].sort();
    const first = this.refreshCursor++ % nodes.length;
    const ask = (i: number): void => {
      if (i === nodes.length || this.shut) {
        this.refreshing = false;
        done?.(false);
        return;
      }
      const address = nodes[(first + i) % nodes.length];
      this.request(address, [['CLUSTER', 'SLOTS']], 1000, (reply) => {
        const ranges = reply !== null ? parseClusterSlots(reply, address) : null;
        if (ranges === null || ranges.length === 0) {
          ask(i + 1);
          return;
        }
        this.slots.fill(null);
        for (const r of ranges) {
          for (let s = r.start; s <= r.end; s++) this.slots[s] = r.master;
          this.known.add(r.master);
          for (const a of r.replicas) this.known.add(a);
        }
        this.slotsLoaded = true;
        this.refreshing = false;
        done?.(true);
      });
    };
    ask(0);
  }

  /**
   * Run a command where it belongs, following redirections and retrying as ioredis does (see above); `done`
   * runs once, at the virtual time the command ends. `detour` hears each redirection or retry as it happens.
   */
  send(args: readonly ByteString[], done: (result: SendResult) => void, detour?: (kind: ClusterDetour, address: string) => void): void {
    this.clock();
    const slot = this.slotOf(args);
    const max = this.opts.maxRedirections ?? 16;
    const timeoutMs = this.opts.commandTimeoutMs ?? 1000;
    const retryUs = (this.opts.retryDelayMs ?? 100) * 1000;
    let ttl: number | null = null;
    const cached = (): string => (slot !== null ? this.slots[slot] : null) ?? this.opts.seeds[0];
    const attempt = (target: string, asking: boolean): void => {
      if (this.shut) return;
      const commands = asking ? [['ASKING'], args] : [args];
      this.request(target, commands, timeoutMs, (reply, failure) => {
        if (failure === 'timeout') {
          done({ reply: null, failure, exhausted: false, address: target });
          return;
        }
        if (failure === null && reply !== null && reply.type !== 'error') {
          done({ reply, failure: null, exhausted: false, address: target });
          return;
        }
        // Every error after the first spends one of the command's redirections (ioredis's ttl).
        ttl = ttl === null ? max : ttl - 1;
        if (ttl <= 0) {
          done({ reply, failure, exhausted: true, address: target });
          return;
        }
        if (failure === 'closed') {
          detour?.('closed', target);
          this.later(retryUs, () => {
            this.refreshSlotsNow();
            attempt(cached(), false);
          });
          return;
        }
        const [code, slotText, address] = (reply as { value: string }).value.split(' ');
        if (code === 'MOVED') {
          this.stats.moved++;
          detour?.('moved', target);
          this.slots[Number(slotText)] = address;
          this.known.add(address);
          attempt(address, false);
          this.refreshSlotsNow();
        } else if (code === 'ASK') {
          this.stats.ask++;
          detour?.('ask', target);
          attempt(address, true);
        } else if (code === 'TRYAGAIN') {
          this.stats.tryagain++;
          detour?.('tryagain', target);
          this.later(retryUs, () => attempt(cached(), false));
        } else if (code === 'CLUSTERDOWN') {
          this.stats.clusterdown++;
          detour?.('clusterdown', target);
          this.later(retryUs, () => {
            this.refreshSlotsNow();
            attempt(cached(), false);
          });
        } else done({ reply, failure: null, exhausted: false, address: target });
      });
    };
    attempt(cached(), false);
  }
}

/**
 * One connection's requests, answered in order: each waits for its replies (two for ASKING + command, the last
 * one counting). A request that timed out keeps its place, so the reply that comes late is matched to it and
 * dropped instead of being taken for the next one's.
 */
class ReplyChannel {
  private readonly parser = new ReplyParser();
  private queue: { remaining: number; deadlineUs: number; done: ((reply: Reply | null, failure: 'closed' | 'timeout' | null) => void) | null }[] = [];
  private head = 0;
  private live = 0;
  closed = false;

  constructor(private readonly conn: ByteConnection) {
    conn.onData((bytes) => {
      this.parser.feed(bytes);
      for (let r = this.parser.next(); r !== null; r = this.parser.next()) {
        const w = this.queue[this.head];
        if (w === undefined) continue;
        if (--w.remaining > 0) continue;
        this.shift();
        if (w.done !== null) {
          this.live--;
          w.done(r.reply, null);
        }
      }
    });
    conn.onClose(() => this.fail());
  }

  /** Requests waiting for a reply that has not timed out. */
  get pending(): number {
    return this.live;
  }

  request(commands: (readonly ByteString[])[], deadlineUs: number, done: (reply: Reply | null, failure: 'closed' | 'timeout' | null) => void): void {
    if (this.closed) {
      done(null, 'closed');
      return;
    }
    this.queue.push({ remaining: commands.length, deadlineUs, done });
    this.live++;
    this.conn.send(commands.length === 1 ? encodeCommand(commands[0]) : encodePipeline(commands));
  }

  /** Fail the requests whose deadline has passed (their replies, if they come, are dropped). */
  expire(nowUs: number): void {
    for (let i = this.head; i < this.queue.length; i++) {
      const w = this.queue[i];
      if (w.done === null || w.deadlineUs > nowUs) continue;
      const done = w.done;
      w.done = null;
      this.live--;
      done(null, 'timeout');
    }
  }

  /** Forget every request without telling anyone (the client is shutting down). */
  abandon(): void {
    this.closed = true;
    this.queue = [];
    this.head = 0;
    this.live = 0;
    this.conn.close();
  }

  private shift(): void {
    this.head++;
    if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private fail(): void {
    if (this.closed) return;
    this.closed = true;
    const waiting = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    this.live = 0;
    for (const w of waiting) w.done?.(null, 'closed');
  }
}
