/**
 * Cluster bus messages (cluster.h clusterMsg), as typed objects. Every message carries the sender's header:
 * its id, epochs, replication offset, the slots it claims, its master, its address and flags. PING, PONG and
 * MEET add gossip about other nodes; FAIL names a failed node; UPDATE tells a node with a stale view who owns
 * a set of slots now.
 */
import type { MessageType } from './cluster-state.ts';

export interface GossipEntry {
  id: string;
  /** Seconds, as the 32-bit fields of clusterMsgDataGossip carry them. */
  pingSentS: number;
  pongReceivedS: number;
  ip: string;
  port: number;
  cport: number;
  /** CLUSTER_NODE_* bits (FLAG_BITS). */
  flags: number;
  /**
   * The lab's shortcut, not on Redis's wire: the id's number in the sending thread (idNumber) and that thread's
   * ID_REALM. A receiver in the same thread finds the node by number; a copy (another worker, a socket) has a
   * copy of the realm, so its receiver looks the id up.
   */
  realm?: object;
  num?: number;
}

export interface BusMessage {
  type: MessageType;
  sender: string;
  /** The sender id's number in the sending thread and that thread's realm (see GossipEntry.realm). */
  realm?: object;
  senderNum?: number;
  currentEpoch: number;
  configEpoch: number;
  offset: number;
  /** CLUSTER_SLOTS bits, a copy of the sender's (or its master's) slots; never modified after sending. */
  myslots: Uint8Array;
  /** Checksum of myslots (the lab's shortcut for "same slots as I think": equal checksums, no byte walk). */
  myslotsHash: number;
  slaveof: string | null;
  /** The announced IP ('' unless cluster-announce-ip is set; receivers use the connection's address). */
  myip: string;
  port: number;
  cport: number;
  /** The sender's CLUSTER_NODE_* bits (master, slave, nofailover). */
  flags: number;
  state: 'ok' | 'fail';
  /** mflags[0]: PAUSED (a master in a manual failover), FORCEACK (a manual failover's vote request). */
  mflags?: number;
  gossip?: GossipEntry[];
  fail?: { about: string };
  update?: { id: string; configEpoch: number; slots: Uint8Array };
  publish?: { channel: string; message: string };
}
