/**
 * A master cut off with a minority: it keeps acknowledging writes until, one node timeout later, it sees the
 * other masters unreachable and refuses them (CLUSTERDOWN); meanwhile the majority promotes its replica. When
 * the partition heals, the old master learns the newer configuration, becomes a replica of its replacement and
 * resynchronises from scratch: every write it acknowledged after the take-over is gone. The engine reports
 * those writes (repl-diverged + repl-discarded); the count must equal what the writing client's own history
 * shows (acknowledged keys missing on the new master). Seeds from SIM_PARTITION_SEEDS (default 10).
 */
import { describe, expect, it } from 'vitest';
import { buildCluster } from './cluster-fixture.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import { keyHashSlot } from '../../src/engine/cluster/slots.ts';
import { lostWrites } from '../../src/engine/replication/lost-writes.ts';
import type { EngineEvent } from '../../src/engine/server/events.ts';

const SEEDS = Number(process.env.SIM_PARTITION_SEEDS ?? 10);
const T = 5000;

/** Keys that hash to master 0's slots (0-5460). */
function keyFor(i: number): string {
  for (let salt = 0; ; salt++) {
    const k = `key:${i}:${salt}`;
    if (keyHashSlot(k) <= 5460) return k;
  }
}

describe('cluster partition', () => {
  it(`a minority master refuses writes after the node timeout, and its writes are discarded on heal (${SEEDS} seeds)`, async () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const c = buildCluster(seed, T, true);
      const m0 = c.addrs[0];
      const heirId = c.node(3).cluster!.myself.id;
      const writer = new RespConnection(c.host.connect('writer', m0));
      const acked: string[] = [];
      let firstRefusalUs: number | null = null;
      const cutAt = c.host.nowUs;
      c.host.fabric.network.partition([[m0, 'writer'], c.addrs.slice(1)], cutAt);
      // Write for two node timeouts, one SET every 10 ms.
      for (let i = 0; i < (2 * T) / 10; i++) {
        const key = keyFor(i);
        writer.call(['SET', key, String(i)]).then((r) => {
          if (r.reply.type === 'status') acked.push(key);
          else if (r.reply.type === 'error' && r.reply.value.startsWith('CLUSTERDOWN') && firstRefusalUs === null) firstRefusalUs = c.host.nowUs;
        });
        c.host.runFor(10_000);
        // Let the reply callbacks run now, so a refusal is stamped with the time it arrived.
        await new Promise((r) => setImmediate(r));
      }
      await new Promise((r) => setTimeout(r, 0));
      expect(firstRefusalUs, `seed=${seed}: the minority master never refused a write`).not.toBeNull();
      const refusedAfterMs = (firstRefusalUs! - cutAt) / 1000;
      // PFAIL of the other masters needs T without a PONG; the ping that starts the clock leaves within T/2.
      expect(refusedAfterMs, `seed=${seed}`).toBeGreaterThanOrEqual(T);
      expect(refusedAfterMs, `seed=${seed}`).toBeLessThanOrEqual(1.5 * T + 500);
      // The majority promoted node 3 meanwhile.
      expect(c.node(3).cluster!.myself.isMaster, `seed=${seed}`).toBe(true);
      c.host.fabric.network.heal(c.host.nowUs);
      const rejoined = () => {
        const me = c.node(0).cluster!.myself;
        return me.flags.has('slave') && me.replicaOf?.id === heirId && c.node(0).repl.state === 'connected';
      };
      expect(c.host.runUntilCondition(rejoined, c.host.nowUs + 60_000_000), `seed=${seed}: old master did not rejoin as a replica`).toBe(true);
      // The client's view: acknowledged writes that the new master does not have.
      const newMaster = c.node(3).dbs[0];
      const lostByClient = acked.filter((k) => !newMaster.keys.has(k));
      const events = c.host.fabric.log.flatMap((e) => (e.kind === 'node' ? [e.event as EngineEvent] : []));
      const lostByEngine = lostWrites(events);
      expect(lostByClient.length, `seed=${seed}`).toBeGreaterThan(0);
      expect(lostByEngine.length, `seed=${seed}`).toBe(lostByClient.length);
      expect(new Set(lostByEngine.map((w) => w.key)), `seed=${seed}`).toEqual(new Set(lostByClient));
      // And the old master, now a replica, has exactly the new master's data.
      expect(c.node(0).dbs[0].size, `seed=${seed}`).toBe(newMaster.size);
    }
  });
});
