/**
 * A node as one cluster member knows it (cluster.h clusterNode): identity, address, flags, role, epochs and the
 * slots it serves. Every node keeps its own table of these; two nodes may disagree, which is the point of the
 * lessons on gossip and failover.
 */

import type { BusMessage, GossipEntry } from './bus-message.ts';

/** CLUSTER_NODE_* flags, in the order CLUSTER NODES prints them. */
export const NODE_FLAGS = ['myself', 'master', 'slave', 'fail?', 'fail', 'handshake', 'noaddr', 'nofailover'] as const;
export type NodeFlag = (typeof NODE_FLAGS)[number] | 'meet' | 'migrate-to';

/** CLUSTER_NODE_* bit values, as the bus carries flags. */
export const FLAG_BITS: Record<NodeFlag, number> = {
  master: 1,
  slave: 2,
  'fail?': 4,
  fail: 8,
  myself: 16,
  handshake: 32,
  noaddr: 64,
  meet: 128,
  'migrate-to': 256,
  nofailover: 512,
};
const FLAG_ENTRIES = Object.entries(FLAG_BITS) as [NodeFlag, number][];

export function maskToFlags(mask: number): NodeFlag[] {
  return FLAG_ENTRIES.filter(([, bit]) => (mask & bit) !== 0).map(([f]) => f);
}

/**
 * Counts every change of any node's flags, link or membership, in every cluster view of this thread: clusterCron
 * skips its reconnect pass while nothing changed since a pass that found nothing to do, and trusts its schedule
 * (CronSchedule) only while nothing changed since it was built (cheap, exact shortcuts; a change elsewhere only
 * costs a full pass).
 */
export const clusterChanges = { count: 0 };

/**
 * Node ids numbered in this thread, so that a member finds the node a gossip entry is about by array index
 * instead of a string-keyed lookup (once per gossip entry: the commonest lookup of a simulated cluster). See
 * GossipEntry.realm. The numbers never affect behaviour, only how fast a node is found.
 */
export const ID_REALM: object = {};
const idNumbers = new Map<string, number>();

export function idNumber(id: string): number {
  let n = idNumbers.get(id);
  if (n === undefined) idNumbers.set(id, (n = idNumbers.size));
  return n;
}

/** A member's node table by id (clusterState.nodes), also indexed by idNumber for gossip entries. */
export class NodeTable extends Map<string, ClusterNode> {
  private readonly byNumber: (ClusterNode | undefined)[] = [];
  /**
   * Told of every change of a member node's flag bits (the bus, when someone observes the cluster: it reports
   * each change of the flags CLUSTER NODES prints). Given to every node that enters the table.
   */
  private flagsListener: ((node: ClusterNode) => void) | null = null;

  /** Watch the flags of every node in the table, present and future. */
  watchFlags(listener: (node: ClusterNode) => void): void {
    this.flagsListener = listener;
    for (const node of super.values()) node.flagsListener = listener;
  }

  override set(id: string, node: ClusterNode): this {
    super.set(id, node);
    this.byNumber[idNumber(id)] = node;
    if (this.flagsListener !== null) node.flagsListener = this.flagsListener;
    return this;
  }

  override delete(id: string): boolean {
    const node = super.get(id);
    if (node === undefined) return false;
    super.delete(id);
    const n = idNumber(id);
    if (this.byNumber[n] === node) this.byNumber[n] = undefined;
    return true;
  }

  override clear(): void {
    super.clear();
    this.byNumber.length = 0;
  }

  /** The node a gossip entry is about, if this member knows it. */
  forEntry(g: GossipEntry): ClusterNode | undefined {
    return g.realm === ID_REALM ? this.byNumber[g.num!] : super.get(g.id);
  }

  /** The node that sent a message, if this member knows it. */
  forSender(msg: BusMessage): ClusterNode | undefined {
    return msg.realm === ID_REALM ? this.byNumber[msg.senderNum!] : super.get(msg.sender);
  }
}

/**
 * A node's flags as CLUSTER_NODE_* bits behind a small Set-like interface: the bus tests flags on every message
 * and every cron pass over every node, and a bit test is much cheaper than a string Set lookup.
 */
export class NodeFlags implements Iterable<NodeFlag> {
  mask = 0;

  has(f: NodeFlag): boolean {
    return (this.mask & FLAG_BITS[f]) !== 0;
  }

  add(f: NodeFlag): this {
    const m = this.mask | FLAG_BITS[f];
    if (m !== this.mask) {
      this.mask = m;
      clusterChanges.count++;
      this.flagsChanged();
    }
    return this;
  }

  delete(f: NodeFlag): boolean {
    const had = this.has(f);
    if (had) {
      this.mask &= ~FLAG_BITS[f];
      clusterChanges.count++;
      this.flagsChanged();
    }
    return had;
  }

  /** A subclass may react to a change of the bits. */
  protected flagsChanged(): void {}

  *[Symbol.iterator](): Iterator<NodeFlag> {
    for (const [f, bit] of FLAG_ENTRIES) if (this.mask & bit) yield f;
  }
}

/**
 * A node's fields are reached once per gossip entry and per cron visit, over thousands of nodes per process in a
 * simulated cluster, so their layout matters: the flag bits live on the node itself (it is its own NodeFlags,
 * one object less to reach) and the fields these paths test come first.
 */
export class ClusterNode extends NodeFlags {
  /** The node's CLUSTER_NODE_* flags (the node object itself holds the bits). */
  get flags(): NodeFlags {
    return this;
  }
  /** Failure reports: which master said it cannot reach this node, and when (unix ms); null while there are none. */
  failReports: Map<string, number> | null = null;
  /** Unix ms of the PING we wait an answer for (0 = none) and of the last PONG. */
  get pingSentMs(): number {
    return this.pingSent;
  }
  set pingSentMs(v: number) {
    this.pingSent = v;
    this.gossipCache = null;
  }
  get pongReceivedMs(): number {
    return this.pongReceived;
  }
  set pongReceivedMs(v: number) {
    this.pongReceived = v;
    this.gossipCache = null;
  }
  private pingSent = 0;
  private pongReceived = 0;
  /**
   * The last gossip entry made about this node, shared by every message that carries it until a field it copies
   * changes (the setters of those fields drop it; receivers only read entries): a converging 1000-node cluster
   * has a million PINGs in flight, each with 100 entries, and fresh objects for all of them took gigabytes.
   */
  gossipCache: GossipEntry | null = null;
  /** The bus's bookkeeping of the link: when it was created and when anything last arrived from the node. */
  linkCtimeMs = 0;
  dataReceivedMs = 0;
  /** Whether we hold an outbound bus link to it (CLUSTER NODES' link-state). */
  private linked = false;
  /** The value of our ping counter when this node last went into a message's gossip (last_in_ping_gossip). */
  lastInPingGossip = 0;
  /** How many slots this node serves, as this member believes (ClusterState.slots says which). */
  numSlots = 0;
  /** The master's id when this node is a replica. */
  replicaOf: ClusterNode | null = null;
  readonly replicas: ClusterNode[] = [];
  configEpoch = 0;
  /** When this member created its entry (handshake timeouts) and when the node was marked FAIL. */
  ctimeMs = 0;
  failTimeMs = 0;
  replOffset = 0;
  /** When this member last voted for a replica of this (failed) master: one vote per two node timeouts. */
  votedTimeMs = 0;
  /** Since when (unix ms) this master has served slots with no working replica left; 0 = it is not orphaned. */
  orphanedTimeMs = 0;
  hostname = '';
  /** When the node's own link to us (our inbound link) appeared: its first PING or MEET; 0 = none. */
  inboundLinkCtimeMs = 0;

  /** Whether clusterCron has a link to this node (see ClusterBus). */
  get linkConnected(): boolean {
    return this.linked;
  }

  set linkConnected(v: boolean) {
    if (v !== this.linked) {
      this.linked = v;
      clusterChanges.count++;
    }
  }
  /** The node's slot in clusterCron's schedule (CronSchedule); -1 when not filed. */
  cronHeapIndex = -1;
  /** The node's place in clusterCron's full pass over the table. */
  cronOrder = 0;

  /** "ip:cport", where its bus listens: built once per address, as every message to the node needs it. */
  get busAddress(): string {
    if (this.busAddressIp !== this.ip || this.busAddressPort !== this.cport) {
      this.busAddressIp = this.ip;
      this.busAddressPort = this.cport;
      this.busAddressText = `${this.ip}:${this.cport}`;
    }
    return this.busAddressText;
  }
  private busAddressIp = '';
  private busAddressPort = -1;
  private busAddressText = '';

  constructor(id: string, ip: string, port: number, cport: number) {
    super();
    this.idValue = id;
    this.ipValue = ip;
    this.portValue = port;
    this.cportValue = cport;
  }

  /** The node's id and address (what gossip entries copy: changing one drops the cached entry). */
  get id(): string {
    return this.idValue;
  }
  set id(v: string) {
    this.idValue = v;
    this.idNum = -1;
    this.gossipCache = null;
  }
  /** The id's number in this thread (idNumber), looked up once per id. */
  get idNumber(): number {
    if (this.idNum < 0) this.idNum = idNumber(this.idValue);
    return this.idNum;
  }
  private idNum = -1;
  get ip(): string {
    return this.ipValue;
  }
  set ip(v: string) {
    this.ipValue = v;
    this.gossipCache = null;
  }
  get port(): number {
    return this.portValue;
  }
  set port(v: number) {
    this.portValue = v;
    this.gossipCache = null;
  }
  get cport(): number {
    return this.cportValue;
  }
  set cport(v: number) {
    this.cportValue = v;
    this.gossipCache = null;
  }
  private idValue: string;
  private ipValue: string;
  private portValue: number;
  private cportValue: number;

  protected override flagsChanged(): void {
    this.gossipCache = null;
    if (this.flagsListener !== null) this.flagsListener(this);
  }

  /** Told when the flag bits change (see NodeTable.watchFlags); null while nobody watches. */
  flagsListener: ((node: ClusterNode) => void) | null = null;
  /** The flags text last reported in a node-flags event (null: none yet), and whether a report is pending. */
  flagsShown: string | null = null;
  flagsPending = false;

  /**
   * Cached forms of this node's slots in the member's view (ClusterState.slotsBitmapOf / slotsHashOf): the
   * bitmap messages carry (kept only once asked for: myself's) and its checksum. Dropped when the slots change.
   */
  slotsBits: Uint8Array | null = null;
  slotsHash: number | null = null;
  /** The node's slots as ranges (CLUSTER NODES, nodes.conf): a whole-map scan, so kept until they change. */
  slotRangesCache: [number, number][] | null = null;

  invalidateSlots(): void {
    this.slotsBits = null;
    this.slotsHash = null;
    this.slotRangesCache = null;
  }

  /**
   * clusterNodeAddSlave: a master that has (or had) a replica is flagged MIGRATE_TO, a valid target for replica
   * migration once it has none left.
   */
  addReplica(r: ClusterNode): void {
    if (!this.replicas.includes(r)) this.replicas.push(r);
    this.flags.add('migrate-to');
  }

  /** clusterNodeRemoveSlave: a master left with no replica at all is no longer a migration target. */
  removeReplica(r: ClusterNode): void {
    const i = this.replicas.indexOf(r);
    if (i < 0) return;
    this.replicas.splice(i, 1);
    if (this.replicas.length === 0) this.flags.delete('migrate-to');
  }

  /** clusterCountNonFailingSlaves: replicas not flagged FAIL (a PFAIL one still counts). */
  nonFailingReplicas(): number {
    let ok = 0;
    for (const r of this.replicas) if (!r.flags.has('fail')) ok++;
    return ok;
  }

  get isMaster(): boolean {
    return (this.flags.mask & FLAG_BITS.master) !== 0;
  }

  get isMyself(): boolean {
    return (this.flags.mask & FLAG_BITS.myself) !== 0;
  }

  /** CLUSTER NODES' flags field. */
  flagsText(): string {
    const shown = NODE_FLAGS.filter((f) => this.flags.has(f));
    return shown.length === 0 ? 'noflags' : shown.join(',');
  }
}

/** A 32-bit FNV-1a checksum of a slot bitmap: messages carry it so equal views are recognised without a byte walk. */
export function slotsHash(bits: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bits.length; i++) h = Math.imul(h ^ bits[i], 16777619);
  return h >>> 0;
}
