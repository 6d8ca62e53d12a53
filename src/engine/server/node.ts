/**
 * A Redis node: the whole server as a pure state machine, driven by its host through `advance`.
 *
 * The host delivers connection events stamped with their arrival times and asks the node to run up to a
 * virtual time; the node runs its ae event loop (accept, read, parse, execute, reply in beforeSleep, serverCron
 * on its timer), spending virtual CPU time as it works, and hands back the bytes it wrote, the events it
 * observed and when it next needs to run. It never reads a clock or a random source of its own.
 */
import type { TimeUs } from '../types/time.ts';
import type { Delivery, Emission } from '../net/wire.ts';
import { LISTEN_FD, SocketTable } from '../net/sockets.ts';
import { EventLoop, type IterationStats } from '../loop/event-loop.ts';
import { COST_NS, FD_SETSIZE, type Multiplexer } from '../loop/cost-model.ts';
import { ServerConfig, type ConfigValues } from '../config/config.ts';
import { Database } from '../keyspace/database.ts';
import { Prng } from '../random/prng.ts';
import { Client, type BlockedState } from './client.ts';
import type { CloseReason, Server } from './server.ts';
import type { EngineEvent } from './events.ts';
import { processCommand } from './process-command.ts';
import { unwatchAllKeys } from '../commands/transactions.ts';
import { publishMessage, unsubscribeAll } from '../commands/pubsub.ts';
import { PubSubRegistry } from './pubsub-registry.ts';
import { monitorLine } from '../commands/client-admin.ts';
import { ClusterState } from '../cluster/cluster-state.ts';
import { ClusterBus } from '../cluster/cluster-bus.ts';
import { BUS_FD } from '../net/sockets.ts';
import { nodesConfText } from '../cluster/describe.ts';
import { loadClusterConfig } from '../cluster/nodes-conf.ts';
import { parseBool } from '../config/config.ts';
import { byteStringToUtf8 } from '../types/bytes.ts';
import { MemoryAccounting } from '../memory/used-memory.ts';
import { ServerStats } from './stats.ts';
import { OutboundConnections } from './outbound.ts';
import { SlowLog } from './slowlog.ts';
import { LatencyMonitor } from './latency-monitor.ts';
import { activeExpireCycle, newActiveExpireState, type ActiveExpireState } from '../keyspace/active-expire.ts';
import { LfuTracker } from '../memory/lfu.ts';
import { Evictor, type MaxmemoryPolicy } from '../memory/eviction.ts';
import { Replication } from '../replication/replication.ts';
import { propagatedCommands } from '../replication/propagate.ts';
import { rdbLoadOptions, rdbSaveOptions } from '../commands/dump-restore.ts';
import { Persistence } from '../persistence/persistence.ts';
import { lookupCommand } from '../commands/table.ts';
import { Scripting, type ScriptingNode } from '../scripting/scripting.ts';
import { ViewDigestTracker, viewDigest, type ViewDigest } from './view-digest.ts';

/** acceptTcpHandler takes at most this many connections per readable event (MAX_ACCEPTS_PER_CALL). */
const MAX_ACCEPTS_PER_CALL = 1000;

export interface NodeOptions {
  /** The address clients use, "ip:port"; also the node's name in hosts and events. */
  address: string;
  /** redis.conf parameters (names as in redis.conf, values as strings). */
  config?: ConfigValues;
  /** Seed for the node's own random choices (run ids, node ids, election delays). */
  seed: number | string;
  /** Virtual time at which the process starts. */
  startUs: TimeUs;
  /** The wall clock: unix milliseconds at virtual time 0. The node's `nowMs()` is this plus virtual time. */
  epochMs: number;
  /** Emit one event per executed command (the terminal's node wants them; a 1000-node run does not). */
  observeCommands?: boolean;
  /** Emit an event per bus message and cluster change (the UI's gossip view wants them). */
  observeCluster?: boolean;
  /** Emit a `loop` event per event-loop iteration (the loop inspector wants them; a 100-node run does not). */
  observeLoop?: boolean;
  /**
   * Return the node's view digest with an advance result when it changed (the lab's screen draws from these).
   * See ViewDigestTracker for when a change is sent.
   */
  observeViews?: boolean;
  /** The host keeps nodes.conf (TcpHost writes it to a file): emit its text whenever Redis would save it. */
  persistClusterConfig?: boolean;
  /** nodes.conf as the host found it at startup (a restart): the node resumes that view and identity. */
  clusterConfig?: string;
  /** The files the process finds in its directory at startup (dump.rdb, appendonlydir/...), by relative name. */
  files?: ReadonlyMap<string, Uint8Array>;
  /** What INFO reports about the process: the host's pid, executable and config file (sim hosts make them up). */
  processInfo?: ProcessFacts;
  /**
   * The multiplexer Redis was built with (epoll on Linux). Not a redis.conf setting: a lab option, for the lesson
   * that compares them. With select, descriptors from 1024 up cannot be watched.
   */
  multiplexer?: Multiplexer;
}

export interface ProcessFacts {
  pid: number;
  executable: string;
  configFile: string;
}

export interface AdvanceResult {
  outbox: Emission[];
  events: EngineEvent[];
  /** When the node next has work, given what it has been delivered; null = idle until input arrives. */
  nextEventUs: TimeUs | null;
  /** The node's clock; may be past `untilUs` while it is busy with a long command. */
  nowUs: TimeUs;
  /** SHUTDOWN ran: the process exits (its host tears it down; what it saved stays on disk). */
  exited?: boolean;
  /** With observeViews: the node's view digest, when it changed since the one last returned. */
  digest?: ViewDigest;
}

export interface NodeSnapshot {
  address: string;
  runId: string;
  nowUs: TimeUs;
  iteration: number;
  clients: { id: number; peer: string; fd: number; db: number; name: string; lastCommand: string }[];
  keys: number[];
  stats: NodeStats;
}

export interface NodeStats {
  totalConnectionsReceived: number;
  totalCommandsProcessed: number;
  rejectedConnections: number;
  cronLoops: number;
}

/** The error a protected-mode server writes to a client from outside the loopback interface, then closes. */
const PROTECTED_MODE_DENIED =
  '-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. ' +
  'In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to ' +
  "Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET " +
  "protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however " +
  'MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. ' +
  "2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected " +
  "mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it " +
  "with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to " +
  'do one of the above things in order for the server to start accepting connections from the outside.\r\n';

/** islocalClient: a peer "ip:port" on 127.0.0.1 or ::1. */
function isLoopbackPeer(peer: string): boolean {
  const ip = peer.slice(0, peer.lastIndexOf(':'));
  return ip === '127.0.0.1' || ip === '::1';
}

export class RedisNode implements Server {
  readonly address: string;
  readonly config: ServerConfig;
  readonly dbs: Database[];
  readonly runId: string;
  readonly rng: Prng;
  readonly pubsub = new PubSubRegistry();
  readonly memory: MemoryAccounting;
  readonly lfu: LfuTracker;
  private readonly evictor = new Evictor();
  private readonly expireRng: Prng;
  readonly processInfo: ProcessFacts;
  /** Cluster mode: this member's view (null when cluster-enabled is no). */
  readonly cluster: ClusterState | null;
  /** Cluster mode: the bus protocol over `cluster`. */
  readonly bus: ClusterBus | null;
  /** clusterDoBeforeSleep flags: update the state, save nodes.conf. */
  private clusterTodo = { updateState: false, saveConfig: false, handleFailover: false };
  /** The active expire cycle's estimates (INFO avg_ttl, expired_stale_perc). */
  readonly expireState: ActiveExpireState;
  /** Replication, both sides: ids and offsets, attached replicas, the link to our master. */
  readonly repl: Replication;
  /** RDB snapshots and the AOF on the host's storage. */
  readonly persistence: Persistence;
  /** MULTI/EXEC wrapping of the replication stream: inside EXEC, and whether MULTI went out yet. */
  private execDepth = 0;
  private execPropagated = false;
  readonly stats = new ServerStats();
  readonly slowlog = new SlowLog();
  readonly outbound: OutboundConnections;
  readonly latency = new LatencyMonitor();

  private readonly sockets = new SocketTable();
  private readonly loop: EventLoop;
  private readonly clients = new Map<number, Client>();
  private readonly pendingWrites = new Set<Client>();
  /** CLIENT PAUSE in force, and the clients whose command waits for it to end. */
  private pause: { untilMs: number; mode: 'all' | 'write' } | null = null;
  private postponed: Client[] = [];
  /** Clients in MONITOR mode. */
  private readonly monitors = new Set<Client>();
  /** Clients blocked per "db NUL key", in arrival order; keys that got data during the current command. */
  private readonly blockedOnKey = new Map<string, Client[]>();
  private readonly readyKeys = new Set<string>();
  private readonly epochMs: number;
  private readonly startUs: TimeUs;
  private readonly observeCommands: boolean;
  private readonly observeCluster: boolean;
  private readonly persistClusterConfig: boolean;
  private outbox: Emission[] = [];
  private events: EngineEvent[] = [];
  /**
   * Client ids: a fresh Redis 7.0 has already given ids 1 and 2 to its internal Lua clients (scripts and
   * functions), so the first connection gets id 3, as HELLO and CLIENT ID show.
   */
  private nextClientId = 3;
  private dirty = 0;
  /** EVAL scripts, function libraries and the running script. */
  readonly scripting: Scripting;
  /** The effects of the running script, held to be wrapped in MULTI/EXEC when there are several. */
  private scriptEffects: { db: number; argv: readonly string[] }[] | null = null;
  /** Counts blocking waits started, so a finished wait knows whether another one replaced it. */
  private syncWaits = 0;
  private commandsThisIteration = 0;
  /** When securityWarningCommand last logged, in unix seconds (a static time_t that starts at 0 in Redis). */
  private securityWarningLoggedS = 0;
  /** With observeViews: decides when a view digest goes back with an advance result. */
  private readonly views: ViewDigestTracker | null;

  constructor(opts: NodeOptions) {
    this.address = opts.address;
    this.config = new ServerConfig(opts.config);
    this.rng = new Prng(opts.seed);
    this.runId = this.rng.hex(40);
    this.repl = new Replication(this.replicationHost(), this.rng.hex(40));
    this.expireState = newActiveExpireState(this.config.databases);
    this.expireRng = this.rng.fork('active-expire');
    this.processInfo = opts.processInfo ?? { pid: 1000 + this.rng.int(30000), executable: '', configFile: '' };
    this.epochMs = opts.epochMs;
    this.startUs = opts.startUs;
    this.observeCommands = opts.observeCommands ?? false;
    this.observeCluster = opts.observeCluster ?? false;
    this.persistClusterConfig = opts.persistClusterConfig ?? false;
    this.views = opts.observeViews ? new ViewDigestTracker(this) : null;
    this.dbs = Array.from({ length: this.config.databases }, (_, i) => new Database(i));
    this.scripting = new Scripting(this.scriptingNode());
    for (const db of this.dbs) {
      db.lookupStats = this.stats.lookups;
      db.onExpired = (d, key) => this.propagateDeletion(d.id, key);
    }
    this.cluster = this.config.clusterEnabled ? this.createClusterState() : null;
    if (this.cluster && opts.clusterConfig) {
      const error = loadClusterConfig(this.cluster, opts.clusterConfig);
      if (error !== null) throw new Error(error);
      // The port may have changed since the file was written: myself takes the configured ports.
      this.cluster.myself.port = this.config.port;
      this.cluster.myself.cport = Number(this.config.get('cluster-port')) || this.config.port + 10000;
    }
    this.bus = this.cluster ? this.createBus(this.cluster) : null;
    if (this.cluster) {
      for (const db of this.dbs) db.enableSlotIndex();
      // clusterInit: a node without a config file writes one at once.
      this.clusterTodo.saveConfig = true;
    }
    this.memory = new MemoryAccounting(this.dbs, () => this.config.clusterEnabled, () => Number(this.config.get('list-max-listpack-size')));
    this.lfu = new LfuTracker(this.rng.fork('lfu'), 10, 1);
    this.config.onChange = (name) => this.configChanged(name);
    this.configChanged('maxmemory');
    this.loop = new EventLoop(opts.startUs, this.sockets, {
      beforeSleep: () => this.beforeSleep(),
      beforeSleepWhileBlocked: () => this.writePendingReplies(),
      onReadable: (fd) => (fd === LISTEN_FD ? this.acceptHandler() : fd === BUS_FD ? this.readBus() : this.repl.ownsLink(fd) ? this.readMasterLink(fd) : this.readQueryFromClient(fd)),
      onIteration: opts.observeLoop ? (s) => this.onIteration(s) : undefined,
    }, opts.multiplexer ?? 'epoll');
    this.outbound = new OutboundConnections(this.address, this.sockets, (e) => this.outbox.push(e), () => this.loop.nowUs);
    this.persistence = new Persistence(this.persistenceHost());
    const loadError = this.persistence.load(opts.files ?? new Map());
    if (loadError !== null) throw new Error(loadError);
    // Loading replays writes: they are not changes since the last save.
    this.dirty = 0;
    // serverCron first runs 1 ms after start, then every 1000/hz ms (server.c initServer).
    this.loop.createTimeEvent(1, 'serverCron', () => this.serverCron());
  }

  /**
   * Deliver inputs and run the event loop up to `untilUs` (a beforeSleep up to `horizonUs`: see EventLoop).
   */
  advance(untilUs: TimeUs, inbox: readonly Delivery[], horizonUs: TimeUs = untilUs): AdvanceResult {
    for (const d of inbox) {
      if (d.kind === 'resume') this.loop.jumpTo(d.at);
      else if (d.kind === 'clock') this.wallStepMs += d.stepMs;
      else this.sockets.deliver(d);
    }
    this.loop.run(untilUs, horizonUs);
    const out: AdvanceResult = {
      outbox: this.outbox,
      events: this.events,
      nextEventUs: this.loop.nextEventUs(),
      nowUs: this.loop.nowUs,
    };
    if (this.loop.stopped) out.exited = true;
    if (this.views !== null) {
      const digest = this.views.poll();
      if (digest !== null) out.digest = digest;
    }
    this.outbox = [];
    this.events = [];
    return out;
  }

  snapshot(): NodeSnapshot {
    return {
      address: this.address,
      runId: this.runId,
      nowUs: this.loop.nowUs,
      iteration: this.loop.iteration,
      clients: [...this.clients.values()].map((c) => ({
        id: c.id,
        peer: c.peer,
        fd: c.fd,
        db: c.db.id,
        name: c.name,
        lastCommand: c.lastCommand,
      })),
      keys: this.dbs.map((d) => d.size),
      stats: {
        totalConnectionsReceived: this.stats.totalConnectionsReceived,
        totalCommandsProcessed: this.stats.totalCommandsProcessed,
        rejectedConnections: this.stats.rejectedConnections,
        cronLoops: this.stats.cronLoops,
      },
    };
  }

  /** The node's view digest now (the session asks for one on demand; see ViewDigest). */
  digest(): ViewDigest {
    return viewDigest(this);
  }

  /**
   * Keys per hash slot in db 0 (what CLUSTER COUNTKEYSINSLOT would answer for each), for the screen's heatmap.
   * Reads only: no command runs, so no statistic moves and the node's history is the same with or without it.
   */
  slotKeyCounts(): Uint32Array {
    const counts = new Uint32Array(16384);
    if (this.cluster === null) return counts;
    for (let slot = 0; slot < counts.length; slot++) counts[slot] = this.dbs[0].countKeysInSlot(slot);
    return counts;
  }

  /** Up to `count` keys of a slot in db 0 (as CLUSTER GETKEYSINSLOT lists them), reading only. */
  sampleKeysInSlot(slot: number, count: number): string[] {
    if (this.cluster === null || slot < 0 || slot > 16383) return [];
    return this.dbs[0].keysInSlot(slot, count).map(byteStringToUtf8);
  }

  /** Event-loop iterations so far (INFO has no such line; the loop inspector and the digest show it). */
  get loopIterations(): number {
    return this.loop.iteration;
  }

  /** connected_clients. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Something the view digest shows may have changed (cluster view, role). */
  private viewChanged(): void {
    if (this.views !== null) this.views.dirty = true;
  }

  private persistenceHost(): import('../persistence/persistence.ts').PersistenceHost {
    const node = this;
    let loader: Client | null = null;
    return {
      get dbs() {
        return node.dbs;
      },
      config: (name) => this.config.get(name) ?? '',
      nowMs: () => this.nowMs(),
      spend: (ns) => this.loop.spend(ns),
      file: (op) => this.outbox.push({ kind: 'file', at: this.loop.nowUs, file: op }),
      saveOptions: () => rdbSaveOptions(this),
      loadOptions: () => rdbLoadOptions(this),
      usedMemory: () => this.memory.usedMemory(),
      dirty: () => this.dirty,
      replInfo: () => ({ replId: this.repl.replId, offset: this.repl.masterReplOffset }),
      log: (level, text) => this.events.push({ type: 'log', at: this.loop.nowUs, level, text }),
      functionCodes: () => this.scripting.functions.codes(),
      loadFunctions: (codes) => this.scripting.functions.loadCodes(codes),
      replay: (argv) => {
        // The AOF loading client (CLIENT_ID_AOF): runs each command's implementation, replies dropped.
        loader ??= new Client({ id: -1, fd: -1, conn: 'aof', peer: '', now: 0, db: this.dbs[0], protoMaxBulkLen: Number.MAX_SAFE_INTEGER, authenticated: true });
        const found = lookupCommand(argv);
        if (found.kind !== 'command') return;
        loader.argv = argv;
        loader.cmd = found.spec;
        found.spec.handler(loader, this);
        loader.reply.take();
      },
    };
  }

  /** What scripting needs from the node (scripts' client, suspension in the loop, effects). */
  private scriptingNode(): ScriptingNode {
    return {
      server: this,
      newScriptClient: () =>
        new Client({ id: -2, fd: -1, conn: 'lua', peer: '', now: 0, db: this.dbs[0], protoMaxBulkLen: Number.MAX_SAFE_INTEGER, authenticated: true }),
      suspend: (c, step, wantsEvents) => {
        // protectClient: the caller's further input waits; the rest of its command runs when the script ends.
        c.suspended = [];
        c.inSyncIo = true;
        this.loop.startLongCommand({
          wantsEvents,
          step: () => {
            const r = step();
            if (r === 'done') this.resumeSuspended(c);
            return r;
          },
        });
      },
      sliceEndUs: () => this.loop.sliceEndUs,
      log: (level, text) => this.events.push({ type: 'log', at: this.loop.nowUs, level, text }),
      beginScriptEffects: () => {
        this.scriptEffects = [];
      },
      endScriptEffects: (replFlags) => {
        const effects = this.scriptEffects ?? [];
        this.scriptEffects = null;
        if (effects.length === 0 || replFlags === 0) return;
        // Several effects travel as one transaction (unless already inside the caller's MULTI/EXEC).
        const wrap = effects.length > 1 && this.execDepth === 0;
        const out = (db: number, argv: readonly string[]): void => {
          if ((replFlags & 1) !== 0) this.persistence.feed(db, argv);
          if ((replFlags & 2) !== 0) this.repl.feed(db, argv);
        };
        if (this.execDepth > 0 && !this.execPropagated) {
          this.execPropagated = true;
          out(effects[0].db, ['MULTI']);
        }
        if (wrap) out(effects[0].db, ['MULTI']);
        for (const e of effects) out(e.db, e.argv);
        if (wrap) out(effects[effects.length - 1].db, ['EXEC']);
      },
    };
  }

  /** A suspended command's remaining steps, then the client's next commands. */
  private resumeSuspended(c: Client): void {
    const tails = c.suspended ?? [];
    c.suspended = null;
    c.inSyncIo = false;
    for (const t of tails) t();
    if (c.closed) return;
    this.pendingWrites.add(c);
    this.processInputBuffer(c);
  }

  /** What depends on configuration parameters, re-derived when one changes. */
  private configChanged(name: string): void {
    if (name === 'appendonly' && this.persistence) this.persistence.setAppendonly(this.config.get('appendonly') === 'yes');
    if (name === 'maxmemory' || name === 'maxmemory-policy' || name === 'lfu-log-factor' || name === 'lfu-decay-time') {
      this.memory.setTracking(this.config.maxmemory > 0);
      this.lfu.logFactor = Number(this.config.get('lfu-log-factor'));
      this.lfu.decayTime = Number(this.config.get('lfu-decay-time'));
      const lfu = this.config.maxmemoryPolicy.endsWith('lfu') ? this.lfu : null;
      for (const db of this.dbs) db.lfu = lfu;
    }
  }

  // --- Replication ------------------------------------------------------------------------------------------

  get replId(): string {
    return this.repl.replId;
  }

  /** The node's side of replication: sockets, clients, snapshots, logs. */
  private replicationHost(): import('../replication/replication.ts').ReplicationHost {
    // Created before the databases and configuration exist: everything is read when used.
    const node = this;
    return {
      get config() {
        return node.config;
      },
      get dbs() {
        return node.dbs;
      },
      get rng() {
        return node.rng;
      },
      get port() {
        return node.config.port;
      },
      nowMs: () => this.nowMs(),
      spend: (ns) => this.loop.spend(ns),
      connect: (to) => {
        const conn = `${this.address}>master#${++this.masterLinks}`;
        const fd = this.sockets.connect(conn, to);
        this.outbox.push({ kind: 'connect', at: this.loop.nowUs, conn, to });
        return { fd, conn };
      },
      write: (conn, bytes) => {
        this.stats.netReplOutputBytes += bytes.length;
        this.outbox.push({ kind: 'data', at: this.loop.nowUs, conn, bytes });
      },
      closeLink: (fd, conn) => {
        this.sockets.close(fd);
        this.outbox.push({ kind: 'close', at: this.loop.nowUs, conn });
      },
      createMasterClient: (fd, conn, peer, db) => {
        const c = new Client({
          id: this.nextClientId++, fd, conn, peer, now: this.loop.nowUs, db: this.dbs[db] ?? this.dbs[0],
          protoMaxBulkLen: this.config.protoMaxBulkLen, authenticated: true,
        });
        c.isMaster = true;
        // The master's commands never block the replica (a BLPOP arrives only once it could be served).
        c.denyBlocking = true;
        c.reply.onError = (message) => this.stats.error(message);
        this.clients.set(fd, c);
        return c;
      },
      freeClient: (c) => this.freeClient(c, 'killed'),
      writeToClient: (c, bytes) => {
        if (c.closed) return;
        c.reply.raw(bytes);
        this.pendingWrites.add(c);
      },
      saveOptions: () => rdbSaveOptions(this),
      loadOptions: () => rdbLoadOptions(this),
      usedMemory: () => this.memory.usedMemory(),
      emptyData: () => {
        for (const db of this.dbs) db.clear();
      },
      log: (level, text) => this.events.push({ type: 'log', at: this.loop.nowUs, level, text }),
      roleChanged: () => {
        this.viewChanged();
        this.replicationRoleChanged();
      },
      disconnectBlockedClients: () => {
        for (const c of this.clients.values()) {
          if (c.blocked && c.blocked.keys.length > 0) {
            c.reply.error('UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)');
            this.unblock(c);
            this.pendingWrites.add(c);
          }
        }
      },
      diverged: (replId, keptUpTo, replicaHad, replica) => this.events.push({ type: 'repl-diverged', at: this.loop.nowUs, replId, keptUpTo, replicaHad, replica }),
      discarded: (replId, upTo, writes) => this.events.push({ type: 'repl-discarded', at: this.loop.nowUs, replId, upTo, writes }),
      acked: (replica, offset, masterOffset) => this.events.push({ type: 'repl-ack', at: this.loop.nowUs, replica, offset, lagBytes: Math.max(0, masterOffset - offset) }),
      functionCodes: () => this.scripting.functions.codes(),
      loadFunctions: (codes) => this.scripting.functions.loadCodes(codes),
      unblockWaiting: (c) => {
        this.pendingWrites.add(c);
        this.processInputBuffer(c);
      },
    };
  }

  private masterLinks = 0;

  /** The role or the master link changed: expiry rules, cluster flags, an event for the UI. */
  private replicationRoleChanged(): void {
    const replica = this.repl.isReplica;
    for (const db of this.dbs) db.expireMode = this.expireModeNow();
    this.events.push({
      type: 'role', at: this.loop.nowUs, role: replica ? 'slave' : 'master',
      master: replica ? `${this.repl.masterHost}:${this.repl.masterPort}` : null, link: this.repl.state,
    });
  }

  /** Input on the master link before it carries the stream: the handshake's replies and the snapshot. */
  private readMasterLink(fd: number): void {
    this.loop.spend(COST_NS.readSyscall);
    // Everything that has arrived: a snapshot is read in one go here (Redis reads it in 16 KiB steps).
    const parts: Uint8Array[] = [];
    let eof = false;
    for (;;) {
      const r = this.sockets.read(fd, this.loop.pollWakeUs, Number.MAX_SAFE_INTEGER);
      if (r === null) break;
      if ('eof' in r) {
        eof = true;
        break;
      }
      parts.push(r.bytes);
      this.stats.netReplInputBytes += r.bytes.length;
    }
    for (const p of parts) this.repl.linkReadable(p);
    if (eof && this.repl.ownsLink(fd)) this.repl.linkReadable(null);
    const m = this.repl.master;
    if (m !== null && m.fd === fd) this.processInputBuffer(m);
  }

  /**
   * propagate(): a write went through; replicas (and later the AOF) get it. Inside EXEC the commands are wrapped
   * in MULTI ... EXEC, as Redis 7.0 does once a transaction propagates more than nothing.
   */
  propagateCommand(c: Client, name: string, argv: readonly string[]): void {
    // A replica's own replicas get its master's stream proxied; its AOF gets what it applies.
    if (this.repl.isReplica && !this.persistence.aofEnabled) return;
    const commands = propagatedCommands(c, name, argv);
    if (commands.length === 0) return;
    if (this.scriptEffects !== null) {
      for (const cmd of commands) this.scriptEffects.push({ db: c.db.id, argv: cmd });
      return;
    }
    if (this.execDepth > 0 && !this.execPropagated) {
      this.execPropagated = true;
      this.propagateOut(c.db.id, ['MULTI']);
    }
    for (const cmd of commands) this.propagateOut(c.db.id, cmd);
  }

  /** To the AOF and, on a master, to replicas. */
  private propagateOut(db: number, argv: readonly string[]): void {
    this.persistence.feed(db, argv);
    this.repl.feed(db, argv);
  }

  /** A key expired or was evicted on a master: replicas delete it too (propagateDeletion). */
  private propagateDeletion(db: number, key: string): void {
    if (this.repl.isReplica) return;
    this.propagateOut(db, ['DEL', key]);
  }

  execBegin(): void {
    this.execDepth++;
  }

  execEnd(c: Client): void {
    this.execDepth--;
    if (this.execDepth === 0 && this.execPropagated) {
      this.execPropagated = false;
      this.propagateOut(c.db.id, ['EXEC']);
    }
  }

  // --- Server interface, for command handlers ---------------------------------------------------------------

  performEvictions(): 'ok' | 'fail' {
    // replica-ignore-maxmemory (yes by default): a replica's data is its master's business.
    if (this.repl.isReplica && this.config.get('replica-ignore-maxmemory') === 'yes') return 'ok';
    // While clients are paused the data set stays still: no eviction (isEvictionProcAllowed).
    if (this.pause !== null) return 'ok';
    return this.evictor.performEvictions({
      dbs: this.dbs,
      rng: this.rng,
      memory: this.memory,
      maxmemory: this.config.maxmemory,
      policy: this.config.maxmemoryPolicy as MaxmemoryPolicy,
      samples: Number(this.config.get('maxmemory-samples')),
      nowMs: this.nowMs(),
      lfu: this.lfu,
      evict: (db, key) => {
        db.delete(key);
        this.events.push({ type: 'key-evicted', at: this.loop.nowUs, db: db.id, key });
        this.propagateDeletion(db.id, key);
      },
    });
  }

  /** clusterInit: a new member that knows only itself, with a node id from the node's random source. */
  private createClusterState(): ClusterState {
    const port = this.config.port;
    const busPort = Number(this.config.get('cluster-port')) || port + 10000;
    return new ClusterState(this.rng.fork('cluster'), '', port, busPort, this.startedAtMs());
  }

  private createBus(cluster: ClusterState): ClusterBus {
    return new ClusterBus(cluster, this.rng.fork('cluster-bus'), {
      nowMs: () => this.nowMs(),
      nodeTimeoutMs: () => this.config.num('cluster-node-timeout'),
      send: (to, msg) => {
        this.loop.spend(COST_NS.busMessage);
        this.outbox.push({ kind: 'bus', at: this.loop.nowUs, to, msg });
      },
      countKeysInSlot: (slot) => this.dbs[0].countKeysInSlot(slot),
      publish: (channel, message) => {
        publishMessage(this, channel, message);
      },
      delKeysInSlot: (slot) => {
        for (const key of this.dbs[0].keysInSlot(slot, Number.MAX_SAFE_INTEGER)) this.dbs[0].delete(key);
      },
      changed: (updateState) => {
        if (updateState) this.clusterTodo.updateState = true;
        this.clusterTodo.saveConfig = true;
        this.viewChanged();
      },
      note: (e) => {
        if (this.observeCluster) this.events.push({ ...e, at: this.loop.nowUs } as EngineEvent);
      },
      observing: this.observeCluster,
      replicationSetMaster: (ip, port) => this.repl.setMaster(ip, port),
      replicationUnsetMaster: () => this.repl.unsetMaster(),
      replicationActive: () => this.repl.isReplica,
      replicationOffset: () => (this.repl.isReplica ? this.repl.replicaOffset() : this.repl.masterReplOffset),
      replicaDataAgeMs: () => {
        // Whole seconds, as Redis computes it from server.unixtime.
        const nowS = Math.floor(this.nowMs() / 1000);
        if (this.repl.state === 'connected') return (nowS - Math.floor(this.repl.lastIoMs / 1000)) * 1000;
        return (nowS - Math.floor(this.repl.downSinceMs / 1000)) * 1000;
      },
      config: (name) => this.config.get(name) ?? '',
      log: (level, text) => this.events.push({ type: 'log', at: this.loop.nowUs, level, text }),
      scheduleFailoverCheck: () => {
        this.clusterTodo.handleFailover = true;
      },
      pauseWrites: (untilMs) => this.pauseClients(untilMs, 'write'),
      unpauseWrites: () => this.unpauseClients(),
    });
  }

  /** Readable bus: handle every message that has arrived (clusterReadHandler + clusterProcessPacket). */
  private readBus(): void {
    const bus = this.bus;
    for (const d of this.sockets.takeBus(this.loop.pollWakeUs)) {
      this.loop.spend(COST_NS.busMessage);
      if (!bus) continue;
      if (d.kind === 'bus-down') bus.linkDown(d.to);
      else bus.processPacket(d.fromIp, d.toIp, d.msg);
    }
  }

  noteSlotChange(change: 'assign' | 'unassign' | 'migrating' | 'importing' | 'stable' | 'node', slots: number[], node: string | null): void {
    this.viewChanged();
    if (this.observeCluster) this.events.push({ type: 'slot-change', at: this.loop.nowUs, change, slots, node });
  }

  clusterChanged(): void {
    this.clusterTodo.updateState = true;
    this.clusterTodo.saveConfig = true;
    this.viewChanged();
  }

  /** clusterSaveConfig: hand nodes.conf to the host, when it keeps one (the text costs O(nodes) to build). */
  saveClusterConfig(): void {
    if (this.cluster === null || !this.persistClusterConfig) return;
    this.events.push({ type: 'cluster-config-saved', at: this.loop.nowUs, text: nodesConfText(this.cluster) });
  }

  clusterReset(hard: boolean): void {
    const cluster = this.cluster;
    if (cluster === null) return;
    cluster.migratingTo.clear();
    cluster.importingFrom.clear();
    for (let j = 0; j < cluster.slots.length; j++) cluster.delSlot(j);
    for (const n of [...cluster.nodes.values()]) if (!n.isMyself) this.bus!.delNode(n);
    cluster.clearBans();
    if (hard) {
      cluster.currentEpoch = 0;
      cluster.lastVoteEpoch = 0;
      cluster.myself.configEpoch = 0;
      cluster.nodes.delete(cluster.myself.id);
      cluster.myself.id = this.rng.fork(`cluster-reset-${this.loop.nowUs}`).hex(40);
      cluster.nodes.set(cluster.myself.id, cluster.myself);
    }
    this.clusterChanged();
  }

  /** clusterCron, every 100 ms: pings, reconnections, failure detection, then the state. */
  private clusterCron(): void {
    this.bus!.cron();
    if (this.clusterTodo.updateState || this.cluster!.state === 'fail') {
      this.clusterTodo.updateState = false;
      this.updateClusterState();
    }
  }

  private updateClusterState(): void {
    const cluster = this.cluster!;
    const before = cluster.state;
    cluster.updateState(this.nowMs(), parseBool(this.config.get('cluster-require-full-coverage') ?? 'yes') !== false, Number(this.config.get('cluster-node-timeout')));
    if (cluster.state !== before) {
      this.viewChanged();
      this.events.push({ type: 'cluster-state', at: this.loop.nowUs, state: cluster.state });
    }
  }

  /** clusterBeforeSleep: the work commands asked for. */
  private clusterBeforeSleep(): void {
    if (this.clusterTodo.handleFailover) {
      this.clusterTodo.handleFailover = false;
      if (this.cluster!.myself.flags.has('slave')) {
        this.bus!.failover.handleManualFailover();
        this.bus!.failover.handleReplicaFailover();
      }
    }
    if (this.clusterTodo.updateState) {
      this.clusterTodo.updateState = false;
      this.updateClusterState();
    }
    if (this.clusterTodo.saveConfig) {
      this.clusterTodo.saveConfig = false;
      this.saveClusterConfig();
    }
    // Flag and epoch changes a command made (or any not reported yet) are reported before sleeping.
    this.bus!.flushView();
  }

  get evictedKeys(): number {
    return this.evictor.evictedKeys;
  }

  /** How far the machine's wall clock has been stepped since this process started (see the 'clock' delivery). */
  private wallStepMs = 0;

  /** The wall clock (mstime): the epoch, plus virtual time, plus any step of the machine's clock. */
  nowMs(): number {
    return this.epochMs + this.wallStepMs + Math.floor(this.loop.nowUs / 1000);
  }

  startedAtMs(): number {
    return this.epochMs + Math.floor(this.startUs / 1000);
  }

  unixTimeUs(): number {
    return (this.epochMs + this.wallStepMs) * 1000 + this.loop.nowUs;
  }

  spend(ns: number): void {
    this.loop.spend(ns);
  }

  swapDatabases(a: number, b: number): void {
    // Clients hold their database by index, as Redis's c->db points at server.db[id] whose contents move.
    const da = this.dbs[a];
    const db = this.dbs[b];
    // Watched keys that exist on either side see a different value afterwards.
    da.touchAllWatched(db);
    db.touchAllWatched(da);
    const keys = new Map(da.keys);
    const expires = new Map(da.expires);
    da.keys.clear();
    da.expires.clear();
    for (const [k, v] of db.keys) da.keys.set(k, v);
    for (const [k, v] of db.expires) da.expires.set(k, v);
    db.keys.clear();
    db.expires.clear();
    da.dropScanIndex();
    db.dropScanIndex();
    for (const [k, v] of keys) db.keys.set(k, v);
    for (const [k, v] of expires) db.expires.set(k, v);
  }

  block(c: Client, state: BlockedState): void {
    c.blocked = state;
    for (const key of state.keys) {
      const id = `${c.db.id}\u0000${key}`;
      const list = this.blockedOnKey.get(id) ?? [];
      list.push(c);
      this.blockedOnKey.set(id, list);
    }
  }

  signalKeyAsReady(db: number, key: string): void {
    if (this.blockedOnKey.size > 0) this.readyKeys.add(`${db}\u0000${key}`);
  }

  /**
   * handleClientsBlockedOnKeys: after a command, serve the clients blocked on keys that received data, first
   * come first served, as long as there is data; a served client then runs the input it had pipelined.
   */
  private handleClientsBlockedOnKeys(): void {
    while (this.readyKeys.size > 0) {
      const ready = [...this.readyKeys];
      this.readyKeys.clear();
      for (const id of ready) {
        const waiting = this.blockedOnKey.get(id);
        if (!waiting) continue;
        for (const c of [...waiting]) {
          if (!c.blocked || !c.blocked.serve()) continue;
          this.unblock(c);
          this.pendingWrites.add(c);
          this.processInputBuffer(c);
        }
      }
    }
  }

  private unblock(c: Client): void {
    if (!c.blocked) return;
    for (const key of c.blocked.keys) {
      const id = `${c.db.id}\u0000${key}`;
      const list = this.blockedOnKey.get(id);
      if (!list) continue;
      const i = list.indexOf(c);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.blockedOnKey.delete(id);
    }
    c.blocked = null;
  }

  /**
   * handleBlockedClientsTimeout, run in beforeSleep. The poll does not wake up for these deadlines, so a
   * timeout is noticed at the first loop iteration after it: with nothing else happening, the next serverCron
   * tick (every 100 ms at hz 10), exactly as on a real server.
   */
  private handleBlockedClientsTimeout(): void {
    if (this.blockedOnKey.size === 0) return;
    const now = this.nowMs();
    const seen = new Set<Client>();
    for (const list of this.blockedOnKey.values()) for (const c of list) seen.add(c);
    for (const c of seen) {
      const b = c.blocked;
      if (!b || b.deadlineMs === 0 || b.deadlineMs > now) continue;
      b.timedOut();
      this.unblock(c);
      this.pendingWrites.add(c);
      this.processInputBuffer(c);
    }
  }

  wakeForWrite(c: Client): void {
    if (!c.closed) this.pendingWrites.add(c);
  }

  resetStats(): void {
    this.stats.reset();
    this.evictor.evictedKeys = 0;
    for (const db of this.dbs) db.expiredKeys = 0;
  }

  connectedClients(): Client[] {
    return [...this.clients.values()];
  }

  get multiplexer(): string {
    return this.loop.multiplexer;
  }

  dirtyCount(): number {
    return this.dirty;
  }

  nowUs(): number {
    return this.loop.nowUs;
  }

  blockOnConnection(c: Client, conn: string, deadlineUs: number, step: (timedOut: boolean) => boolean): void {
    c.inSyncIo = true;
    const wait = ++this.syncWaits;
    this.loop.blockOn(() => this.sockets.outboundReadyAt(conn), deadlineUs, (timedOut) => {
      if (!step(timedOut)) return false;
      // The step may have started another wait (MIGRATE's retry): that one now holds the client.
      if (this.syncWaits !== wait) return true;
      c.inSyncIo = false;
      this.pendingWrites.add(c);
      this.processInputBuffer(c);
      return true;
    });
  }

  /**
   * prepareForShutdown and exit: the final RDB snapshot when asked for or when save points are set (unless
   * NOSAVE), the AOF flushed, then the process ends. An error text when the save failed and FORCE was not given.
   */
  shutdown(opts: { save: boolean; nosave: boolean; force: boolean }): string | null {
    this.events.push({ type: 'log', at: this.loop.nowUs, level: 'warning', text: 'User requested shutdown...' });
    const savePoints = (this.config.get('save') ?? '').trim() !== '';
    if (!opts.nosave && (opts.save || savePoints)) {
      this.events.push({ type: 'log', at: this.loop.nowUs, level: 'notice', text: 'Saving the final RDB snapshot before exiting.' });
      if (!this.persistence.save() && !opts.force) {
        this.events.push({ type: 'log', at: this.loop.nowUs, level: 'warning', text: 'Error trying to save the DB, can\'t exit.' });
        return 'ERR Errors trying to SHUTDOWN. Check logs.';
      }
    }
    if (this.persistence.aofEnabled) {
      this.events.push({ type: 'log', at: this.loop.nowUs, level: 'notice', text: 'Calling fsync() on the AOF file.' });
      this.persistence.flushAof(true);
    }
    this.events.push({ type: 'log', at: this.loop.nowUs, level: 'warning', text: 'Redis is now ready to exit, bye bye...' });
    this.loop.stopped = true;
    return null;
  }

  killClient(c: Client): void {
    this.freeClient(c, 'killed');
  }

  pauseClients(untilMs: number, mode: 'all' | 'write'): void {
    // A new pause never shortens or weakens one in force (pauseClients keeps the later end and ALL over WRITE).
    if (this.pause === null) this.pause = { untilMs, mode };
    else {
      this.pause.untilMs = Math.max(this.pause.untilMs, untilMs);
      if (mode === 'all') this.pause.mode = 'all';
    }
    for (const db of this.dbs) db.expireMode = this.expireModeNow();
  }

  /**
   * How a lookup treats a key past its deadline: a replica, and any node while clients are paused, reports it
   * missing but keeps it (expireIfNeeded). A paused data set stays still, so a master paused for a manual
   * failover writes no DEL past the offset it announced to its replica.
   */
  private expireModeNow(): 'hide' | 'delete' {
    return this.repl.isReplica || this.pause !== null ? 'hide' : 'delete';
  }

  unpauseClients(): void {
    if (this.pause === null) return;
    this.pause = null;
    for (const db of this.dbs) db.expireMode = this.expireModeNow();
    // unblockPostponedClients: the held commands run in arrival order, then whatever each client sent after.
    const held = this.postponed;
    this.postponed = [];
    for (const c of held) {
      if (c.closed) continue;
      c.postponed = false;
      this.runCommand(c);
      if (!c.postponed) this.processInputBuffer(c);
    }
  }

  get pauseActive(): boolean {
    return this.pause !== null;
  }

  get monitoring(): boolean {
    return this.monitors.size > 0;
  }

  /** Whether CLIENT PAUSE holds this command now (ALL: everything; WRITE: what may write or replicate). */
  isPaused(mayWrite: boolean): boolean {
    if (this.pause === null) return false;
    return this.pause.mode === 'all' || mayWrite;
  }

  postpone(c: Client): void {
    c.postponed = true;
    this.postponed.push(c);
  }

  unblockClient(c: Client, asError: boolean): void {
    const b = c.blocked;
    if (!b) return;
    if (asError) c.reply.error('UNBLOCKED client unblocked via CLIENT UNBLOCK');
    else b.timedOut();
    this.unblock(c);
    this.pendingWrites.add(c);
    this.processInputBuffer(c);
  }

  addMonitor(c: Client): void {
    c.monitor = true;
    this.monitors.add(c);
  }

  removeMonitor(c: Client): void {
    c.monitor = false;
    this.monitors.delete(c);
  }

  /** replicationFeedMonitors: "+<unix time> [<db> <addr>] "arg" ..." to every monitor. */
  feedMonitors(c: Client, argv: readonly string[]): void {
    if (this.monitors.size === 0) return;
    const us = this.unixTimeUs();
    const bytes = monitorLine(`+${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')} [${c.db.id} ${c.peer}]`, argv);
    for (const m of this.monitors) {
      if (m.closed) continue;
      m.reply.raw(bytes);
      this.pendingWrites.add(m);
    }
  }

  cpuNs(): number {
    return this.loop.spentNs;
  }

  markDirty(count = 1): void {
    this.dirty += count;
  }

  closeAfterReply(c: Client, reason: CloseReason = 'quit'): void {
    if (reason === 'security') this.securityWarningCommand(c);
    c.closeAfterReply = true;
    c.closeReason = reason;
    this.pendingWrites.add(c);
  }

  /**
   * securityWarningCommand: "POST" or "Host:" as a command is an HTTP request aimed at this port. The client is
   * freed before its pending replies are written (freeClientAsync), and the warning is logged at most once a
   * minute.
   */
  private securityWarningCommand(c: Client): void {
    c.reply.truncate(0);
    const now = Math.floor(this.nowMs() / 1000);
    if (Math.abs(now - this.securityWarningLoggedS) > 60) {
      this.events.push({
        type: 'log',
        at: this.loop.nowUs,
        level: 'warning',
        text: 'Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted.',
      });
      this.securityWarningLoggedS = now;
    }
  }

  // --- The event loop's handlers ----------------------------------------------------------------------------

  /** acceptTcpHandler + createClient. Over maxclients, Redis writes an error and closes at once. */
  private acceptHandler(): void {
    for (const s of this.sockets.accept(this.loop.pollWakeUs, MAX_ACCEPTS_PER_CALL)) {
      this.loop.spend(COST_NS.accept);
      const c = new Client({
        id: this.nextClientId++,
        fd: s.fd,
        conn: s.conn,
        peer: s.peer,
        now: this.loop.nowUs,
        db: this.dbs[0],
        protoMaxBulkLen: this.config.protoMaxBulkLen,
        authenticated: this.config.requirepass === '',
      });
      c.reply.onError = (message) => this.stats.error(message);
      if (this.loop.multiplexer === 'select' && s.fd >= FD_SETSIZE) {
        // aeCreateFileEvent fails for a descriptor select cannot watch: Redis logs "Error registering fd event
        // for the new client" and closes the connection without a word to the client.
        this.stats.rejectedConnections++;
        this.freeClient(c, 'rejected');
        continue;
      }
      // acceptCommonHandler's admission control: in cluster mode each other node's two bus links count too.
      const busLinks = this.cluster !== null ? (this.cluster.nodes.size - 1) * 2 : 0;
      if (this.clients.size + busLinks >= this.config.maxclients) {
        // Written straight to the socket, without the reply buffer.
        this.stats.rejectedConnections++;
        this.emitData(c, encodeAscii(this.cluster !== null ? '-ERR max number of clients + cluster connections reached\r\n' : '-ERR max number of clients reached\r\n'));
        this.freeClient(c, 'rejected');
        continue;
      }
      // clientAcceptHandler: protected mode (the default) with no password only lets loopback clients in.
      if (this.config.get('protected-mode') === 'yes' && this.config.requirepass === '' && !isLoopbackPeer(c.peer)) {
        this.stats.rejectedConnections++;
        this.emitData(c, encodeAscii(PROTECTED_MODE_DENIED));
        this.freeClient(c, 'rejected');
        continue;
      }
      this.stats.totalConnectionsReceived++;
      this.clients.set(c.fd, c);
      this.events.push({ type: 'client-connected', at: this.loop.nowUs, client: c.id, peer: c.peer });
    }
  }

  /** readQueryFromClient: one read(2) of up to 16 KiB, then parse and run every complete command in it. */
  private readQueryFromClient(fd: number): void {
    const c = this.clients.get(fd);
    if (!c || c.closed) return;
    this.loop.spend(COST_NS.readSyscall);
    const r = this.sockets.read(fd, this.loop.pollWakeUs);
    if (r === null) return;
    if ('eof' in r) {
      this.freeClient(c, 'peer');
      return;
    }
    c.lastInteractionUs = this.loop.nowUs;
    this.stats.readsProcessed++;
    this.stats.netInputBytes += r.bytes.length;
    c.parser.feed(r.bytes);
    this.loop.spend(r.bytes.length * COST_NS.parsePerByte);
    this.processInputBuffer(c);
    // client-query-buffer-limit: a client that piles up more unprocessed input than this is dropped, without a
    // reply (Redis logs "Closing client that reached max query buffer length").
    if (!c.closed && c.parser.queryBufferBytes > this.config.clientQueryBufferLimit) {
      this.events.push({ type: 'query-buffer-limit', at: this.loop.nowUs, client: c.id, bytes: c.parser.queryBufferBytes });
      this.freeClient(c, 'query-buffer-limit');
    }
  }

  /** processInputBuffer: run commands until the buffer holds no complete one or the client must close. */
  private processInputBuffer(c: Client): void {
    while (!c.closeAfterReply && !c.blocked && !c.postponed && !c.inSyncIo && !c.closed) {
      const bufferedBefore = c.isMaster ? c.parser.bufferedBytes : 0;
      const parsed = c.parser.next();
      if (parsed === null) break;
      if (!Array.isArray(parsed)) {
        c.reply.error(parsed.protocolError);
        this.events.push({ type: 'protocol-error', at: this.loop.nowUs, client: c.id, message: parsed.protocolError });
        this.closeAfterReply(c, 'protocol-error');
        break;
      }
      if (parsed.length === 0) continue;
      c.argv = parsed;
      if (c.isMaster) {
        // The master's commands see keys past their deadline (it sends the DEL); its stream moves our offset.
        for (const db of this.dbs) db.expireMode = 'keep';
        this.runCommand(c);
        for (const db of this.dbs) db.expireMode = this.expireModeNow();
        if (!c.closed) this.repl.masterCommandApplied(bufferedBefore - c.parser.bufferedBytes, parsed);
        continue;
      }
      this.runCommand(c);
    }
  }

  /** processCommand for c.argv, then what follows a command: blocked clients, CLIENT REPLY, stats, output. */
  private runCommand(c: Client): void {
    const before = c.reply.pendingBytes;
    processCommand(c, this);
    if (c.postponed) return;
    if (c.suspended !== null) {
      c.suspended.push(() => this.afterCommand(c, before));
      return;
    }
    this.afterCommand(c, before);
  }

  /** What follows a command in the read handler: blocked clients, CLIENT REPLY, statistics, output. */
  private afterCommand(c: Client, before: number): void {
    // resetClient: ASKING holds for one command (for a whole transaction inside MULTI).
    if (c.asking && !c.inMulti && c.lastCommand !== 'asking') c.asking = false;
    if (this.readyKeys.size > 0) this.handleClientsBlockedOnKeys();
    // CLIENT REPLY OFF/SKIP: the command ran, its reply is dropped (resetClient moves SKIP_NEXT to SKIP).
    if (c.replyOff || c.replySkip || c.isMaster) c.reply.truncate(before);
    c.replySkip = false;
    if (c.replySkipNext) {
      c.replySkip = true;
      c.replySkipNext = false;
    }
    this.stats.totalCommandsProcessed++;
    this.commandsThisIteration++;
    if (this.observeCommands) {
      this.events.push({ type: 'command', at: this.loop.nowUs, client: c.id, name: c.lastCommand, argc: c.argv.length });
    }
    if (c.reply.pendingBytes !== before || c.closeAfterReply) this.pendingWrites.add(c);
  }

  /** beforeSleep: handleClientsWithPendingWrites, then close the clients that asked to be closed. */
  private beforeSleep(): void {
    if (this.cluster !== null) this.clusterBeforeSleep();
    // checkClientPauseTimeoutAndReturnIfPaused: a pause whose time is up ends here.
    if (this.pause !== null && this.nowMs() >= this.pause.untilMs) this.unpauseClients();
    this.handleBlockedClientsTimeout();
    this.repl.beforeSleep();
    this.writePendingReplies();
  }

  /** The end of beforeSleep, and all of it while a busy script processes events: the AOF, then the replies. */
  private writePendingReplies(): void {
    // flushAppendOnlyFile comes before any reply is written: a client never hears OK for a write the AOF lacks.
    this.persistence.flushAof();
    if (this.pendingWrites.size === 0) return;
    for (const c of this.pendingWrites) {
      if (c.closed) continue;
      if (c.reply.pendingBytes > 0) {
        this.loop.spend(COST_NS.writeSyscall);
        this.emitData(c, c.reply.take());
      }
      if (c.closeAfterReply) this.freeClient(c, c.closeReason);
    }
    this.pendingWrites.clear();
  }

  /** serverCron: the node's housekeeping timer (databasesCron's active expiry; later issues add clusterCron). */
  private serverCron(): number {
    this.loop.spend(COST_NS.serverCronBase);
    this.stats.cronLoops++;
    this.outbound.closeIdle();
    // Expired keys are deleted as side effects the clients did not ask for: no command, so no lookup stats.
    // run_with_period(100): clusterCron runs every 100 ms whatever hz is.
    const period = 1000 / this.config.hz;
    if (this.cluster !== null && (100 <= period || this.stats.cronLoops % Math.round(100 / period) === 0)) this.clusterCron();
    // run_with_period(1000): replicationCron once a second; the snapshot child is checked on every run.
    this.repl.serverCron();
    this.persistence.serverCron();
    // cronloops counts from 0 in Redis, so the first run is the first serverCron.
    if (1000 <= period || (this.stats.cronLoops - 1) % Math.round(1000 / period) === 0) this.repl.replicationCron(this.pause !== null);
    // Replicas do not expire keys actively (their master's DELs do it), nor does anyone while clients are paused.
    const expireNs = this.repl.isReplica || this.pause !== null ? 0 : activeExpireCycle(this.dbs, this.expireState, this.expireRng, this.nowMs(), this.config.hz);
    this.loop.spend(expireNs);
    this.latency.addIfNeeded('expire-cycle', Math.floor(expireNs / 1e6), this.nowMs(), this.config.latencyMonitorThreshold);
    return 1000 / this.config.hz;
  }

  private onIteration(s: IterationStats): void {
    this.events.push({
      type: 'loop',
      at: s.endUs,
      iteration: s.iteration,
      pollStartUs: s.pollStartUs,
      wakeUs: s.wakeUs,
      fired: s.fired,
      timers: s.timers,
      commands: this.commandsThisIteration,
    });
    this.commandsThisIteration = 0;
  }

  private emitData(c: Client, bytes: Uint8Array): void {
    this.stats.writesProcessed++;
    this.stats.netOutputBytes += bytes.length;
    this.outbox.push({ kind: 'data', at: this.loop.nowUs, conn: c.conn, bytes });
  }

  private freeClient(c: Client, reason: CloseReason | 'peer' | 'rejected' | 'query-buffer-limit'): void {
    if (c.closed) return;
    c.closed = true;
    this.clients.delete(c.fd);
    this.pendingWrites.delete(c);
    this.monitors.delete(c);
    if (c.postponed) this.postponed = this.postponed.filter((p) => p !== c);
    unwatchAllKeys(c);
    if (c.blocked && c.blocked.keys.length === 0) this.repl.forgetWaiting(c);
    this.unblock(c);
    if (c.replica !== null) this.repl.replicaGone(c);
    if (c.isMaster) this.repl.masterGone();
    unsubscribeAll(c, this, false, false);
    unsubscribeAll(c, this, true, false);
    this.sockets.close(c.fd);
    // When the peer closed first there is nothing left to tell it; otherwise our FIN goes out.
    if (reason !== 'peer') this.outbox.push({ kind: 'close', at: this.loop.nowUs, conn: c.conn });
    this.events.push({ type: 'client-closed', at: this.loop.nowUs, client: c.id, reason });
  }
}

function encodeAscii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
