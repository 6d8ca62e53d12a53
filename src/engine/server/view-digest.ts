/**
 * A node's view digest: what one node believes about itself and the cluster, small enough to send to the UI
 * whenever it changes. The lab's screen draws the slot map, the topology and the node inspector from these
 * (one per node), never from the node itself. Everything here is what CLUSTER NODES, CLUSTER SLOTS and
 * INFO replication would tell a client asking this node now.
 */
import type { TimeUs } from '../types/time.ts';

/** A run of slots [from, to], both ends included, as CLUSTER SLOTS lists them. */
export type SlotRange = readonly [from: number, to: number];

/** One node as this member knows it (a line of CLUSTER NODES). */
export interface KnownNodeDigest {
  id: string;
  /** "ip:port" clients use. */
  address: string;
  /** CLUSTER NODES flags, e.g. ["master"], ["myself","slave"], ["master","fail?"]. */
  flags: string[];
  /** Its master's id for a replica; null for a master. */
  masterId: string | null;
  configEpoch: number;
  /** Slots this member believes it serves. */
  slots: SlotRange[];
  /** Failure reports this member holds about it (nodes that flagged it PFAIL). */
  failureReports: number;
  /** Link state as CLUSTER NODES prints it. */
  link: 'connected' | 'disconnected';
}

export interface ViewDigest {
  /** The node's address ("ip:port"): the one name every host and event uses for a process. */
  address: string;
  /** The node's virtual time when the digest was taken. */
  at: TimeUs;
  runId: string;
  role: 'master' | 'slave';
  /** Replication: the master it follows ("ip:port") and the link state (INFO replication). */
  masterAddress: string | null;
  masterLinkStatus: 'up' | 'down' | null;
  replOffset: number;
  /** For a master: each attached replica's address and acknowledged offset. */
  replicas: { address: string; offset: number; lagBytes: number }[];
  /** Keys in db 0 (cluster mode has only db 0); all dbs summed for a standalone node. */
  keys: number;
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
  /** Every node this member knows, itself included, in id order. */
  nodes: KnownNodeDigest[];
  /** Slots this node is migrating to / importing from another node (by that node's id). */
  migrating: { slot: number; to: string }[];
  importing: { slot: number; from: string }[];
  /** Election in progress on this replica: rank, when it may start (unix ms), votes so far; null otherwise. */
  election: { rank: number; authTimeMs: number; votes: number; needed: number; epoch: number } | null;
}
