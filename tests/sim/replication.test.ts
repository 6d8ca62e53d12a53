/**
 * Replication in simulation: a replica's handshake, full resync and the asynchronous stream; the data on the
 * replica equals the master's after a mixed workload; WAIT counts acknowledgements; a replica that loses its
 * link continues partially from the backlog. Seeds from SIM_REPL_SEEDS (default 5).
 */
import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';
import type { RedisNode } from '../../src/engine/server/node.ts';

const SEEDS = Number(process.env.SIM_REPL_SEEDS ?? 5);
const MASTER = '127.0.0.1:6379';
const REPLICA = '127.0.0.1:6380';

function setup(seed: number, config: Record<string, string> = {}) {
  const host = new SimHost({ seed, link: { latencyUs: 200, jitterUs: 50 }, log: false });
  const master = host.addNode({ address: MASTER, config });
  const replica = host.addNode({ address: REPLICA, config });
  const m = new RespConnection(host.connect('cli-m', MASTER));
  const r = new RespConnection(host.connect('cli-r', REPLICA));
  const call = async (conn: RespConnection, ...args: string[]): Promise<Reply> => {
    const p = conn.call(args);
    host.runUntilCondition(() => conn.pending === 0, host.nowUs + 30_000_000);
    return (await p).reply;
  };
  return { host, master, replica, m, r, call };
}

function text(r: Reply): string {
  if (r.type === 'bulk' || r.type === 'status' || r.type === 'error') return r.value;
  if (r.type === 'integer') return String(r.value);
  return JSON.stringify(r);
}

function infoField(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)\\r$`, 'm').exec(info)?.[1];
}

/** Every key of every database with its type, value and deadline, for comparing two nodes' data. */
function dataOf(node: RedisNode): string {
  const out: string[] = [];
  for (const db of node.dbs) {
    for (const [k, o] of [...db.keys].sort(([a], [b]) => (a < b ? -1 : 1))) {
      let v: unknown;
      if (o.type === 'zset') v = [...o.dict].sort();
      else if (o.value instanceof Map) v = [...o.value].sort();
      else if (o.value instanceof Set) v = [...o.value].sort();
      else v = o.value;
      out.push(`${db.id} ${k} ${o.type} ${JSON.stringify(v)} ${db.getExpire(k) ?? ''}`);
    }
  }
  return out.join('\n');
}

describe('replication', () => {
  it('REPLICAOF: handshake, diskless full resync after repl-diskless-sync-delay, then the stream', async () => {
    const { host, master, replica, m, r, call } = setup(1);
    await call(m, 'SET', 'before', '1');
    expect(text(await call(r, 'REPLICAOF', '127.0.0.1', '6379'))).toBe('OK');
    // Handshake done, waiting for the snapshot: the master delays the fork 5 s for more replicas to join.
    host.runFor(1_000_000);
    const role = await call(r, 'ROLE');
    expect(role.type === 'array' && text(role.value[3])).toBe('handshake');
    host.runFor(6_000_000);
    const info = text(await call(r, 'INFO', 'replication'));
    expect(infoField(info, 'role')).toBe('slave');
    expect(infoField(info, 'master_link_status')).toBe('up');
    expect(text(await call(r, 'GET', 'before'))).toBe('1');
    await call(m, 'SET', 'after', '2');
    host.runFor(100_000);
    expect(text(await call(r, 'GET', 'after'))).toBe('2');
    expect(text(await call(r, 'SET', 'x', '1'))).toBe("READONLY You can't write against a read only replica.");
    const minfo = text(await call(m, 'INFO', 'replication'));
    expect(infoField(minfo, 'connected_slaves')).toBe('1');
    expect(infoField(minfo, 'slave0')).toMatch(/^ip=127\.0\.0\.1,port=6380,state=online,offset=\d+,lag=\d$/);
    expect(infoField(minfo, 'master_replid')).toBe(infoField(info, 'master_replid'));
    expect(master.repl.masterReplOffset).toBe(replica.repl.masterReploff);
  });

  it(`a mixed workload leaves the replica with the master's data (${SEEDS} seeds)`, async () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { host, master, replica, m, r, call } = setup(seed, { 'repl-diskless-sync-delay': '0' });
      await call(r, 'REPLICAOF', '127.0.0.1', '6379');
      host.runFor(2_000_000);
      const rng = (n: number) => Math.floor(((seed * 7919 + n * 104729) % 1000003) / 1000003 * 50);
      for (let i = 0; i < 300; i++) {
        const k = `k${rng(i)}`;
        const ops: string[][] = [
          ['SET', k, String(i), 'EX', '100'],
          ['INCRBYFLOAT', `f${rng(i)}`, '0.1'],
          ['SADD', `s${rng(i) % 5}`, String(i)],
          ['SPOP', `s${rng(i) % 5}`],
          ['HINCRBYFLOAT', 'h', `f${rng(i) % 7}`, '1.5'],
          ['LPUSH', `l${rng(i) % 3}`, String(i)],
          ['RPOP', `l${rng(i) % 3}`],
          ['ZADD', 'z', String(i % 17), `m${rng(i)}`],
          ['EXPIRE', `k${rng(i + 1)}`, '50'],
          ['DEL', `k${rng(i + 2)}`],
          ['PEXPIRE', `k${rng(i + 3)}`, '1'],
        ];
        void m.call(ops[i % ops.length]);
        if (i % 50 === 0) void m.call(['MULTI']), void m.call(['INCR', 'ctr']), void m.call(['SELECT', '3']), void m.call(['SET', 'in3', String(i)]), void m.call(['EXEC']), void m.call(['SELECT', '0']);
        host.runFor(1_000);
      }
      host.runFor(3_000_000);
      // Keys that expired on the master reach the replica as DELs (active expiry or lazy on access).
      expect(dataOf(replica), `reproduce with seed=${seed}`).toBe(dataOf(master));
      expect(replica.repl.masterReploff, `seed=${seed}`).toBe(master.repl.masterReplOffset);
    }
  });

  it('the master reports each REPLCONF ACK (repl-ack): offsets that only grow, a lag that returns to zero', async () => {
    const host = new SimHost({ seed: 4, link: { latencyUs: 200, jitterUs: 50 }, log: true });
    const master = host.addNode({ address: MASTER });
    host.addNode({ address: REPLICA });
    const m = new RespConnection(host.connect('cli-m', MASTER));
    const r = new RespConnection(host.connect('cli-r', REPLICA));
    void r.call(['REPLICAOF', '127.0.0.1', '6379']);
    host.runFor(7_000_000);
    // A writer keeps the stream busy for three seconds. For the middle second the replica is stopped (SIGSTOP):
    // no ACK. For the last second the stream takes 300 ms to reach it: each ACK lacks 300 ms of writes.
    for (let i = 0; i < 300; i++) {
      void m.call(['SET', `k${i}`, 'x'.repeat(100)]);
      if (i === 100) host.pause(REPLICA);
      if (i === 200) {
        host.resume(REPLICA);
        host.fabric.network.setLink(MASTER, REPLICA, host.nowUs, { latencyUs: 300_000 });
      }
      host.runFor(10_000);
    }
    host.runFor(3_000_000);
    const acks = host.fabric.log.flatMap((e) => (e.kind === 'node' && e.node === MASTER && e.event.type === 'repl-ack' ? [e.event] : []));
    expect(acks.length).toBeGreaterThan(5);
    expect(acks.every((a) => a.replica === '127.0.0.1:6380')).toBe(true);
    for (let i = 1; i < acks.length; i++) expect(acks[i].offset).toBeGreaterThanOrEqual(acks[i - 1].offset);
    // About one a second while connected; none while the replica was stopped.
    const gaps = acks.slice(1).map((a, i) => a.at - acks[i].at);
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(900_000);
    // Behind by about 30 writes of ~140 bytes while the slow link carried the stream; caught up at the end.
    expect(Math.max(...acks.map((a) => a.lagBytes))).toBeGreaterThan(2_000);
    expect(acks[acks.length - 1].lagBytes).toBe(0);
    expect(acks[acks.length - 1].offset).toBe(master.repl.masterReplOffset);
  });

  it('WAIT returns once replicas acknowledge, or the count at the timeout', async () => {
    const { host, m, r, call } = setup(3, { 'repl-diskless-sync-delay': '0' });
    await call(r, 'REPLICAOF', '127.0.0.1', '6379');
    host.runFor(2_000_000);
    await call(m, 'SET', 'a', '1');
    expect(text(await call(m, 'WAIT', '1', '1000'))).toBe('1');
    const start = host.nowUs;
    expect(text(await call(m, 'WAIT', '2', '300'))).toBe('1');
    expect(host.nowUs - start).toBeGreaterThanOrEqual(300_000);
    expect(text(await call(m, 'WAIT', '1', '-1'))).toBe('ERR timeout is negative');
    expect(text(await call(r, 'WAIT', '1', '0'))).toMatch(/^ERR WAIT cannot be used with replica instances/);
  });

  it('a replica that reconnects continues from the backlog (+CONTINUE), and REPLICAOF NO ONE keeps the old id as replid2', async () => {
    const { host, master, replica, m, r, call } = setup(4, { 'repl-diskless-sync-delay': '0' });
    await call(r, 'REPLICAOF', '127.0.0.1', '6379');
    host.runFor(2_000_000);
    await call(m, 'SET', 'a', '1');
    host.runFor(100_000);
    // Drop the master's side of the link: the replica notices and asks to continue.
    const link = master.connectedClients().find((c) => c.replica !== null)!;
    master.killClient(link);
    await call(m, 'SET', 'b', '2');
    host.runFor(2_000_000);
    expect(master.repl.stats.syncPartialOk).toBe(1);
    expect(master.repl.stats.syncFull).toBe(1);
    expect(text(await call(r, 'GET', 'b'))).toBe('2');
    const oldId = master.repl.replId;
    expect(text(await call(r, 'REPLICAOF', 'NO', 'ONE'))).toBe('OK');
    const info = text(await call(r, 'INFO', 'replication'));
    expect(infoField(info, 'role')).toBe('master');
    expect(infoField(info, 'master_replid2')).toBe(oldId);
    expect(Number(infoField(info, 'second_repl_offset'))).toBe(replica.repl.masterReplOffset + 1);
  });
});
