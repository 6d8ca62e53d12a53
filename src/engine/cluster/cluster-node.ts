/**
 * A node as one cluster member knows it (cluster.h clusterNode): identity, address, flags, role, epochs and the
 * slots it serves. Every node keeps its own table of these; two nodes may disagree, which is the point of the
 * lessons on gossip and failover.
 */
import { CLUSTER_SLOTS } from './slots.ts';

/** CLUSTER_NODE_* flags, in the order CLUSTER NODES prints them. */
export const NODE_FLAGS = ['myself', 'master', 'slave', 'fail?', 'fail', 'handshake', 'noaddr', 'nofailover'] as const;
export type NodeFlag = (typeof NODE_FLAGS)[number] | 'meet' | 'migrate-to';

export class ClusterNode {
  readonly flags = new Set<NodeFlag>();
  /** CLUSTER_SLOTS bits: the slots this node serves, as this member believes. */
  readonly slots = new Uint8Array(CLUSTER_SLOTS / 8);
  numSlots = 0;
  /** The master's id when this node is a replica. */
  replicaOf: ClusterNode | null = null;
  readonly replicas: ClusterNode[] = [];
  configEpoch = 0;
  /** Unix ms of the PING we wait an answer for (0 = none) and of the last PONG. */
  pingSentMs = 0;
  pongReceivedMs = 0;
  /** When this member created its entry (handshake timeouts) and when the node was marked FAIL. */
  ctimeMs = 0;
  failTimeMs = 0;
  replOffset = 0;
  hostname = '';
  /** Failure reports: which master said it cannot reach this node, and when (unix ms). */
  readonly failReports = new Map<string, number>();
  /** Whether we hold an outbound bus link to it (CLUSTER NODES' link-state). */
  linkConnected = false;

  constructor(
    public id: string,
    public ip: string,
    public port: number,
    public cport: number,
  ) {}

  hasSlot(slot: number): boolean {
    return (this.slots[slot >> 3] & (1 << (slot & 7))) !== 0;
  }

  /** clusterNodeAddSlot: false when the bit was already set. */
  addSlot(slot: number): boolean {
    if (this.hasSlot(slot)) return false;
    this.slots[slot >> 3] |= 1 << (slot & 7);
    this.numSlots++;
    return true;
  }

  delSlot(slot: number): boolean {
    if (!this.hasSlot(slot)) return false;
    this.slots[slot >> 3] &= ~(1 << (slot & 7));
    this.numSlots--;
    return true;
  }

  get isMaster(): boolean {
    return this.flags.has('master');
  }

  get isMyself(): boolean {
    return this.flags.has('myself');
  }

  /** CLUSTER NODES' flags field. */
  flagsText(): string {
    const shown = NODE_FLAGS.filter((f) => this.flags.has(f));
    return shown.length === 0 ? 'noflags' : shown.join(',');
  }
}
