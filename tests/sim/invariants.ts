/**
 * Invariants the cluster simulations check after quiescence (no client writing, no failover in progress, every
 * replication link idle). Each returns a list of what is wrong, in words a failing test can print, and an empty
 * list when it holds.
 */
import type { RedisNode } from '../../src/engine/server/node.ts';
import type { RedisObject } from '../../src/engine/keyspace/object.ts';

/** What the invariants need from a simulated cluster (tests/sim/cluster-fixture.ts's Cluster fits). */
export interface NodeSet {
  addrs: string[];
  node(i: number): RedisNode;
  host: { isNode(address: string): boolean; runFor(us: number): void; readonly nowUs: number };
}

/**
 * A replica that says it is in sync has what its master has: every replica whose link is up (repl_state
 * connected, INFO's master_link_status:up) has its master's replication id, its master's offset, and the same
 * keys with the same values and deadlines in every database. A replica silently behind would lose those
 * writes for good at the next failover.
 */
export function replicasInSync(c: NodeSet): string[] {
  const problems: string[] = [];
  const live = c.addrs.map((a, i) => (c.host.isNode(a) ? i : -1)).filter((i) => i >= 0);
  const byAddress = new Map(live.map((i) => [c.addrs[i], c.node(i)]));
  for (const i of live) {
    const replica = c.node(i);
    const repl = replica.repl;
    if (!repl.isReplica || repl.state !== 'connected') continue;
    const masterAddress = `${repl.masterHost}:${repl.masterPort}`;
    const master = byAddress.get(masterAddress);
    const who = `replica ${c.addrs[i]} (link up) of ${masterAddress}`;
    if (master === undefined) {
      problems.push(`${who}: its master is not running`);
      continue;
    }
    if (master.repl.isReplica) problems.push(`${who}: its master is itself a replica of ${master.repl.masterHost}:${master.repl.masterPort}`);
    if (repl.replId !== master.repl.replId) problems.push(`${who}: replication id ${repl.replId}, its master's ${master.repl.replId}`);
    const offset = repl.replicaOffset();
    const masterOffset = master.repl.isReplica ? master.repl.replicaOffset() : master.repl.masterReplOffset;
    if (offset !== masterOffset) problems.push(`${who}: offset ${offset}, its master's ${masterOffset}`);
    problems.push(...datasetDiff(master, replica).map((d) => `${who}: ${d}`));
  }
  return problems;
}

/**
 * Quiescence, then the check: run the cluster (in steps of 100 ms, nothing else acting on it) until every
 * running replica's link is up and replicasInSync holds, for at most `limitMs`; returns what is still wrong.
 * A replica whose link never comes up is reported too, so a replica cannot pass by staying disconnected.
 */
export function settleReplicas(c: NodeSet, limitMs = 30_000): string[] {
  const end = c.host.nowUs + limitMs * 1000;
  for (;;) {
    const down = c.addrs.filter((a, i) => c.host.isNode(a) && c.node(i).repl.isReplica && c.node(i).repl.state !== 'connected');
    const problems = [...down.map((a) => `replica ${a}: link still down after ${limitMs} ms`), ...replicasInSync(c)];
    if (problems.length === 0 || c.host.nowUs >= end) return problems;
    c.host.runFor(100_000);
  }
}

/** Keys whose presence, value or deadline differ between `master` and `replica` (at most a few named per db). */
export function datasetDiff(master: RedisNode, replica: RedisNode, limit = 5): string[] {
  const out: string[] = [];
  for (let d = 0; d < master.dbs.length; d++) {
    const m = master.dbs[d];
    const r = replica.dbs[d];
    const missing: string[] = [];
    const extra: string[] = [];
    const differ: string[] = [];
    for (const [key, value] of m.keys) {
      const other = r.keys.get(key);
      if (other === undefined) missing.push(key);
      else if (describeValue(value) !== describeValue(other) || String(m.expires.get(key)) !== String(r.expires.get(key))) differ.push(key);
    }
    for (const key of r.keys.keys()) if (!m.keys.has(key)) extra.push(key);
    if (missing.length + extra.length + differ.length === 0) continue;
    const name = (xs: string[]) => xs.slice(0, limit).map((k) => JSON.stringify(k)).join(', ') + (xs.length > limit ? ', ...' : '');
    const parts = [`db${d}: master has ${m.keys.size} keys, replica ${r.keys.size}`];
    if (missing.length > 0) parts.push(`${missing.length} missing on the replica (${name(missing)})`);
    if (extra.length > 0) parts.push(`${extra.length} only on the replica (${name(extra)})`);
    if (differ.length > 0) parts.push(`${differ.length} with other values or deadlines (${name(differ)})`);
    out.push(parts.join('; '));
  }
  return out;
}

/** A value's content, independent of its encoding (a replica may hold the same data in another encoding). */
export function describeValue(o: RedisObject): string {
  switch (o.type) {
    case 'string':
      return `string:${o.value}`;
    case 'list':
      return `list:${JSON.stringify(o.value)}`;
    case 'set':
      return `set:${JSON.stringify([...o.value].sort())}`;
    case 'hash':
      return `hash:${JSON.stringify([...o.value].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)))}`;
    case 'zset':
      return `zset:${JSON.stringify([...o.dict].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)))}`;
  }
}
