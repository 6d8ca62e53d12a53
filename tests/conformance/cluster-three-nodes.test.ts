/**
 * A real 3-node redis-server cluster and a 3-node cluster-lab-server cluster, each built the same way (MEET and
 * ADDSLOTSRANGE), answer the same command sequence identically once node ids and ports are normalised: MOVED,
 * ASK, TRYAGAIN, CROSSSLOT, CLUSTERDOWN, ASKING, SETSLOT and its errors, COUNTKEYSINSLOT/GETKEYSINSLOT, and the
 * shapes of CLUSTER NODES, SLOTS, SHARDS and INFO.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT, connectResp, freePortPair, killAll, waitPort } from './harness.ts';
import type { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';

interface Side {
  name: string;
  ports: number[];
  ids: string[];
  conns: RespConnection[];
  procs: ChildProcess[];
}

const text = (r: Reply): string => (r.type === 'bulk' || r.type === 'verbatim' || r.type === 'status' || r.type === 'error' ? r.value : JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)));

async function startSide(name: string, cmd: string, ports: number[]): Promise<Side> {
  const procs = ports.map((port) =>
    spawn(cmd, ['--port', String(port), '--cluster-enabled', 'yes', '--cluster-node-timeout', '3000', '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--dir', mkdtempSync(join(tmpdir(), `lab-${name}-`))], {
      cwd: ROOT,
      stdio: 'ignore',
    }),
  );
  await Promise.all(ports.map((p) => waitPort(p)));
  const conns = await Promise.all(ports.map((p) => connectResp(p)));
  const ids = await Promise.all(conns.map(async (c) => text((await c.call(['CLUSTER', 'MYID'])).reply)));
  const ranges = [['0', '5460'], ['5461', '10922'], ['10923', '16383']];
  for (let i = 0; i < 3; i++) await conns[i].call(['CLUSTER', 'ADDSLOTSRANGE', ...ranges[i]]);
  for (let i = 1; i < 3; i++) await conns[0].call(['CLUSTER', 'MEET', '127.0.0.1', String(ports[i])]);
  // Wait until every node knows all three and reports cluster_state ok.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const infos = await Promise.all(conns.map(async (c) => text((await c.call(['CLUSTER', 'INFO'])).reply)));
    const nodes = await Promise.all(conns.map(async (c) => text((await c.call(['CLUSTER', 'NODES'])).reply)));
    if (infos.every((i) => i.includes('cluster_state:ok')) && nodes.every((n) => n.trim().split('\n').length === 3 && !n.includes('handshake'))) break;
    if (Date.now() > deadline) throw new Error(`${name} cluster did not form:\n${nodes.join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { name, ports, ids, conns, procs };
}

/** Replace each node's id and ports with its position, so both clusters read the same. */
function normalize(side: Side, s: string): string {
  let out = s;
  side.ids.forEach((id, i) => (out = out.replaceAll(id, `<id${i}>`)));
  side.ports.forEach((p, i) => (out = out.replaceAll(String(p + 10000), `<cport${i}>`).replaceAll(String(p), `<port${i}>`)));
  return out;
}

/** CLUSTER NODES in a stable form: lines sorted, ping/pong times and epochs blanked. */
function nodesShape(side: Side, s: string): string {
  return normalize(side, s)
    .trim()
    .split('\n')
    .map((l) => l.split(' ').map((f, i) => (i === 4 || i === 5 || i === 6 ? '*' : f)).join(' '))
    .sort()
    .join('\n');
}

describe('three-node cluster compared with redis-server', () => {
  let real: Side;
  let lab: Side;
  beforeAll(async () => {
    const [r0, l0] = freePortPair();
    const [r1, l1] = freePortPair();
    const [r2, l2] = freePortPair();
    [real, lab] = await Promise.all([startSide('real', 'redis-server', [r0, r1, r2]), startSide('lab', resolve(ROOT, 'bin/cluster-lab-server'), [l0, l1, l2])]);
  }, 60_000);
  afterAll(async () => {
    for (const side of [real, lab]) for (const c of side?.conns ?? []) c.close();
    await killAll([...(real?.procs ?? []), ...(lab?.procs ?? [])]);
  });

  /** Runs `args` (with <idN> placeholders) on node `i` of both clusters; returns both normalized replies. */
  const both = async (i: number, ...args: string[]): Promise<[string, string]> => {
    const out: string[] = [];
    for (const side of [real, lab]) {
      const concrete = args.map((a) => a.replace(/<id(\d)>/g, (_m, n: string) => side.ids[Number(n)]));
      out.push(normalize(side, text((await side.conns[i].call(concrete)).reply)));
    }
    return out as [string, string];
  };

  it('route and redirect exactly as Redis: MOVED, CROSSSLOT, ASK, TRYAGAIN, ASKING, CLUSTERDOWN', async () => {
    const steps: [number, string[]][] = [
      [0, ['SET', 'foo', 'bar']], // slot 12182: node 2
      [2, ['SET', 'foo', 'bar']],
      [1, ['GET', 'foo']],
      [0, ['SET', 'hello', 'world']], // slot 866: node 0
      [2, ['MGET', 'foo', 'hello']],
      [2, ['MSET', '{foo}a', '1', '{foo}b', '2']],
      [2, ['CLUSTER', 'COUNTKEYSINSLOT', '12182']],
      [2, ['CLUSTER', 'GETKEYSINSLOT', '12182', '10']],
      [1, ['CLUSTER', 'COUNTKEYSINSLOT', '12182']],
      [1, ['EXISTS', 'foo']],
      [1, ['PING']],
      [1, ['DBSIZE']],
      [0, ['CLUSTER', 'SETSLOT', '12182', 'MIGRATING', '<id1>']],
      [2, ['CLUSTER', 'SETSLOT', '12182', 'IMPORTING', '<id1>']],
      [1, ['CLUSTER', 'SETSLOT', '866', 'IMPORTING', '<id2>']],
      [1, ['CLUSTER', 'SETSLOT', '12182', 'IMPORTING', '<id2>']],
      [2, ['CLUSTER', 'SETSLOT', '12182', 'MIGRATING', '<id1>']],
      [2, ['GET', 'foo']],
      [2, ['GET', '{foo}missing']],
      [2, ['MGET', 'foo', '{foo}missing']],
      [2, ['MGET', '{foo}x', '{foo}y']],
      [1, ['GET', '{foo}missing']],
      [1, ['ASKING']],
      [1, ['GET', '{foo}missing']],
      [1, ['GET', '{foo}missing']],
      [1, ['ASKING']],
      [1, ['SET', '{foo}moved', 'x']],
      [1, ['ASKING']],
      [1, ['MGET', '{foo}moved', 'foo']],
      [1, ['MULTI']],
      [1, ['ASKING']],
      [1, ['GET', '{foo}moved']],
      [1, ['EXEC']],
      [0, ['CLUSTER', 'SETSLOT', '12182', 'NODE', '<id1>']],
      [2, ['CLUSTER', 'SETSLOT', '12182', 'NODE', '<id1>']],
      [2, ['CLUSTER', 'SETSLOT', '12182', 'STABLE']],
      [1, ['CLUSTER', 'SETSLOT', '12182', 'STABLE']],
      [2, ['DEL', 'foo', '{foo}a', '{foo}b']],
      [0, ['CLUSTER', 'SETSLOT', '1', 'NODE', '0123456789012345678901234567890123456789']],
      [0, ['CLUSTER', 'SETSLOT', '1', 'MIGRATING', 'nosuchnode']],
      [0, ['CLUSTER', 'COUNT-FAILURE-REPORTS', '<id1>']],
      [0, ['CLUSTER', 'FORGET', '<id0>']],
      [0, ['CLUSTER', 'REPLICAS', '<id1>']],
      [0, ['CLUSTER', 'DELSLOTS', '100']],
      [0, ['GET', '{a}100']],
      [0, ['SET', 'hello', 'again']],
      [0, ['CLUSTER', 'ADDSLOTS', '100']],
    ];
    const mismatches: string[] = [];
    for (const [i, args] of steps) {
      const [r, l] = await both(i, ...args);
      if (process.env.SHOW_STEPS) console.log(`${i} ${args.join(" ")} => ${r} || ${l}`);
      if (r !== l) mismatches.push(`node ${i}: ${args.join(' ')}\n    redis: ${r}\n    lab:   ${l}`);
    }
    expect(mismatches.join('\n')).toBe('');
  });

  it('carry PUBLISH to subscribers on other nodes, as the real bus does', async () => {
    const got: string[][] = [];
    for (const side of [real, lab]) {
      const sub = await connectResp(side.ports[2]);
      const seen: string[] = [];
      sub.onUnsolicited = (r) => seen.push(text(r));
      await sub.call(['SUBSCRIBE', 'news']);
      const reply = text((await side.conns[0].call(['PUBLISH', 'news', 'hello'])).reply);
      const deadline = Date.now() + 5000;
      while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      got.push([reply, ...seen]);
      sub.close();
    }
    expect(got[1]).toEqual(got[0]);
    expect(got[0].length).toBe(2);
  });

  it('show the same CLUSTER NODES, SLOTS, SHARDS and INFO shapes', async () => {
    for (let i = 0; i < 3; i++) {
      // Views settle through gossip after the previous steps (slot 100 came back, slot 12182 moved): compare once
      // both are stable. NODES and SLOTS are read together, so a view changing between the two reads is retried.
      let r = '';
      let l = '';
      let rs = '';
      let ls = '';
      for (let attempt = 0; attempt < 25; attempt++) {
        const [rn, ln] = await Promise.all([real.conns[i].call(['CLUSTER', 'NODES']), lab.conns[i].call(['CLUSTER', 'NODES'])]);
        r = nodesShape(real, text(rn.reply));
        l = nodesShape(lab, text(ln.reply));
        [rs, ls] = await both(i, 'CLUSTER', 'SLOTS');
        if (r === l && rs === ls) break;
        await new Promise((res) => setTimeout(res, 200));
      }
      expect(l).toBe(r);
      expect(ls).toBe(rs);
      const [ri, li] = await both(i, 'CLUSTER', 'INFO');
      // Message counters depend on timing; every other line must match.
      const stable = (s: string) => s.split('\r\n').filter((l) => !l.startsWith('cluster_stats_messages') && !l.startsWith('cluster_current_epoch') && !l.startsWith('cluster_my_epoch')).join('\n');
      expect(stable(li)).toBe(stable(ri));
    }
  });
});
