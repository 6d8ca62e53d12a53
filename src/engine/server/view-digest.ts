/**
 * A node's view digest: what one node believes about itself and the cluster, small enough to send to the UI
 * whenever it changes. The lab's screen draws the slot map, the topology and the node inspector from these
 * (one per node), never from the node itself. Everything here is what CLUSTER NODES, CLUSTER SLOTS and
 * INFO replication would tell a client asking this node now.
 *
 * `viewDigest(node)` builds one on demand; a `ViewDigestTracker` decides, at the end of each advance of a node
 * run with `observeViews`, whether the digest changed enough to be sent (the rule is on the class).
 */
import type { TimeUs } from '../types/time.ts';
import type { RedisNode } from './node.ts';
import { clusterChanges, type ClusterNode } from '../cluster/cluster-node.ts';
import { slotRanges, type SlotRange } from '../cluster/cluster-state.ts';

export type { SlotRange };

/** One node as this member knows it (a line of CLUSTER NODES). */
export interface KnownNodeDigest {
  id: string;
  /**
   * "ip:port" clients use, as this member knows it; for the member itself, its own address (a node learns its
   * IP from the first MEET or PING it gets, so CLUSTER NODES may show it empty until then).
   */
  address: string;
  /** CLUSTER NODES flags, e.g. ["master"], ["myself","slave"], ["master","fail?"]; ["noflags"] when none. */
  flags: string[];
  /** Its master's id for a replica; null for a master (CLUSTER NODES' "-"). */
  masterId: string | null;
  /** The config epoch CLUSTER NODES prints: a replica shows its master's. */
  configEpoch: number;
  /** Slots this member believes it serves, as CLUSTER NODES and CLUSTER SLOTS group them (a replica: none). */
  slots: SlotRange[];
  /** Failure reports this member holds about it (nodes that flagged it PFAIL): CLUSTER COUNT-FAILURE-REPORTS. */
  failureReports: number;
  /** Link state as CLUSTER NODES prints it. */
  link: 'connected' | 'disconnected';
}

export interface ViewDigest {
  /** The node's address ("ip:port"): the one name every host and event gives the node. */
  address: string;
  /** The node's virtual time when the digest was taken. */
  at: TimeUs;
  runId: string;
  role: 'master' | 'slave';
  /** Replication: the master it follows ("ip:port") and the link state (INFO replication). */
  masterAddress: string | null;
  masterLinkStatus: 'up' | 'down' | null;
  /** INFO replication's master_repl_offset on a master, slave_repl_offset on a replica. */
  replOffset: number;
  /**
   * Each attached replica (INFO replication's slaveN lines): its address, state, acknowledged offset, and how many
   * bytes of our stream it has not acknowledged yet.
   */
  replicas: { address: string; state: 'online' | 'wait_bgsave'; offset: number; lagBytes: number }[];
  /** Keys in db 0 (cluster mode has only db 0); all dbs summed for a standalone node. */
  keys: number;
  /** used_memory as last measured (see ViewDigestTracker: measuring costs a walk over the keys). */
  usedMemory: number;
  connectedClients: number;
  /** Event loop: iterations so far, commands processed. */
  loopIterations: number;
  commandsProcessed: number;
  /** Cluster mode only; null for a standalone node. */
  cluster: ClusterViewDigest | null;
}

export interface ClusterViewDigest {
  myId: string;
  currentEpoch: number;
  /** cluster_state as this member sees it. */
  state: 'ok' | 'fail';
  /** Every node this member knows, itself and nodes in handshake included (as CLUSTER NODES), in id order. */
  nodes: KnownNodeDigest[];
  /** Slots this node is migrating to / importing from another node (by that node's id), by slot. */
  migrating: { slot: number; to: string }[];
  importing: { slot: number; from: string }[];
  /**
   * The election this replica is in (its master is FAIL, or a manual failover runs): its rank, when it may
   * start or started (unix ms, failover_auth_time), votes so far, votes needed (a majority of the masters
   * serving slots, as Redis's needed_quorum), whether the vote requests went out and for which epoch (0 before).
   * Null otherwise, and once the attempt expired (two node timeouts, at least 2 s, after its start time).
   */
  election: { rank: number; authTimeMs: number; votes: number; needed: number; epoch: number; started: boolean } | null;
}

/** INFO replication's replication offset of the node: master_repl_offset, or slave_repl_offset on a replica. */
function replOffsetOf(node: RedisNode): number {
  const repl = node.repl;
  if (!repl.isReplica) return repl.masterReplOffset;
  // replicationGetSlaveOffset's view for INFO: the live master client, else the cached one, else 1.
  return repl.master !== null || repl.hasCachedMaster ? repl.replicaOffset() : 1;
}

function replicasOf(node: RedisNode): ViewDigest['replicas'] {
  const repl = node.repl;
  if (repl.replicas.length === 0) return [];
  return repl.replicas.map((r) => {
    const link = r.replica!;
    const { ip, port } = repl.replicaAddress(r);
    return {
      address: `${ip}:${port}`,
      state: link.state === 'online' ? ('online' as const) : ('wait_bgsave' as const),
      offset: link.ackOffset,
      lagBytes: Math.max(0, repl.masterReplOffset - link.ackOffset),
    };
  });
}

function keysOf(node: RedisNode): number {
  if (node.cluster !== null) return node.dbs[0].size;
  let n = 0;
  for (const db of node.dbs) n += db.size;
  return n;
}

/**
 * used_memory now, without touching used_memory_peak: measuring is a side effect in MemoryAccounting (it raises
 * the peak INFO reports), and an observer must not change what a client would see.
 */
export function measureUsedMemory(node: RedisNode): number {
  const peak = node.memory.peak;
  const total = node.memory.usedMemory();
  node.memory.peak = peak;
  return total;
}

function knownNode(node: RedisNode, n: ClusterNode): KnownNodeDigest {
  const cluster = node.cluster!;
  const epoch = n.flags.has('slave') && n.replicaOf ? n.replicaOf.configEpoch : n.configEpoch;
  return {
    id: n.id,
    address: n.isMyself ? node.address : `${n.ip}:${n.port}`,
    flags: n.flagsText().split(','),
    masterId: n.replicaOf !== null ? n.replicaOf.id : null,
    configEpoch: epoch,
    slots: slotRanges(cluster, n).map(([a, b]) => [a, b] as const),
    failureReports: cluster.failureReports(n),
    link: n.linkConnected || n.isMyself ? 'connected' : 'disconnected',
  };
}

/** The parts of the cluster view that cost O(nodes + slot ranges) to build: rebuilt only when something moved. */
interface NodesPart {
  nodes: KnownNodeDigest[];
  migrating: ClusterViewDigest['migrating'];
  importing: ClusterViewDigest['importing'];
}

function nodesPartOf(node: RedisNode): NodesPart {
  const cluster = node.cluster!;
  const nodes = [...cluster.nodes.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((n) => knownNode(node, n));
  const migrating = [...cluster.migratingTo].sort((a, b) => a[0] - b[0]).map(([slot, to]) => ({ slot, to: to.id }));
  const importing = [...cluster.importingFrom].sort((a, b) => a[0] - b[0]).map(([slot, from]) => ({ slot, from: from.id }));
  return { nodes, migrating, importing };
}

function electionOf(node: RedisNode): ClusterViewDigest['election'] {
  const cluster = node.cluster!;
  const f = node.bus!.failover;
  const me = cluster.myself;
  const master = me.replicaOf;
  if (!me.flags.has('slave') || master === null || f.authTimeMs === 0) return null;
  if (!master.flags.has('fail') && f.mfEndMs === 0) return null;
  // clusterHandleSlaveFailover's auth_timeout: past it the attempt expired (a new one comes after the retry time).
  const authTimeoutMs = Math.max(node.config.num('cluster-node-timeout') * 2, 2000);
  if (node.nowMs() - f.authTimeMs > authTimeoutMs) return null;
  return {
    rank: f.authRank,
    authTimeMs: f.authTimeMs,
    votes: f.authCount,
    needed: Math.floor(cluster.size / 2) + 1,
    epoch: f.authSent ? f.authEpoch : 0,
    started: f.authSent,
  };
}

function clusterPart(node: RedisNode, nodes: NodesPart): ClusterViewDigest {
  const cluster = node.cluster!;
  return {
    myId: cluster.myself.id,
    currentEpoch: cluster.currentEpoch,
    state: cluster.state,
    nodes: nodes.nodes,
    migrating: nodes.migrating,
    importing: nodes.importing,
    election: electionOf(node),
  };
}

/** The node's view digest now (used_memory measured now). */
export function viewDigest(node: RedisNode): ViewDigest {
  return buildDigest(node, node.cluster !== null ? nodesPartOf(node) : null, measureUsedMemory(node));
}

function buildDigest(node: RedisNode, nodes: NodesPart | null, usedMemory: number): ViewDigest {
  const repl = node.repl;
  return {
    address: node.address,
    at: node.nowUs(),
    runId: node.runId,
    role: repl.isReplica ? 'slave' : 'master',
    masterAddress: repl.isReplica ? `${repl.masterHost}:${repl.masterPort}` : null,
    masterLinkStatus: repl.isReplica ? (repl.state === 'connected' ? 'up' : 'down') : null,
    replOffset: replOffsetOf(node),
    replicas: replicasOf(node),
    keys: keysOf(node),
    usedMemory,
    connectedClients: node.clientCount,
    loopIterations: node.loopIterations,
    commandsProcessed: node.stats.totalCommandsProcessed,
    cluster: nodes !== null ? clusterPart(node, nodes) : null,
  };
}

/** A counter-only change is sent at most this often per node (virtual time). */
export const COUNTER_DIGEST_INTERVAL_US = 100_000;
/** used_memory is re-measured (a walk over every key, unless maxmemory keeps it up to date) at most this often. */
export const MEMORY_MEASURE_INTERVAL_US = 1_000_000;

/**
 * When a node run with `observeViews` hands a digest back with its advance result. The rule:
 *
 * - A change of what the screen draws as structure is sent at the end of the advance it happened in: the run id,
 *   role, master and link status, the set of attached replicas and their states, and everything in the cluster
 *   part (any node's flags, master, epoch, slots, failure reports or link; migrations; currentEpoch; cluster
 *   state; the election and its votes).
 * - A counter-only change (replication offsets, keys, connected clients) is sent at most once per 100 ms of
 *   virtual time per node: at the end of the first advance at least 100 ms after the last digest sent. A node
 *   runs serverCron every 100 ms, so a held change goes out within about 100 ms more.
 * - Some fields never cause a digest by themselves, they ride along with one sent for another reason: `at`,
 *   loop iterations, commands processed (REPLCONF ACK alone moves it every second on a master with replicas)
 *   and used memory (re-measured at most once a virtual second when keys or offsets moved since the last
 *   measure, or every time while maxmemory keeps the accounting incremental).
 *
 * So a quiet node sends nothing. The cluster part is only rebuilt when something could have changed it: the
 * node's dirty flag (set where the node changes its view: bus changes, commands, role changes, cluster state),
 * the bus's change counter (events of its own: epochs learned, failure reports, elections), or the thread's
 * clusterChanges (flags, links, membership). Which advance a digest comes back with depends on how the host
 * slices time (the digest describes the node at the end of the advance); the node's behaviour never depends on
 * whether or when digests are taken.
 */
export class ViewDigestTracker {
  /** Set by the node when something it shows in the cluster part or the role may have changed. */
  dirty = true;
  private last: ViewDigest | null = null;
  private nodes: NodesPart | null = null;
  private nodesKey = '';
  private seenClusterChanges = -1;
  private seenBusVersion = -1;
  private lastSentUs = Number.NEGATIVE_INFINITY;
  /** The last used_memory measure, when it was taken, and the keys/offset/commands it was taken at. */
  private memory = 0;
  private memoryAtUs = Number.NEGATIVE_INFINITY;
  private memorySig = '';

  constructor(private readonly node: RedisNode) {}

  /** At the end of an advance: a digest when the rule above says so, else null. */
  poll(): ViewDigest | null {
    const node = this.node;
    const bus = node.bus;
    let structural = this.last === null;
    if (node.cluster !== null && bus !== null) {
      if (this.dirty || this.nodes === null || bus.viewVersion !== this.seenBusVersion || clusterChanges.count !== this.seenClusterChanges) {
        this.seenBusVersion = bus.viewVersion;
        this.seenClusterChanges = clusterChanges.count;
        const nodes = nodesPartOf(node);
        const key = JSON.stringify(nodes);
        if (key !== this.nodesKey) {
          this.nodes = nodes;
          this.nodesKey = key;
          structural = true;
        }
      }
    }
    this.dirty = false;
    const next = buildDigest(node, this.nodes, this.memory);
    const last = this.last;
    let counters = false;
    if (last !== null && !structural) {
      structural = changedStructure(last, next);
      counters = !structural && changedCounters(last, next);
    }
    if (!structural && !(counters && next.at - this.lastSentUs >= COUNTER_DIGEST_INTERVAL_US)) return null;
    next.usedMemory = this.usedMemory(next);
    this.last = next;
    this.lastSentUs = next.at;
    return next;
  }

  private usedMemory(d: ViewDigest): number {
    const node = this.node;
    const sig = `${d.keys}/${d.replOffset}/${d.commandsProcessed}`;
    const incremental = node.config.maxmemory > 0;
    if (incremental || (sig !== this.memorySig && d.at - this.memoryAtUs >= MEMORY_MEASURE_INTERVAL_US)) {
      this.memory = measureUsedMemory(node);
      this.memoryAtUs = d.at;
      this.memorySig = sig;
    }
    return this.memory;
  }
}

function changedStructure(a: ViewDigest, b: ViewDigest): boolean {
  if (a.runId !== b.runId || a.role !== b.role || a.masterAddress !== b.masterAddress || a.masterLinkStatus !== b.masterLinkStatus) return true;
  if (a.replicas.length !== b.replicas.length) return true;
  for (let i = 0; i < a.replicas.length; i++) {
    if (a.replicas[i].address !== b.replicas[i].address || a.replicas[i].state !== b.replicas[i].state) return true;
  }
  const ca = a.cluster;
  const cb = b.cluster;
  if (ca === null || cb === null) return ca !== cb;
  if (ca.myId !== cb.myId || ca.currentEpoch !== cb.currentEpoch || ca.state !== cb.state || ca.nodes !== cb.nodes) return true;
  const ea = ca.election;
  const eb = cb.election;
  if (ea === null || eb === null) return ea !== eb;
  return ea.rank !== eb.rank || ea.authTimeMs !== eb.authTimeMs || ea.votes !== eb.votes || ea.needed !== eb.needed || ea.epoch !== eb.epoch || ea.started !== eb.started;
}

function changedCounters(a: ViewDigest, b: ViewDigest): boolean {
  if (a.replOffset !== b.replOffset || a.keys !== b.keys || a.connectedClients !== b.connectedClients) return true;
  for (let i = 0; i < a.replicas.length; i++) if (a.replicas[i].offset !== b.replicas[i].offset) return true;
  return false;
}
