/**
 * Every node's view of the cluster as the session's batches tell it: the latest digest of each node, whether
 * its process runs, and the facts the screen derives from them (who owns each slot according to whom, whether
 * the cluster is healthy). Plain TypeScript, so lesson checks and tests read the same state the screen shows.
 */
import type { ViewDigest } from '../engine/server/view-digest.ts';
import type { ProcessState, SessionBatch } from './lab-session.ts';

export const CLUSTER_SLOTS = 16384;

export interface NodeView {
  address: string;
  process: ProcessState;
  digest: ViewDigest | null;
}

export class ClusterViews {
  readonly nodes = new Map<string, NodeView>();

  /**
   * A text that changes exactly when what the slot map shows can change: each node's process state and, per
   * known node, its slots and config epoch, plus migrations. Views whose signature is equal draw the same map.
   */
  slotSignature(): string {
    const parts: string[] = [];
    for (const v of this.nodes.values()) {
      const c = v.digest?.cluster;
      parts.push(`${v.address}:${v.process}:${v.digest?.role ?? ''}`);
      if (!c) continue;
      for (const n of c.nodes) if (n.slots.length > 0) parts.push(`${n.id}@${n.configEpoch}=${n.slots.map(([a, b]) => `${a}-${b}`).join(',')}`);
      for (const m of c.migrating) parts.push(`m${m.slot}>${m.to}`);
      for (const m of c.importing) parts.push(`i${m.slot}<${m.from}`);
    }
    return parts.join(' ');
  }

  /** A copy that shares the digests (they are never modified): the screen swaps it in whole when views change. */
  clone(): ClusterViews {
    const c = new ClusterViews();
    for (const [a, v] of this.nodes) c.nodes.set(a, { ...v });
    return c;
  }

  /** Take in a batch; returns whether any node's digest or process state changed. */
  apply(batch: SessionBatch): boolean {
    let changed = batch.digests.size > 0;
    for (const [address, process] of batch.processes) {
      const v = this.nodes.get(address);
      if (v === undefined) this.nodes.set(address, { address, process, digest: null });
      else if (v.process !== process) v.process = process;
      else continue;
      changed = true;
    }
    for (const [address, digest] of batch.digests) {
      const v = this.nodes.get(address);
      if (v) v.digest = digest;
      else this.nodes.set(address, { address, process: 'running', digest });
    }
    return changed;
  }

  /** Whether any node runs in cluster mode (standalone instances have no slots to show). */
  get clustered(): boolean {
    for (const v of this.nodes.values()) if (v.digest?.cluster) return true;
    return false;
  }

  /** The address of the node with cluster id `id`, from any node's view. */
  addressOfId(id: string): string | null {
    for (const v of this.nodes.values()) {
      if (v.digest?.cluster?.myId === id) return v.address;
    }
    for (const v of this.nodes.values()) {
      const n = v.digest?.cluster?.nodes.find((k) => k.id === id);
      if (n) return n.address;
    }
    return null;
  }

  /**
   * Slot owners as one node sees them: owner address per slot (null: unassigned). The observer must be a
   * running cluster node with a digest.
   */
  slotOwners(observer: string): (string | null)[] {
    const owners: (string | null)[] = new Array(CLUSTER_SLOTS).fill(null);
    const c = this.nodes.get(observer)?.digest?.cluster;
    if (!c) return owners;
    for (const n of c.nodes) for (const [a, b] of n.slots) for (let s = a; s <= b; s++) owners[s] = n.address;
    return owners;
  }

  /**
   * The truth the screen shows by default: each slot's owner according to the masters that claim it themselves
   * (a master is the authority on its own slots once the others agree). A dead master keeps its last claim
   * (every other node still routes its slots to it until a replica takes over). Where two nodes claim a slot,
   * the one with the higher config epoch wins, as Redis resolves it.
   */
  claimedOwners(): (string | null)[] {
    const owners: (string | null)[] = new Array(CLUSTER_SLOTS).fill(null);
    const epochs: number[] = new Array(CLUSTER_SLOTS).fill(-1);
    for (const v of this.nodes.values()) {
      const c = v.digest?.cluster;
      if (!c || v.digest?.role !== 'master') continue;
      const me = c.nodes.find((n) => n.id === c.myId);
      if (!me) continue;
      for (const [a, b] of me.slots) {
        for (let s = a; s <= b; s++) {
          if (me.configEpoch > epochs[s]) {
            owners[s] = v.address;
            epochs[s] = me.configEpoch;
          }
        }
      }
    }
    return owners;
  }

  /**
   * Healthy: every running node says cluster_state:ok, every running replica's link to its master is up, and
   * every running node agrees on who owns every slot. A node that knows nobody but itself (just started, not met
   * yet) is not part of the cluster and does not count.
   */
  healthy(): boolean {
    // Standalone instances (no cluster anywhere): healthy when every running one has reported.
    const all = [...this.nodes.values()];
    if (all.length > 0 && all.every((v) => v.digest !== null && v.digest.cluster === null)) return true;
    let reference: string | null = null;
    for (const v of this.nodes.values()) {
      if (v.process !== 'running') continue;
      const d = v.digest;
      if (d?.cluster && d.cluster.nodes.length <= 1) continue;
      if (!d || !d.cluster || d.cluster.state !== 'ok') return false;
      if (d.role === 'slave' && d.masterLinkStatus !== 'up') return false;
      const owners = slotClaims(d);
      if (reference === null) reference = owners;
      else if (owners !== reference) return false;
    }
    return reference !== null;
  }
}

/** Who owns which slots in one node's view, as text (the same text for two nodes that agree on every slot). */
function slotClaims(d: ViewDigest): string {
  const parts: string[] = [];
  for (const n of d.cluster!.nodes) if (n.slots.length > 0) parts.push(`${n.address}=${n.slots.map(([a, b]) => `${a}-${b}`).join(',')}`);
  return parts.sort().join(' ');
}
