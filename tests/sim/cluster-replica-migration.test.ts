/**
 * Replica migration (clusterHandleSlaveMigration): a master left without a working replica gets one from a
 * master that has replicas to spare, after CLUSTER_SLAVE_MIGRATION_DELAY (5 s), and only one replica moves: the
 * one with the smallest node id among the replicas of the best-served masters. cluster-migration-barrier is how
 * many working replicas the donor must keep; cluster-allow-replica-migration no turns it off.
 * SIM_MIGRATION_SEEDS (default 5) seeds per scenario.
 */
import { describe, expect, it } from 'vitest';
import { buildCluster, type Cluster } from './cluster-fixture.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';

const SEEDS = Number(process.env.SIM_MIGRATION_SEEDS ?? 5);
const T = 2000;
const EXTRA = '127.0.0.1:7006';

/** A seventh node joins as a second replica of master 0; returns it once it has synced. */
function addSecondReplica(c: Cluster, seed: number, config: Record<string, string> = {}): void {
  c.host.addNode({ address: EXTRA, startUs: c.host.nowUs, config: { 'cluster-enabled': 'yes', 'cluster-node-timeout': String(T), ...config } });
  const conn = new RespConnection(c.host.connect('extra-admin', EXTRA));
  void conn.call(['CLUSTER', 'MEET', '127.0.0.1', '7000']);
  const everyoneKnows = () => [...c.addrs, EXTRA].every((a) => c.host.node(a).cluster!.nodes.size === 7);
  expect(c.host.runUntilCondition(everyoneKnows, c.host.nowUs + 30_000_000), `reproduce with seed=${seed}`).toBe(true);
  void conn.call(['CLUSTER', 'REPLICATE', c.node(0).cluster!.myself.id]);
  const synced = () => c.host.node(EXTRA).repl.state === 'connected' && c.addrs.every((a) => c.host.node(a).cluster!.myself.id && c.host.node(a).cluster!.nodes.get(c.host.node(EXTRA).cluster!.myself.id)?.replicaOf?.id === c.node(0).cluster!.myself.id);
  expect(c.host.runUntilCondition(synced, c.host.nowUs + 30_000_000), `reproduce with seed=${seed}`).toBe(true);
}

/** Which master each live replica follows, in node 1's view (a healthy cluster agrees). */
function masterOf(c: Cluster, address: string): string | undefined {
  return c.host.node(address).cluster!.myself.replicaOf?.id;
}

function migrations(c: Cluster, since: number): string[] {
  return c.host.fabric.log
    .slice(since)
    .filter((e) => e.kind === 'node' && e.event.type === 'log' && e.event.text.startsWith('Migrating to orphaned master'))
    .map((e) => (e.kind === 'node' ? e.node : ''));
}

describe('replica migration', () => {
  it(`the orphaned master gets exactly one replica, the smallest-id one of the master with two (${SEEDS} seeds)`, () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const c = buildCluster(seed, T, true);
      addSecondReplica(c, seed);
      const donorReplicas = [c.addrs[3], EXTRA];
      const expected = donorReplicas.reduce((a, b) => (c.host.node(a).cluster!.myself.id < c.host.node(b).cluster!.myself.id ? a : b));
      const orphan = c.node(1).cluster!.myself.id;
      const since = c.host.fabric.log.length;
      const killAt = c.host.nowUs;
      // Master 1's only replica dies: master 1 is orphaned once the others flag that replica FAIL.
      c.host.kill(c.addrs[4]);
      const moved = () => masterOf(c, expected) === orphan;
      expect(c.host.runUntilCondition(moved, killAt + 30_000_000), `reproduce with seed=${seed}`).toBe(true);
      const tookMs = (c.host.nowUs - killAt) / 1000;
      // FAIL needs the node timeout plus gossip; then the orphan must stay orphaned for 5 s.
      expect(tookMs, `reproduce with seed=${seed}`).toBeGreaterThan(T + 5000);
      expect(tookMs, `reproduce with seed=${seed}`).toBeLessThan(T * 2 + 5000 + 2000);
      c.host.runFor(10_000_000);
      expect(migrations(c, since), `reproduce with seed=${seed}`).toEqual([expected]);
      const other = donorReplicas.find((a) => a !== expected)!;
      expect(masterOf(c, other)).toBe(c.node(0).cluster!.myself.id);
      // The migrated replica synced from its new master, and every live node agrees on the new shape.
      expect(c.host.node(expected).repl.state).toBe('connected');
      const movedId = c.host.node(expected).cluster!.myself.id;
      for (const a of [0, 1, 2, 3, 5].map((i) => c.addrs[i]).concat(EXTRA)) {
        expect(c.host.node(a).cluster!.nodes.get(movedId)?.replicaOf?.id, `${a}: reproduce with seed=${seed}`).toBe(orphan);
      }
    }
  });

  it('after a failover, the new master (which had no replica of its own) gets one', () => {
    const c = buildCluster(11, T, true);
    addSecondReplica(c, 11);
    const since = c.host.fabric.log.length;
    const heir = c.node(4).cluster!.myself.id;
    c.host.kill(c.addrs[1]);
    const healed = () => c.node(4).cluster!.myself.isMaster && c.node(0).cluster!.state === 'ok';
    expect(c.host.runUntilCondition(healed, c.host.nowUs + 30_000_000)).toBe(true);
    c.host.runFor(15_000_000);
    const moved = migrations(c, since);
    expect(moved).toHaveLength(1);
    expect(masterOf(c, moved[0])).toBe(heir);
  });

  it('no migration while the donor would fall to the barrier, nor with cluster-allow-replica-migration no', () => {
    const configs: Record<string, string>[] = [{ 'cluster-migration-barrier': '2' }, { 'cluster-allow-replica-migration': 'no' }];
    for (const config of configs) {
      const c = buildCluster(3, T, true);
      addSecondReplica(c, 3, config);
      for (const a of c.addrs) c.host.node(a).config.set(Object.keys(config)[0], Object.values(config)[0]);
      const since = c.host.fabric.log.length;
      c.host.kill(c.addrs[4]);
      c.host.runFor(20_000_000);
      expect(migrations(c, since), JSON.stringify(config)).toEqual([]);
      expect(masterOf(c, c.addrs[3])).toBe(c.node(0).cluster!.myself.id);
      expect(masterOf(c, EXTRA)).toBe(c.node(0).cluster!.myself.id);
    }
  });
});
