/**
 * One member's view of the cluster (cluster.h clusterState): the nodes it knows, who serves each of the 16384
 * slots, the slots it is migrating or importing, the epochs, and whether it considers the cluster ok.
 *
 * The bus (gossip, failure detection, failover) builds on this; the commands that only touch this member's
 * own view (ADDSLOTS, SETSLOT, KEYSLOT, NODES, INFO, ...) read and write it directly.
 */
import type { Prng } from '../random/prng.ts';
import { ClusterNode, NodeTable, slotsHash } from './cluster-node.ts';
import { CLUSTER_SLOTS } from './slots.ts';

/** CLUSTER_WRITABLE_DELAY: after a restart a master waits this long before declaring the cluster ok. */
export const CLUSTER_WRITABLE_DELAY_MS = 2000;
/** The rejoin delay after being in a minority is the node timeout, clamped to these bounds. */
export const CLUSTER_MIN_REJOIN_DELAY_MS = 500;
export const CLUSTER_MAX_REJOIN_DELAY_MS = 5000;
/** How long CLUSTER FORGET keeps a node from coming back through gossip. */
export const CLUSTER_BLACKLIST_TTL_MS = 60_000;

/** Bus message types, in the order CLUSTER INFO lists their counters. */
export const MESSAGE_TYPES = ['ping', 'pong', 'meet', 'fail', 'publish', 'publishshard', 'auth-req', 'auth-ack', 'update', 'mfstart', 'module'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export class ClusterState {
  myself: ClusterNode;
  readonly nodes = new NodeTable();
  /** Who serves each slot in this member's view (null = unassigned). */
  readonly slots: (ClusterNode | null)[] = new Array(CLUSTER_SLOTS).fill(null);
  readonly migratingTo = new Map<number, ClusterNode>();
  readonly importingFrom = new Map<number, ClusterNode>();
  currentEpoch = 0;
  lastVoteEpoch = 0;
  state: 'ok' | 'fail' = 'fail';
  /** Masters serving at least one slot (cluster_size), as of the last clusterUpdateState; clusterInit says 1. */
  size = 1;
  readonly sent = new Map<MessageType, number>();
  readonly received = new Map<MessageType, number>();
  /** The first clusterUpdateState call (for CLUSTER_WRITABLE_DELAY). */
  private firstUpdateMs = 0;
  /** Last time this member found itself without a majority of reachable masters. */
  private amongMinorityMs = 0;

  constructor(
    rng: Prng,
    ip: string,
    port: number,
    cport: number,
    nowMs: number,
  ) {
    this.myself = new ClusterNode(rng.hex(40), ip, port, cport);
    this.myself.flags.add('myself');
    this.myself.flags.add('master');
    this.myself.ctimeMs = nowMs;
    this.nodes.set(this.myself.id, this.myself);
  }

  /** nodes.conf named another node as myself (a restart): take it. */
  replaceMyself(node: ClusterNode): void {
    this.myself = node;
    node.flags.add('myself');
  }

  lookupNode(id: string): ClusterNode | undefined {
    return this.nodes.get(id);
  }

  /** clusterAddSlot: false when the slot already has an owner. */
  addSlot(node: ClusterNode, slot: number): boolean {
    if (this.slots[slot] !== null) return false;
    this.slots[slot] = node;
    node.numSlots++;
    node.invalidateSlots();
    // A master's first slot makes it a replica-migration target when some other master has replicas
    // (clusterNodeSetSlotBit; redis/redis#3043): a new master should not stay without one.
    if (node.numSlots === 1 && this.mastersHaveReplicas()) node.flags.add('migrate-to');
    return true;
  }

  /** clusterMastersHaveSlaves. */
  private mastersHaveReplicas(): boolean {
    for (const n of this.nodes.values()) if (!n.flags.has('slave') && n.replicas.length > 0) return true;
    return false;
  }

  /** clusterDelSlot: false when nobody serves it. */
  delSlot(slot: number): boolean {
    const n = this.slots[slot];
    if (n === null) return false;
    this.slots[slot] = null;
    n.numSlots--;
    n.invalidateSlots();
    return true;
  }

  /**
   * The CLUSTER_SLOTS-bit bitmap of a node's slots in this view, as messages carry it (a shared copy: never
   * modified; rebuilt after the node's slots change). Only nodes whose bitmap is sent keep one: a member does
   * not store 2 KB per known node, which at 1000 nodes per view would be 2 GB for a simulated cluster.
   */
  slotsBitmapOf(node: ClusterNode): Uint8Array {
    // The rebuild lives in its own function: called on every message, this one stays small and keeps its type
    // feedback (a rarely taken branch inside it made V8 deoptimize it over and over).
    return node.slotsBits ?? this.buildSlotsBitmap(node);
  }

  private buildSlotsBitmap(node: ClusterNode): Uint8Array {
    const bits = new Uint8Array(CLUSTER_SLOTS / 8);
    if (node.numSlots > 0) for (let j = 0; j < CLUSTER_SLOTS; j++) if (this.slots[j] === node) bits[j >> 3] |= 1 << (j & 7);
    node.slotsBits = bits;
    node.slotsHash = slotsHash(bits);
    return bits;
  }

  /** The checksum of a node's slot bitmap in this view, without keeping the bitmap. */
  slotsHashOf(node: ClusterNode): number {
    return node.slotsHash ?? this.computeSlotsHash(node);
  }

  private computeSlotsHash(node: ClusterNode): number {
    if (node.slotsBits !== null) node.slotsHash = slotsHash(node.slotsBits);
    else {
      let h = 0x811c9dc5;
      for (let b = 0; b < CLUSTER_SLOTS / 8; b++) {
        let byte = 0;
        if (node.numSlots > 0) for (let k = 0; k < 8; k++) if (this.slots[b * 8 + k] === node) byte |= 1 << k;
        h = Math.imul(h ^ byte, 16777619);
      }
      node.slotsHash = h >>> 0;
    }
    return node.slotsHash;
  }

  assignedSlots(): number {
    let n = 0;
    for (const s of this.slots) if (s !== null) n++;
    return n;
  }

  /**
   * clusterUpdateState. ok needs every slot served by a node not marked FAIL (with cluster-require-full-coverage)
   * and a majority of the slot-serving masters reachable. A master waits CLUSTER_WRITABLE_DELAY after its first
   * call before leaving fail, and, once it was in a minority (a fresh node with no slots counts: no master is
   * reachable), the node timeout clamped to 0.5-5 s more, so it learns the current configuration before it
   * accepts writes.
   */
  updateState(nowMs: number, requireFullCoverage: boolean, nodeTimeoutMs: number): void {
    if (this.firstUpdateMs === 0) this.firstUpdateMs = nowMs;
    if (this.myself.isMaster && this.state === 'fail' && nowMs - this.firstUpdateMs < CLUSTER_WRITABLE_DELAY_MS) return;
    let next: 'ok' | 'fail' = 'ok';
    if (requireFullCoverage) {
      for (const s of this.slots) {
        if (s === null || s.flags.has('fail')) {
          next = 'fail';
          break;
        }
      }
    }
    let size = 0;
    let reachable = 0;
    for (const n of this.nodes.values()) {
      if (n.isMaster && n.numSlots > 0) {
        size++;
        if (!n.flags.has('fail') && !n.flags.has('fail?')) reachable++;
      }
    }
    this.size = size;
    if (reachable < Math.floor(size / 2) + 1) {
      next = 'fail';
      this.amongMinorityMs = nowMs;
    }
    if (next !== this.state) {
      const rejoinDelay = Math.min(CLUSTER_MAX_REJOIN_DELAY_MS, Math.max(CLUSTER_MIN_REJOIN_DELAY_MS, nodeTimeoutMs));
      if (next === 'ok' && this.myself.isMaster && nowMs - this.amongMinorityMs < rejoinDelay) return;
      this.state = next;
    }
  }

  /** CLUSTER FORGET's ban list: ids not to re-add from gossip until the time given (unix ms). */
  private readonly banned = new Map<string, number>();

  /** clusterBlacklistAddNode: ban an id for CLUSTER_BLACKLIST_TTL (60 s). */
  ban(id: string, nowMs: number): void {
    this.banned.set(id, nowMs + CLUSTER_BLACKLIST_TTL_MS);
  }

  isBanned(id: string, nowMs: number): boolean {
    const until = this.banned.get(id);
    if (until === undefined) return false;
    if (until < nowMs) {
      this.banned.delete(id);
      return false;
    }
    return true;
  }

  clearBans(): void {
    this.banned.clear();
  }

  /** Valid failure reports about a node from other masters (the bus fills these in). */
  failureReports(node: ClusterNode): number {
    return node.failReports?.size ?? 0;
  }

  countMessage(map: Map<MessageType, number>, type: MessageType): void {
    map.set(type, (map.get(type) ?? 0) + 1);
  }
}

/** A run of slots [from, to], both ends included, as CLUSTER SLOTS lists them. */
export type SlotRange = readonly [from: number, to: number];

/** Maximal runs of consecutive slots a node serves in `state`'s view, ascending: [start, end] pairs. */
export function slotRanges(state: ClusterState, node: ClusterNode): [number, number][] {
  if (node.slotRangesCache !== null) return node.slotRangesCache;
  const ranges: [number, number][] = [];
  node.slotRangesCache = ranges;
  if (node.numSlots === 0) return ranges;
  const slots = state.slots;
  let start = -1;
  for (let j = 0; j < CLUSTER_SLOTS; j++) {
    if (slots[j] === node) {
      if (start < 0) start = j;
    } else if (start >= 0) {
      ranges.push([start, j - 1]);
      start = -1;
    }
  }
  if (start >= 0) ranges.push([start, CLUSTER_SLOTS - 1]);
  return ranges;
}

/** Runs of consecutive slots in an ascending list of slots. */
export function rangesOfSlots(slots: readonly number[]): SlotRange[] {
  const ranges: [number, number][] = [];
  for (const j of slots) {
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last[1] === j - 1) last[1] = j;
    else ranges.push([j, j]);
  }
  return ranges;
}
