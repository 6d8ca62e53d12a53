/**
 * What a command handler may ask of the node it runs on. Handlers see this interface, never the node's host
 * plumbing, so the same handler runs unchanged in every host.
 */
import type { Database } from '../keyspace/database.ts';
import type { ServerConfig } from '../config/config.ts';
import type { Client } from './client.ts';
import type { Prng } from '../random/prng.ts';
import type { PubSubRegistry } from './pubsub-registry.ts';
import type { MemoryAccounting } from '../memory/used-memory.ts';
import type { LfuTracker } from '../memory/lfu.ts';

export interface Server {
  readonly config: ServerConfig;
  readonly dbs: Database[];
  /** The node's random source (RANDOMKEY, SPOP, ...), seeded by the host. */
  readonly rng: Prng;
  /** The node's wall clock in unix milliseconds (virtual: injected epoch plus virtual time, plus any skew). */
  nowMs(): number;
  /** When the node started, unix ms. */
  startedAtMs(): number;
  /** The same wall clock in microseconds (TIME). */
  unixTimeUs(): number;
  /** Charge extra virtual CPU time to the running command. */
  spend(ns: number): void;
  /** SWAPDB: exchange two databases' contents; clients keep their selected index. */
  swapDatabases(a: number, b: number): void;
  /** Who is subscribed to what. */
  readonly pubsub: PubSubRegistry;
  /** Another client got output (a published message): write it in the next beforeSleep. */
  wakeForWrite(c: Client): void;
  /** Park a client on keys until `state.serve()` succeeds or its deadline passes (blockForKeys). */
  block(c: Client, state: import('./client.ts').BlockedState): void;
  /** A list key received data: blocked clients on it get a chance after the current command (signalKeyAsReady). */
  signalKeyAsReady(db: number, key: string): void;
  readonly runId: string;
  readonly replId: string;
  /** RDB snapshots and the AOF. */
  readonly persistence: import('../persistence/persistence.ts').Persistence;
  /** Replication, both sides (replication.c's state). */
  readonly repl: import('../replication/replication.ts').Replication;
  /** A write went through: feed it to replicas (rewritten where Redis rewrites it). */
  propagateCommand(c: Client, name: string, argv: readonly string[]): void;
  /** EXEC runs its queue: what it propagates is wrapped in MULTI/EXEC. */
  execBegin(): void;
  execEnd(c: Client): void;
  readonly address: string;
  readonly processInfo: import('./node.ts').ProcessFacts;
  /** The I/O multiplexer the event loop models (epoll, select, poll). */
  readonly multiplexer: string;
  readonly evictedKeys: number;
  /** Connected clients in connection order. */
  connectedClients(): Client[];
  /** Changes since the last save (rdb_changes_since_last_save). */
  dirtyCount(): number;
  /** The active expire cycle's estimates. */
  readonly expireState: import('../keyspace/active-expire.ts').ActiveExpireState;
  /** SLOWLOG and the latency monitor. */
  readonly slowlog: import('./slowlog.ts').SlowLog;
  readonly latency: import('./latency-monitor.ts').LatencyMonitor;
  /** Cluster mode: this member's view of the cluster (null with cluster-enabled no). */
  readonly cluster: import('../cluster/cluster-state.ts').ClusterState | null;
  /** Cluster mode: the bus protocol (MEET, FORGET). */
  readonly bus: import('../cluster/cluster-bus.ts').ClusterBus | null;
  /** A command changed the cluster view: update the state and save nodes.conf before sleeping. */
  clusterChanged(): void;
  /** Report a slot change a command made (the UI's slot map and migration views). */
  noteSlotChange(change: 'assign' | 'unassign' | 'migrating' | 'importing' | 'stable' | 'node', slots: number[], node: string | null): void;
  /** CLUSTER SAVECONFIG: write nodes.conf now. */
  saveClusterConfig(): void;
  /** CLUSTER RESET SOFT|HARD. */
  clusterReset(hard: boolean): void;
  /** INFO's counters. */
  readonly stats: import('./stats.ts').ServerStats;
  /** Virtual CPU time spent so far, in nanoseconds. */
  cpuNs(): number;
  /** used_memory and its parts. */
  readonly memory: MemoryAccounting;
  /** The LFU counter's rules (OBJECT FREQ reads counters with it). */
  readonly lfu: LfuTracker;
  /**
   * performEvictions: under maxmemory, evict by policy until used memory fits; 'fail' when it cannot (then
   * commands that may grow memory are refused with OOM).
   */
  performEvictions(): 'ok' | 'fail';
  /** The node's virtual clock, microseconds. */
  nowUs(): number;
  /** CLIENT KILL of another client: closed at once, without a reply. */
  killClient(c: Client): void;
  /** CLIENT PAUSE until unix ms `untilMs`: all commands, or only those that may write, wait. */
  pauseClients(untilMs: number, mode: 'all' | 'write'): void;
  unpauseClients(): void;
  /** CLIENT UNBLOCK: end a blocking command now, as a timeout or with the UNBLOCKED error. */
  unblockClient(c: Client, asError: boolean): void;
  /** A CLIENT PAUSE is in force (cheap test before isPaused). */
  readonly pauseActive: boolean;
  /** Some client is in MONITOR mode. */
  readonly monitoring: boolean;
  /** Whether CLIENT PAUSE holds a command now; `mayWrite` for commands that may write or replicate. */
  isPaused(mayWrite: boolean): boolean;
  /** blockPostponeClient: hold c's command until the pause ends. */
  postpone(c: Client): void;
  /** Show an executed command to the MONITOR clients. */
  feedMonitors(c: Client, argv: readonly string[]): void;
  /** MONITOR: `c` will see every command the server runs from now on. */
  addMonitor(c: Client): void;
  removeMonitor(c: Client): void;
  /** MIGRATE's connections to other servers, cached per "host:port" as Redis caches them for 10 s. */
  readonly outbound: import('./outbound.ts').OutboundConnections;
  /**
   * Block the whole event loop (MIGRATE's synchronous I/O) until `step` returns true; `step` runs when bytes
   * arrive on `conn` or, with timedOut, at the deadline. The client's further input waits until then.
   */
  blockOnConnection(c: Client, conn: string, deadlineUs: number, step: (timedOut: boolean) => boolean): void;
  /** CONFIG RESETSTAT. */
  resetStats(): void;
  /** Count a change to the data set (server.dirty), for save points and replication later. */
  markDirty(count?: number): void;
  /** The client is finished: write what is pending, then close its connection. */
  closeAfterReply(c: Client, reason?: CloseReason): void;
  readonly scripting: import('../scripting/scripting.ts').Scripting;
  shutdown(opts: { save: boolean; nosave: boolean; force: boolean }): string | null;
}

/** Why the server closes a client after its pending reply. */
export type CloseReason = 'quit' | 'protocol-error' | 'security' | 'killed';
