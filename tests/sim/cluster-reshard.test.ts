/**
 * Resharding under load: 1,000 slots holding their keys move from one master to another (as redis-cli --cluster
 * reshard moves them) while a cluster-aware client keeps writing, following ASK and MOVED. No acknowledged
 * write is lost, and afterwards every node agrees on a single owner for every slot.
 * Size from SIM_RESHARD_KEYS (default 100,000) and SIM_RESHARD_SLOTS (default 1,000).
 */
import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import { ClusterClient } from '../../src/clients/cluster/cluster-client.ts';
import { moveSlot, type ReshardNode } from '../../src/clients/cluster/reshard.ts';
import { keyHashSlot } from '../../src/engine/cluster/slots.ts';
import { createStringObject } from '../../src/engine/keyspace/object.ts';

const KEYS = Number(process.env.SIM_RESHARD_KEYS ?? 100_000);
const SLOTS = Number(process.env.SIM_RESHARD_SLOTS ?? 1_000);
const ADDRS = ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'];
const RANGES: [number, number][] = [[0, 5460], [5461, 10922], [10923, 16383]];

describe('resharding under writes', () => {
  it(`moves ${SLOTS} slots holding ${KEYS} keys while a client writes, losing nothing`, async () => {
    const host = new SimHost({ seed: 21, link: { latencyUs: 150, jitterUs: 50 }, log: false });
    const nodes = ADDRS.map((address) => host.addNode({ address, config: { 'cluster-enabled': 'yes', 'cluster-node-timeout': '15000' } }));
    let n = 0;
    const connect = (address: string) => new RespConnection(host.connect(`prog-${n++}`, address));
    const admin = ADDRS.map(connect);
    RANGES.forEach(([a, b], i) => void admin[i].call(['CLUSTER', 'ADDSLOTSRANGE', String(a), String(b)]));
    void admin[0].call(['CLUSTER', 'MEET', '127.0.0.1', '7001']);
    void admin[0].call(['CLUSTER', 'MEET', '127.0.0.1', '7002']);
    expect(host.runUntilCondition(() => nodes.every((x) => x.cluster!.state === 'ok' && x.cluster!.nodes.size === 3), 60_000_000)).toBe(true);

    // The data set, placed on its owners directly (loading it is not what is tested).
    const expected = new Map<string, string>();
    const moving: number[] = [];
    for (let i = 0; i < KEYS; i++) {
      const key = `key:${i}`;
      const slot = keyHashSlot(key);
      const owner = RANGES.findIndex(([a, b]) => slot >= a && slot <= b);
      nodes[owner].dbs[0].set(key, createStringObject(`v0-${i}`));
      expected.set(key, `v0-${i}`);
      if (slot < SLOTS) moving.push(i);
    }

    // Let client programs run between simulation steps (their promises resolve when replies are delivered).
    let finished = false;
    const sleep = (ms: number) => new Promise<void>((resolve) => host.at(host.nowUs + ms * 1000, resolve));
    const drive = async (done: () => boolean) => {
      while (!done()) {
        host.runFor(2_000);
        await new Promise((r) => setImmediate(r));
      }
    };

    const client = new ClusterClient({ connect, sleep, seeds: [ADDRS[0]] });
    const writer = (async () => {
      await client.refreshSlots();
      let round = 0;
      while (!finished) {
        round++;
        // Mostly keys in the slots being moved, so writes meet every stage of a migration.
        for (let j = 0; j < 20; j++) {
          const i = j < 16 && moving.length > 0 ? moving[(round * 31 + j * 7) % moving.length] : (round * 7919 + j * 104729) % KEYS;
          const key = `key:${i}`;
          const value = `v${round}-${i}`;
          const r = await client.call(['SET', key, value]);
          expect(r, `SET ${key}`).toEqual({ type: 'status', value: 'OK' });
          expected.set(key, value);
        }
      }
    })();

    const reshard = (async () => {
      const ids = nodes.map((x) => x.cluster!.myself.id);
      const view = ADDRS.map((address, i): ReshardNode => ({ address, id: ids[i], conn: admin[i] }));
      let movedKeys = 0;
      for (let slot = 0; slot < SLOTS; slot++) movedKeys += await moveSlot(view[0], view[1], [view[2]], slot);
      finished = true;
      return movedKeys;
    })();

    let movedKeys = -1;
    let writerDone = false;
    void reshard.then((m) => (movedKeys = m));
    void writer.then(() => (writerDone = true));
    await drive(() => movedKeys >= 0 && writerDone);
    await writer;
    if (process.env.SHOW_RESHARD) console.log(`moved ${movedKeys} keys in ${host.nowUs / 1e6} virtual s; client ${JSON.stringify(client.stats)}`);
    expect(movedKeys).toBeGreaterThanOrEqual(Math.floor((KEYS * SLOTS) / 16384 / 2));

    // Views converge: one owner per slot everywhere, and slots 0..SLOTS-1 now belong to node 1.
    host.runFor(5_000_000);
    for (const x of nodes) {
      for (let s = 0; s < 16384; s++) expect(x.cluster!.slots[s]?.id, `slot ${s}`).toBe(nodes[0].cluster!.slots[s]?.id);
      expect(x.cluster!.migratingTo.size + x.cluster!.importingFrom.size).toBe(0);
    }
    expect(nodes[0].cluster!.slots[0]?.id).toBe(nodes[1].cluster!.myself.id);
    expect(nodes.reduce((t, x) => t + x.dbs[0].size, 0)).toBe(KEYS);

    // Every key reads back its last acknowledged value through the client.
    const reader = new ClusterClient({ connect, sleep, seeds: [ADDRS[2]] });
    let checked = false;
    const check = (async () => {
      await reader.refreshSlots();
      for (let i = 0; i < KEYS; i += 13) {
        const key = `key:${i}`;
        expect(await reader.call(['GET', key]), key).toEqual({ type: 'bulk', value: expected.get(key) });
      }
      checked = true;
    })();
    await drive(() => checked);
    await check;
    expect(client.stats.ask + client.stats.moved).toBeGreaterThan(0);
  }, 120_000);
});
