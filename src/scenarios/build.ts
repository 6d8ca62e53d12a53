/**
 * The one builder that turns a scenario into nodes: which addresses, which configuration, and for a formed
 * cluster the nodes.conf each node starts from. Used by the lab's session (Web Workers), the tests and
 * benchmarks (SimHost), and `npm run cluster` (real processes).
 *
 * A formed cluster starts as a cluster that `redis-cli --cluster create` built and that was then restarted:
 * every node finds its nodes.conf (same ids, slots, epochs and replica links the tool would have set up),
 * reconnects its bus links, and replicas sync from their masters. That takes about two virtual seconds (a
 * restarted master waits CLUSTER_WRITABLE_DELAY before it calls the cluster ok) instead of the ten or so that
 * MEET, gossip and the first syncs take, so the lab opens on a healthy cluster. The lesson on building a cluster
 * starts from `formed: false` and does every step.
 */
import { Prng } from '../engine/random/prng.ts';
import type { NodeSpec } from '../hosts/network/base-host.ts';
import type { Scenario, Topology } from './scenario.ts';

export const CLUSTER_SLOTS = 16384;

export interface PlannedNode {
  address: string;
  port: number;
  role: 'master' | 'replica' | 'empty' | 'standalone';
  /** For a replica: its master's index in the plan. */
  masterIndex: number | null;
  /** For a master of a formed cluster: its slots [from, to]. */
  slots: [number, number] | null;
  /** The node id a formed cluster's nodes.conf gives it (40 hex digits); null when the node makes its own. */
  id: string | null;
}

export function addressOf(port: number): string {
  return `127.0.0.1:${port}`;
}

/**
 * redis-cli --cluster create's slot allocation: each master gets 16384/masters slots, the range ending at the
 * rounded running total, the last master taking the rest.
 */
export function allocateSlots(masters: number): [number, number][] {
  const per = CLUSTER_SLOTS / masters;
  const out: [number, number][] = [];
  let first = 0;
  let cursor = 0;
  for (let i = 0; i < masters; i++) {
    let last = Math.round(cursor + per - 1);
    if (last > CLUSTER_SLOTS || i === masters - 1) last = CLUSTER_SLOTS - 1;
    if (last < first) last = first;
    out.push([first, last]);
    first = last + 1;
    cursor += per;
  }
  return out;
}

/** Every node of the topology, masters first, then replicas (master i's replicas in turn), then empty nodes. */
export function planNodes(topology: Topology, seed: number): PlannedNode[] {
  if (topology.kind === 'standalone') {
    return Array.from({ length: topology.instances }, (_, i) => {
      const port = topology.basePort + i;
      return { address: addressOf(port), port, role: 'standalone', masterIndex: null, slots: null, id: null };
    });
  }
  const ids = new Prng(`scenario:${seed}:node-ids`);
  const plan: PlannedNode[] = [];
  let port = topology.basePort;
  const slots = allocateSlots(topology.masters);
  for (let m = 0; m < topology.masters; m++) {
    plan.push({ address: addressOf(port), port: port++, role: 'master', masterIndex: null, slots: slots[m], id: null });
  }
  for (let r = 0; r < topology.replicasPerMaster; r++) {
    for (let m = 0; m < topology.masters; m++) {
      plan.push({ address: addressOf(port), port: port++, role: 'replica', masterIndex: m, slots: null, id: null });
    }
  }
  for (let e = 0; e < topology.emptyNodes; e++) {
    plan.push({ address: addressOf(port), port: port++, role: 'empty', masterIndex: null, slots: null, id: null });
  }
  if (topology.formed) for (const n of plan) if (n.role !== 'empty') n.id = ids.hex(40);
  return plan;
}

/**
 * The nodes.conf `node` starts with in a formed cluster: every member of the cluster as the others know it,
 * links not yet connected, config epochs 1..N in creation order as redis-cli's SET-CONFIG-EPOCH gives them.
 */
export function nodesConfFor(plan: readonly PlannedNode[], node: PlannedNode): string {
  const members = plan.filter((n) => n.id !== null);
  const lines = members.map((n, i) => {
    const flags = [n === node ? 'myself' : '', n.role === 'master' ? 'master' : 'slave'].filter(Boolean).join(',');
    const master = n.masterIndex === null ? '-' : plan[n.masterIndex].id;
    const slots = n.slots === null ? '' : ` ${n.slots[0]}-${n.slots[1]}`;
    return `${n.id} ${n.address}@${n.port + 10000} ${flags} ${master} 0 0 ${i + 1} connected${slots}`;
  });
  lines.push(`vars currentEpoch ${members.length} lastVoteEpoch 0`);
  return `${lines.join('\n')}\n`;
}

export interface SpecOptions {
  /** Observe what the screen shows (bus messages, flags, views). */
  observe?: boolean;
}

/** Node specs for a host, in the plan's order. */
export function nodeSpecs(scenario: Scenario, opts: SpecOptions = {}): NodeSpec[] {
  const plan = planNodes(scenario.topology, scenario.seed);
  const cluster = scenario.topology.kind === 'cluster';
  return plan.map((n) => {
    const spec: NodeSpec = {
      address: n.address,
      config: { ...scenario.config, ...(cluster ? { 'cluster-enabled': 'yes' } : {}) },
    };
    if (n.id !== null) spec.clusterConfig = nodesConfFor(plan, n);
    if (opts.observe) {
      spec.observeCluster = true;
      spec.observeViews = true;
    }
    return spec;
  });
}

/** The next port after the topology's nodes and those added since. */
export function nextFreePort(scenario: Scenario, taken: Iterable<string>): number {
  let port = scenario.topology.basePort;
  const used = new Set(taken);
  while (used.has(addressOf(port))) port++;
  return port;
}
