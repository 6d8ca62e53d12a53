/**
 * Routing in a two-master simulated cluster, as getNodeByQuery decides it: MOVED to the owner, ASK while a slot
 * migrates and the key is gone, TRYAGAIN for multi-key requests split across the migration, the one-shot ASKING
 * flag on the importing side, and SETSLOT NODE closing the migration (with its config epoch bump spreading).
 */
import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';

const A = '127.0.0.1:7000';
const B = '127.0.0.1:7001';
const FOO_SLOT = 12182;

describe('cluster routing', () => {
  it('MOVED, ASK, TRYAGAIN and ASKING through a slot migration', async () => {
    const host = new SimHost({ seed: 4, link: { latencyUs: 200 }, log: false });
    const nodeA = host.addNode({ address: A, config: { 'cluster-enabled': 'yes', 'cluster-node-timeout': '5000' } });
    const nodeB = host.addNode({ address: B, config: { 'cluster-enabled': 'yes', 'cluster-node-timeout': '5000' } });
    const a = new RespConnection(host.connect('cli-a', A));
    const b = new RespConnection(host.connect('cli-b', B));
    const call = async (c: RespConnection, ...args: string[]): Promise<Reply> => {
      const p = c.call(args);
      expect(host.runUntilCondition(() => c.pending === 0, host.nowUs + 5_000_000)).toBe(true);
      return (await p).reply;
    };
    const err = (message: string): Reply => ({ type: 'error', value: message });
    await call(a, 'CLUSTER', 'ADDSLOTSRANGE', '8192', '16383');
    await call(b, 'CLUSTER', 'ADDSLOTSRANGE', '0', '8191');
    await call(a, 'CLUSTER', 'MEET', '127.0.0.1', '7001');
    expect(host.runUntilCondition(() => nodeA.cluster!.state === 'ok' && nodeB.cluster!.state === 'ok', host.nowUs + 30_000_000)).toBe(true);
    const idA = nodeA.cluster!.myself.id;
    const idB = nodeB.cluster!.myself.id;

    expect(await call(a, 'SET', 'foo', 'bar')).toEqual({ type: 'status', value: 'OK' });
    expect(await call(b, 'GET', 'foo')).toEqual(err(`MOVED ${FOO_SLOT} 127.0.0.1:7000`));
    expect(await call(a, 'SET', 'b', '1')).toEqual(err('MOVED 3300 127.0.0.1:7001'));
    expect(await call(a, 'MSET', 'foo', '1', 'b', '2')).toEqual(err("CROSSSLOT Keys in request don't hash to the same slot"));

    // A starts moving the slot to B.
    expect(await call(b, 'CLUSTER', 'SETSLOT', String(FOO_SLOT), 'IMPORTING', idA)).toEqual({ type: 'status', value: 'OK' });
    expect(await call(a, 'CLUSTER', 'SETSLOT', String(FOO_SLOT), 'MIGRATING', idB)).toEqual({ type: 'status', value: 'OK' });
    // Keys still on A are served there; a missing one is asked of B; a mix of both cannot be served now.
    expect(await call(a, 'GET', 'foo')).toEqual({ type: 'bulk', value: 'bar' });
    expect(await call(a, 'GET', '{foo}x')).toEqual(err(`ASK ${FOO_SLOT} 127.0.0.1:7001`));
    expect(await call(a, 'MGET', 'foo', '{foo}x')).toEqual(err('TRYAGAIN Multiple keys request during rehashing of slot'));
    // B answers for the slot only after ASKING, and only for the next command.
    expect(await call(b, 'GET', '{foo}x')).toEqual(err(`MOVED ${FOO_SLOT} 127.0.0.1:7000`));
    expect(await call(b, 'ASKING')).toEqual({ type: 'status', value: 'OK' });
    expect(await call(b, 'SET', '{foo}x', 'new')).toEqual({ type: 'status', value: 'OK' });
    expect(await call(b, 'GET', '{foo}x')).toEqual(err(`MOVED ${FOO_SLOT} 127.0.0.1:7000`));
    expect(await call(b, 'ASKING')).toEqual({ type: 'status', value: 'OK' });
    expect(await call(b, 'MGET', '{foo}x', 'foo')).toEqual(err('TRYAGAIN Multiple keys request during rehashing of slot'));
    // CLUSTER NODES on each side shows the open slot.
    const nodesA = await call(a, 'CLUSTER', 'NODES');
    expect(nodesA.type === 'bulk' || nodesA.type === 'verbatim' ? nodesA.value : '').toContain(`[${FOO_SLOT}->-${idB}]`);
    const nodesB = await call(b, 'CLUSTER', 'NODES');
    expect(nodesB.type === 'bulk' || nodesB.type === 'verbatim' ? nodesB.value : '').toContain(`[${FOO_SLOT}-<-${idA}]`);

    // A still holds a key, so it cannot give the slot away yet.
    expect(await call(a, 'CLUSTER', 'SETSLOT', String(FOO_SLOT), 'NODE', idB)).toEqual(
      err(`ERR Can't assign hashslot ${FOO_SLOT} to a different node while I still hold keys for this hash slot.`),
    );
    // Move the last key by hand (MIGRATE arrives later), then close the migration on both sides.
    expect(await call(a, 'DEL', 'foo')).toEqual({ type: 'integer', value: 1n });
    expect(await call(b, 'CLUSTER', 'SETSLOT', String(FOO_SLOT), 'NODE', idB)).toEqual({ type: 'status', value: 'OK' });
    expect(await call(a, 'CLUSTER', 'SETSLOT', String(FOO_SLOT), 'NODE', idB)).toEqual({ type: 'status', value: 'OK' });
    // B took the slot with a bumped config epoch; A now redirects for good, and B serves without ASKING.
    expect(nodeB.cluster!.myself.configEpoch).toBeGreaterThan(0);
    expect(await call(a, 'GET', '{foo}x')).toEqual(err(`MOVED ${FOO_SLOT} 127.0.0.1:7001`));
    expect(await call(b, 'GET', '{foo}x')).toEqual({ type: 'bulk', value: 'new' });
    // The new owner's view spreads: after some gossip both agree on every slot.
    host.runFor(3_000_000);
    expect(nodeA.cluster!.slots[FOO_SLOT]?.id).toBe(idB);
    expect(nodeA.cluster!.migratingTo.size).toBe(0);
    expect(nodeB.cluster!.importingFrom.size).toBe(0);
  });
});

describe('cluster events for the UI', () => {
  it('reports bus messages, flag changes, slot assignments and migration states as they happen', () => {
    const host = new SimHost({ seed: 8, log: true });
    const a = host.addNode({ address: A, observeCluster: true, config: { 'cluster-enabled': 'yes', 'cluster-node-timeout': '2000' } });
    const b = host.addNode({ address: B, observeCluster: true, config: { 'cluster-enabled': 'yes', 'cluster-node-timeout': '2000' } });
    const ca = new RespConnection(host.connect('a', A));
    void ca.call(['CLUSTER', 'ADDSLOTSRANGE', '0', '16383']);
    void ca.call(['CLUSTER', 'MEET', '127.0.0.1', '7001']);
    host.runFor(3_000_000);
    void ca.call(['CLUSTER', 'SETSLOT', '5', 'MIGRATING', b.cluster!.myself.id]);
    host.runFor(100_000);
    const events = host.fabric.log.filter((e) => e.kind === 'node').map((e) => (e.kind === 'node' ? e.event : null));
    const types = new Set(events.map((e) => e?.type));
    for (const t of ['bus-sent', 'bus-received', 'node-added', 'node-flags', 'slot-change']) expect(types.has(t as never), t).toBe(true);
    const changes = events.filter((e) => e?.type === 'slot-change') as { change: string; slots: number[] }[];
    expect(changes.map((c) => c.change)).toEqual(['assign', 'migrating']);
    expect(changes[0].slots).toHaveLength(16384);
    expect(a.cluster!.nodes.size).toBe(2);
  });
});

describe('PUBLISH in a cluster', () => {
  it('reaches subscribers on every node over the bus; the reply counts only local receivers', async () => {
    const host = new SimHost({ seed: 12, link: { latencyUs: 300 }, log: false });
    const n0 = host.addNode({ address: A, config: { 'cluster-enabled': 'yes' } });
    const n1 = host.addNode({ address: B, config: { 'cluster-enabled': 'yes' } });
    const a = new RespConnection(host.connect('pub', A));
    const sub = new RespConnection(host.connect('sub', B));
    const messages: Reply[] = [];
    sub.onUnsolicited = (r) => messages.push(r);
    void a.call(['CLUSTER', 'MEET', '127.0.0.1', '7001']);
    expect(host.runUntilCondition(() => n0.cluster!.nodes.size === 2 && n1.cluster!.nodes.size === 2 && [...n0.cluster!.nodes.values()].every((x) => !x.flags.has('handshake')), 10_000_000)).toBe(true);
    host.runFor(500_000);
    void sub.call(['SUBSCRIBE', 'news']);
    host.runFor(10_000);
    let reply: Reply | null = null;
    void a.call(['PUBLISH', 'news', 'hello']).then((r) => (reply = r.reply));
    host.runFor(10_000);
    await Promise.resolve();
    expect(reply).toEqual({ type: 'integer', value: 0n });
    expect(messages).toEqual([{ type: 'array', value: [{ type: 'bulk', value: 'message' }, { type: 'bulk', value: 'news' }, { type: 'bulk', value: 'hello' }] }]);
  });
});
