/**
 * SimHost running a cluster that only gossips: N cluster-enabled nodes joined with CLUSTER MEET (node 0 meets
 * all, after giving each a distinct config epoch, as redis-cli --cluster create does), slots spread evenly, node
 * timeout 15 s. After the views converge,
 * how many virtual seconds the simulation covers per wall-clock second. Sizes from BENCH_CLUSTER_SIZES
 * (default "10,100"; add 1000 for the big run).
 */
import { allocateSlots } from '../src/scenarios/build.ts';
import { SimHost } from '../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../src/clients/protocol/resp-connection.ts';
import type { BenchRow } from './run.ts';

function idleRate(n: number): { rate: number; low: number; high: number; convergeVirtualS: number; convergeRealS: number } {
  const host = new SimHost({ seed: 1, link: { latencyUs: 200, jitterUs: 100 }, log: false });
  const addrs = Array.from({ length: n }, (_, i) => `127.0.0.1:${10000 + i}`);
  const nodes = addrs.map((address) => host.addNode({ address, config: { 'cluster-enabled': 'yes', 'cluster-node-timeout': '15000' } }));
  // As redis-cli --cluster create does: a distinct config epoch per node before the MEETs, so the measured
  // steady state is gossip, not hundreds of nodes resolving epoch collisions one pair at a time.
  addrs.forEach((a, i) => void new RespConnection(host.connect(`epoch-${i}`, a)).call(['CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1)]));
  host.runFor(10_000);
  const admin = new RespConnection(host.connect('admin', addrs[0]));
  for (let i = 1; i < n; i++) void admin.call(['CLUSTER', 'MEET', '127.0.0.1', String(10000 + i)]);
  const ranges = allocateSlots(n);
  addrs.forEach((a, i) => {
    const c = new RespConnection(host.connect(`slots-${i}`, a));
    void c.call(['CLUSTER', 'ADDSLOTSRANGE', String(ranges[i][0]), String(ranges[i][1])]);
  });
  const ids = nodes.map((node) => node.cluster!.myself.id);
  const converged = () => nodes.every((node) => node.cluster!.nodes.size === n && ids.every((id) => !node.cluster!.nodes.get(id)?.flags.has('handshake')));
  const t0 = performance.now();
  host.runUntilCondition(converged, 3_600_000_000);
  const convergeRealS = (performance.now() - t0) / 1000;
  const convergeVirtualS = host.nowUs / 1e6;
  // Idling means after the start-up traffic: the handshakes leave every node's PONG times bunched together, so
  // the first minute carries about a third more pings than the steady state. Skip it, then measure.
  host.runFor(n >= 1000 ? 10_000_000 : 60_000_000);
  // Five windows; the median, since this 2-core machine's rate swings between windows and between processes
  // (V8's background compiler and GC threads compete with the simulation for the cores).
  const span = n >= 1000 ? 2_000_000 : 10_000_000;
  const rates: number[] = [];
  for (let w = 0; w < 5; w++) {
    const t1 = performance.now();
    host.runFor(span);
    rates.push(span / 1e6 / ((performance.now() - t1) / 1000));
  }
  rates.sort((a, b) => a - b);
  return { rate: rates[2], low: rates[0], high: rates[4], convergeVirtualS, convergeRealS };
}

export function benchClusterSim(): BenchRow[] {
  const sizes = (process.env.BENCH_CLUSTER_SIZES ?? '10,100').split(',').map(Number);
  const rows: BenchRow[] = [];
  for (const n of sizes) {
    const r = idleRate(n);
    const target = n <= 100 ? 'target >= 50 for 100 nodes' : 'target >= 0.5 for 1000 nodes';
    rows.push({ name: `SimHost, ${n}-node cluster gossiping (median of 5)`, value: r.rate, unit: 'virtual s / real s', note: `${target}; windows ${r.low.toFixed(r.high < 10 ? 2 : 0)} to ${r.high.toFixed(r.high < 10 ? 2 : 0)}` });
    rows.push({ name: `SimHost, ${n}-node cluster: views converged`, value: r.convergeVirtualS, unit: 'virtual s', note: `${r.convergeRealS.toFixed(1)} real s` });
  }
  return rows;
}
