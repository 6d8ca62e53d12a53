/**
 * A simulated 3-master/3-replica cluster built as redis-cli --cluster create builds one (slots in three
 * ranges, distinct config epochs, MEET from the first node, CLUSTER REPLICATE), returned once every node is ok
 * and every replica has finished its first sync. Shared by the failover simulations and the timing comparison
 * with a real cluster.
 */
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { RedisNode } from '../../src/engine/server/node.ts';
import { allocateSlots } from '../../src/scenarios/build.ts';

const T = 15_000;

export interface Cluster {
  host: SimHost;
  addrs: string[];
  node(i: number): RedisNode;
}

const addrOf = (i: number) => `127.0.0.1:${7000 + i}`;

/** Build 3 masters (0-2) and their replicas (3-5) and wait until it is ready. */
export function buildCluster(seed: number, timeoutMs = T, log = false): Cluster {
  const host = new SimHost({ seed, link: { latencyUs: 200, jitterUs: 100 }, log });
  const addrs = Array.from({ length: 6 }, (_, i) => addrOf(i));
  // Processes start one after another, as a shell loop starts them: their cron timers tick at different phases
  // (nodes all started in the same microsecond would ping each other in lockstep, which no real cluster does).
  let phase = seed * 7919;
  const startOffsetUs = () => (phase = (phase * 1103515245 + 12345) % 2147483648) % 100_000;
  for (const address of addrs) {
    host.addNode({ address, startUs: host.nowUs + startOffsetUs(), observeCluster: log, config: { 'cluster-enabled': 'yes', 'cluster-node-timeout': String(timeoutMs) } });
  }
  const conns = addrs.map((a, i) => new RespConnection(host.connect(`admin-${i}`, a)));
  const node = (i: number) => host.node(addrs[i]);
  const per = allocateSlots(3);
  for (let i = 0; i < 3; i++) void conns[i].call(['CLUSTER', 'ADDSLOTSRANGE', String(per[i][0]), String(per[i][1])]);
  for (let i = 0; i < 6; i++) void conns[i].call(['CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1)]);
  // As redis-cli does, wait for those replies before the MEETs (SET-CONFIG-EPOCH only works on a node that
  // knows nobody yet).
  host.runUntilCondition(() => conns.every((c) => c.pending === 0), host.nowUs + 10_000_000);
  for (let i = 1; i < 6; i++) void conns[0].call(['CLUSTER', 'MEET', '127.0.0.1', String(7000 + i)]);
  const knowsAll = () => addrs.every((_, i) => [...node(i).cluster!.nodes.values()].filter((n) => !n.flags.has('handshake')).length === 6);
  if (!host.runUntilCondition(knowsAll, host.nowUs + 60_000_000)) throw new Error(`seed=${seed}: nodes did not meet`);
  for (let i = 3; i < 6; i++) void conns[i].call(['CLUSTER', 'REPLICATE', node(i - 3).cluster!.myself.id]);
  const ready = () =>
    addrs.every((_, i) => {
      const view = node(i).cluster!;
      if (view.state !== 'ok') return false;
      for (let r = 3; r < 6; r++) if (view.nodes.get(node(r).cluster!.myself.id)?.replicaOf?.id !== node(r - 3).cluster!.myself.id) return false;
      return i < 3 || node(i).repl.state === 'connected';
    });
  if (!host.runUntilCondition(ready, host.nowUs + 120_000_000)) throw new Error(`seed=${seed}: cluster not ready`);
  return { host, addrs, node };
}


/**
 * Kill master `victim` and run until every survivor is ok again and sees its replica as the master of its
 * slots; returns the milliseconds that took, or null past `limitMs`.
 */
export function killAndHeal(c: Cluster, victim: number, limitMs = 120_000): number | null {
  const heir = victim + 3;
  const heirId = c.node(heir).cluster!.myself.id;
  const t0 = c.host.nowUs;
  c.host.kill(c.addrs[victim]);
  const alive = [0, 1, 2, 3, 4, 5].filter((i) => i !== victim);
  const healed = () =>
    alive.every((i) => {
      const view = c.node(i).cluster!;
      const h = view.nodes.get(heirId);
      return view.state === 'ok' && h !== undefined && h.isMaster && h.numSlots > 0;
    });
  if (!c.host.runUntilCondition(healed, t0 + limitMs * 1000)) return null;
  return (c.host.nowUs - t0) / 1000;
}
