/**
 * A master and a replica, twice: two real redis-server 7.0 processes and two cluster-lab-servers, set up with
 * the same commands. The replies must agree once ids, ports and offsets are normalised: ROLE and INFO
 * replication shapes on both sides, WAIT, the replica's READONLY refusal, what a write adds to the replication
 * offset (the stream's bytes: SELECT, rewritten expiry, float results), and the id shift of REPLICAOF NO ONE.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectResp, startServers, type Servers } from './harness.ts';
import type { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';

interface Side {
  name: 'real' | 'lab';
  master: RespConnection;
  replica: RespConnection;
  masterPort: number;
  replicaPort: number;
}

let masters: Servers;
let replicas: Servers;
const sides: Side[] = [];

async function call(conn: RespConnection, ...args: string[]): Promise<Reply> {
  return (await conn.call(args)).reply;
}

async function info(conn: RespConnection): Promise<Map<string, string>> {
  const r = await call(conn, 'INFO', 'replication');
  if (r.type !== 'bulk') throw new Error(JSON.stringify(r));
  const m = new Map<string, string>();
  for (const line of r.value.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

/** A reply as text with this side's ports replaced, and offsets (any integer) left to the caller. */
function show(r: Reply, side: Side): string {
  return JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)).replaceAll(String(side.masterPort), '<master-port>').replaceAll(String(side.replicaPort), '<replica-port>');
}

async function until(what: string, ok: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('replication compared with redis-server', () => {
  beforeAll(async () => {
    masters = await startServers();
    replicas = await startServers();
    sides.push(
      { name: 'real', master: await connectResp(masters.realPort), replica: await connectResp(replicas.realPort), masterPort: masters.realPort, replicaPort: replicas.realPort },
      { name: 'lab', master: await connectResp(masters.labPort), replica: await connectResp(replicas.labPort), masterPort: masters.labPort, replicaPort: replicas.labPort },
    );
    for (const s of sides) await call(s.master, 'SET', 'before', 'sync');
  }, 30_000);

  afterAll(async () => {
    for (const s of sides) {
      s.master.close();
      s.replica.close();
    }
    await masters?.stop();
    await replicas?.stop();
  });

  it('REPLICAOF answers alike, and both replicas reach master_link_status:up with the same INFO fields', async () => {
    const replies = await Promise.all(sides.map((s) => call(s.replica, 'REPLICAOF', '127.0.0.1', String(s.masterPort))));
    expect(replies[1]).toEqual(replies[0]);
    const again = await Promise.all(sides.map((s) => call(s.replica, 'REPLICAOF', '127.0.0.1', String(s.masterPort))));
    expect(again[1]).toEqual(again[0]);
    expect(again[0]).toEqual({ type: 'status', value: 'OK Already connected to specified master' });
    // The master waits repl-diskless-sync-delay (5 s) before the snapshot: both replicas wait in the handshake.
    const roles = await Promise.all(sides.map((s) => call(s.replica, 'ROLE')));
    for (const [i, r] of roles.entries()) {
      expect(r.type).toBe('array');
      if (r.type !== 'array') continue;
      expect(show(r.value[0], sides[i])).toBe('{"type":"bulk","value":"slave"}');
      expect(show(r.value[2], sides[i])).toContain('<master-port>');
      expect(['connect', 'connecting', 'handshake']).toContain((r.value[3] as { value: string }).value);
      expect(r.value[4]).toEqual({ type: 'integer', value: -1n });
    }
    for (const s of sides) await until(`${s.name} link up`, async () => (await info(s.replica)).get('master_link_status') === 'up');
    const [real, lab] = await Promise.all(sides.map((s) => info(s.replica)));
    expect([...lab.keys()]).toEqual([...real.keys()]);
    for (const field of ['role', 'master_host', 'master_link_status', 'master_sync_in_progress', 'slave_priority', 'slave_read_only', 'replica_announced', 'connected_slaves', 'master_failover_state', 'repl_backlog_active', 'repl_backlog_size']) {
      expect(lab.get(field), field).toBe(real.get(field));
    }
    // The replica reports the link up once the snapshot is loaded; its master marks it online only when the
    // first REPLCONF ACK arrives, a moment later, on a real server as on ours.
    for (const s of sides) await until(`${s.name} master sees the replica online`, async () => /state=online/.test((await info(s.master)).get('slave0') ?? ''));
    const [rm, lm] = await Promise.all(sides.map((s) => info(s.master)));
    expect([...lm.keys()]).toEqual([...rm.keys()]);
    for (const [i, m] of [rm, lm].entries()) {
      expect(m.get('connected_slaves')).toBe('1');
      expect(m.get('slave0')!.replace(String(sides[i].replicaPort), '<port>')).toMatch(/^ip=127\.0\.0\.1,port=<port>,state=online,offset=\d+,lag=\d+$/);
    }
    for (const s of sides) expect(await call(s.replica, 'GET', 'before')).toEqual({ type: 'bulk', value: 'sync' });
  }, 40_000);

  it('each write adds the same bytes to the replication offset, WAIT sees the replica, the replica refuses writes', async () => {
    const writes = [
      ['SET', 'foo', 'bar'], ['SET', 'ttl', 'v', 'EX', '100'], ['INCRBYFLOAT', 'f', '1.5'], ['EXPIRE', 'foo', '1000'], ['SADD', 's', 'a', 'b'], ['DEL', 'nosuch'],
      // Scripts replicate their effects: one write alone, several in MULTI/EXEC, none for a read, none under REPL_NONE.
      ['EVAL', "return redis.call('set', 'one', '1')", '0'],
      ['EVAL', "redis.call('set', 'sk', 'v') redis.call('incr', 'cnt') redis.call('set', 'sx', 'v', 'EX', 100) return 1", '0'],
      ['EVAL', "return redis.call('get', 'foo')", '0'],
      ['EVAL', "redis.set_repl(redis.REPL_NONE) redis.call('set', 'norepl', '1') return 1", '0'],
      ['FUNCTION', 'LOAD', "#!lua name=repl\nredis.register_function('bump', function(keys) return redis.call('incrby', keys[1], 5) end)"],
      ['FCALL', 'bump', '1', 'cnt'],
    ];
    for (const w of writes) {
      const deltas: number[] = [];
      for (const s of sides) {
        const before = Number((await info(s.master)).get('master_repl_offset'));
        await call(s.master, ...w);
        const after = Number((await info(s.master)).get('master_repl_offset'));
        deltas.push(after - before);
        expect(await call(s.master, 'WAIT', '1', '2000'), `${s.name} WAIT after ${w.join(' ')}`).toEqual({ type: 'integer', value: 1n });
      }
      // A real master may add its 10-second PING (14 bytes) in between.
      const [real, lab] = deltas;
      expect(real === lab || real - 14 === lab, `${w.join(' ')}: real +${real}, lab +${lab}`).toBe(true);
    }
    const sets = await Promise.all(sides.map((s) => call(s.replica, 'SET', 'x', '1')));
    expect(sets[1]).toEqual(sets[0]);
    expect(sets[0]).toEqual({ type: 'error', value: "READONLY You can't write against a read only replica." });
    const waits = await Promise.all(sides.map((s) => call(s.replica, 'WAIT', '1', '0')));
    expect(waits[1]).toEqual(waits[0]);
    for (const s of sides) {
      expect(await call(s.replica, 'GET', 'sk')).toEqual({ type: 'bulk', value: 'v' });
      expect(await call(s.replica, 'GET', 'cnt')).toEqual({ type: 'bulk', value: '6' });
      expect(await call(s.replica, 'EXISTS', 'norepl')).toEqual({ type: 'integer', value: 0n });
      // The function came with the stream; a replica refuses it, as its flags make FCALL a write command.
      expect(await call(s.replica, 'FCALL', 'bump', '1', 'cnt')).toEqual({ type: 'error', value: "READONLY You can't write against a read only replica." });
      expect(await call(s.replica, 'GET', 'foo')).toEqual({ type: 'bulk', value: 'bar' });
      expect(await call(s.replica, 'GET', 'f')).toEqual({ type: 'bulk', value: '1.5' });
      const ttl = await call(s.replica, 'TTL', 'ttl');
      expect(ttl.type === 'integer' && ttl.value > 90n && ttl.value <= 100n, `${s.name} TTL ${ttl.type === "integer" ? String(ttl.value) : ttl.type}`).toBe(true);
    }
    // ROLE on the master: its offset and the replica's acknowledged one.
    for (const s of sides) {
      const r = await call(s.master, 'ROLE');
      const shown = show(r, s).replace(/"value":("\d+"|\d+)(?=[,}])/g, '"value":N');
      expect(shown, shown).toMatch(/^\{"type":"array","value":\[\{"type":"bulk","value":"master"\},\{"type":"integer","value":N\},\{"type":"array","value":\[\{"type":"array","value":\[\{"type":"bulk","value":"127\.0\.0\.1"\},\{"type":"bulk","value":"<replica-port>"\},\{"type":"bulk","value":N\}\]\}\]\}\]\}$/);
    }
  }, 30_000);

  it('REPLICAOF NO ONE keeps the old replication id as replid2, valid up to the offset plus one', async () => {
    for (const s of sides) {
      const before = await info(s.replica);
      expect(await call(s.replica, 'REPLICAOF', 'NO', 'ONE')).toEqual({ type: 'status', value: 'OK' });
      const after = await info(s.replica);
      expect(after.get('role'), s.name).toBe('master');
      expect(after.get('master_replid2'), s.name).toBe(before.get('master_replid'));
      expect(Number(after.get('second_repl_offset')), s.name).toBe(Number(before.get('master_repl_offset')) + 1);
      expect(after.get('master_replid'), s.name).not.toBe(before.get('master_replid'));
    }
  });
});
