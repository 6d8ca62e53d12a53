/**
 * Cluster bus messages (cluster.h clusterMsg), as typed objects. Every message carries the sender's header:
 * its id, epochs, replication offset, the slots it claims, its master, its address and flags. PING, PONG and
 * MEET add gossip about other nodes; FAIL names a failed node; UPDATE tells a node with a stale view who owns
 * a set of slots now.
 */
import type { NodeFlag } from './cluster-node.ts';
import type { MessageType } from './cluster-state.ts';

export interface GossipEntry {
  id: string;
  /** Seconds, as the 32-bit fields of clusterMsgDataGossip carry them. */
  pingSentS: number;
  pongReceivedS: number;
  ip: string;
  port: number;
  cport: number;
  flags: NodeFlag[];
}

export interface BusMessage {
  type: MessageType;
  sender: string;
  currentEpoch: number;
  configEpoch: number;
  offset: number;
  /** CLUSTER_SLOTS bits, a copy of the sender's (or its master's) slots. */
  myslots: Uint8Array;
  slaveof: string | null;
  /** The announced IP ('' unless cluster-announce-ip is set; receivers use the connection's address). */
  myip: string;
  port: number;
  cport: number;
  flags: NodeFlag[];
  state: 'ok' | 'fail';
  gossip?: GossipEntry[];
  fail?: { about: string };
  update?: { id: string; configEpoch: number; slots: Uint8Array };
}
