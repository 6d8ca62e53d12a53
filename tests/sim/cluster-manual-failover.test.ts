/**
 * CLUSTER FAILOVER on a replica, in its three modes. The default one is the safe switch-over a teacher shows:
 * the master stops writes, the replica catches up to the master's offset, wins an election (masters vote even
 * though the master is not failing: FORCEACK), takes the slots, and the old master follows it as a replica, so
 * no acknowledged write is lost. FORCE skips the master (it may be unreachable) but still needs the votes;
 * TAKEOVER needs nobody: the replica bumps its epoch alone.
 */
import { describe, expect, it } from 'vitest';
import { buildCluster } from './cluster-fixture.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import { keyHashSlot } from '../../src/engine/cluster/slots.ts';

function keyFor(i: number): string {
  for (let salt = 0; ; salt++) {
    const k = `mf:${i}:${salt}`;
    if (keyHashSlot(k) <= 5460) return k;
  }
}

describe('manual failover', () => {
  it('CLUSTER FAILOVER switches roles while a client writes, and loses nothing acknowledged', async () => {
    const c = buildCluster(7, 5000);
    const writer = new RespConnection(c.host.connect('writer', c.addrs[0]));
    const admin = new RespConnection(c.host.connect('mf-admin', c.addrs[3]));
    const acked: string[] = [];
    let started = false;
    for (let i = 0; i < 300; i++) {
      const key = keyFor(i);
      writer.call(['SET', key, String(i)]).then((r) => {
        if (r.reply.type === 'status') acked.push(key);
      });
      if (i === 100) {
        admin.call(['CLUSTER', 'FAILOVER']).then((r) => {
          expect(r.reply).toEqual({ type: 'status', value: 'OK' });
          started = true;
        });
      }
      c.host.runFor(10_000);
      await new Promise((r) => setImmediate(r));
    }
    c.host.runFor(2_000_000);
    expect(started).toBe(true);
    const oldMaster = c.node(0).cluster!.myself;
    const newMaster = c.node(3).cluster!.myself;
    expect(newMaster.isMaster).toBe(true);
    expect(newMaster.numSlots).toBe(5461);
    expect(oldMaster.flags.has('slave')).toBe(true);
    expect(oldMaster.replicaOf?.id).toBe(newMaster.id);
    // Writes made during the pause waited and then got MOVED (not acknowledged); every acknowledged one survived.
    const data = c.node(3).dbs[0];
    expect(acked.length).toBeGreaterThan(100);
    expect(acked.filter((k) => !data.keys.has(k))).toEqual([]);
    // Every node agrees on the new owner.
    for (let i = 0; i < 6; i++) expect(c.node(i).cluster!.slots[0]?.id).toBe(newMaster.id);
  });

  it('FORCE elects without the master; TAKEOVER needs no vote at all', async () => {
    for (const mode of ['FORCE', 'TAKEOVER']) {
      const c = buildCluster(8, 5000);
      // Cut the master off from everyone: the default mode could not work, these can.
      c.host.fabric.network.partition([[c.addrs[1]], c.addrs.filter((_, i) => i !== 1)], c.host.nowUs);
      const admin = new RespConnection(c.host.connect(`admin-${mode}`, c.addrs[4]));
      const p = admin.call(['CLUSTER', 'FAILOVER', mode]);
      c.host.runUntilCondition(() => admin.pending === 0, c.host.nowUs + 1_000_000);
      expect((await p).reply).toEqual({ type: 'status', value: 'OK' });
      const done = () => [0, 2, 3, 4, 5].every((i) => c.node(i).cluster!.slots[6000]?.id === c.node(4).cluster!.myself.id);
      expect(c.host.runUntilCondition(done, c.host.nowUs + 5_000_000), mode).toBe(true);
      expect(c.node(4).cluster!.myself.configEpoch, mode).toBeGreaterThan(6);
    }
  });
});
