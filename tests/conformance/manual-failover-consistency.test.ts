/**
 * Manual failover under concurrent writers, on real processes: six cluster-lab-server processes made a cluster
 * of three masters with a replica each by the real redis-cli --cluster create; an ioredis Cluster client writes
 * from four concurrent loops, most of them into one shard. The busy shard's replica moves to another master
 * (CLUSTER REPLICATE, a full resync from a shorter history) and takes its place by CLUSTER FAILOVER; then a
 * plain CLUSTER FAILOVER in the third shard. Once the writers stop and replication has gone quiet, every replica
 * that reports master_link_status:up holds exactly its master's keys and values, at its master's offset.
 * (Issue 19: the promoted replica answered the demoted master's PSYNC from a backlog of its old history; the
 * demoted master applied the wrong bytes and still reported its link up.)
 *
 * MF_REDIS=1 runs the same scenario on real redis-server 7.0 processes first.
 */
import { describe, expect, it } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Cluster } from 'ioredis';
import { ROOT, connectResp, freePortPair, killAll, untilClusterReady, waitPort, replyText as text, clusterNodeLines } from './harness.ts';
import type { RespConnection } from '../../src/clients/protocol/resp-connection.ts';

const T = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nodes = (c: RespConnection) => clusterNodeLines(c);

function field(info: string, name: string): string | undefined {
  return info.split('\r\n').find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1);
}

async function until(what: string, ok: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(100);
  }
}

/** Every key with its value (the writers only SET strings). */
async function dataset(c: RespConnection): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor = '0';
  do {
    const r = (await c.call(['SCAN', cursor, 'COUNT', '1000'])).reply;
    if (r.type !== 'array' || r.value[0].type !== 'bulk' || r.value[1].type !== 'array') throw new Error(`SCAN: ${JSON.stringify(r)}`);
    cursor = r.value[0].value;
    const keys = r.value[1].value.map((k) => (k as { value: string }).value);
    if (keys.length === 0) continue;
    // READONLY lets a replica answer for its master's slots; MGET answers CROSSSLOT unless the batch shares a
    // slot, and then the keys are read one by one.
    const values = (await c.call(['MGET', ...keys])).reply;
    if (values.type === 'array') keys.forEach((k, i) => out.set(k, (values.value[i] as { value: string }).value));
    else for (const k of keys) out.set(k, (await text(c, 'GET', k).catch(() => '?')));
  } while (cursor !== '0');
  return out;
}

/** What is wrong now: for each replica whose link is up, how its offset and data differ from its master's. */
async function replicasOutOfSync(conns: Map<number, RespConnection>): Promise<string[]> {
  const problems: string[] = [];
  const view = await nodes(conns.values().next().value!);
  for (const n of view) {
    if (n.master === null) continue;
    const replica = conns.get(n.port)!;
    const info = await text(replica, 'INFO', 'replication');
    if (field(info, 'master_link_status') !== 'up') continue;
    const masterPort = Number(field(info, 'master_port'));
    const master = conns.get(masterPort)!;
    const minfo = await text(master, 'INFO', 'replication');
    const who = `replica ${n.port} of ${masterPort}`;
    if (field(minfo, 'role') !== 'master') problems.push(`${who}: ${masterPort} is not a master`);
    const mOffset = field(minfo, 'master_repl_offset');
    const rOffset = field(info, 'slave_repl_offset');
    if (mOffset !== rOffset) problems.push(`${who}: offset ${rOffset}, its master's ${mOffset}`);
    if (field(minfo, 'master_replid') !== field(info, 'master_replid')) problems.push(`${who}: replication id differs`);
    const [m, r] = [await dataset(master), await dataset(replica)];
    const missing = [...m.keys()].filter((k) => !r.has(k));
    const extra = [...r.keys()].filter((k) => !m.has(k));
    const differ = [...m.keys()].filter((k) => r.has(k) && r.get(k) !== m.get(k));
    if (missing.length + extra.length + differ.length > 0) {
      problems.push(`${who}: master has ${m.size} keys, replica ${r.size}; ${missing.length} missing (${missing.slice(0, 3).join(' ')}), ${extra.length} extra, ${differ.length} differ (${differ.slice(0, 3).join(' ')})`);
    }
  }
  return problems;
}

async function scenario(server: 'redis-server' | 'cluster-lab-server'): Promise<{ writes: number; failovers: number; problems: string[] }> {
  const ports = [...freePortPair(), ...freePortPair(), ...freePortPair()];
  const procs: ChildProcess[] = [];
  const conns = new Map<number, RespConnection>();
  let cluster: Cluster | null = null;
  try {
    const start = (i: number) => {
      const dir = mkdtempSync(join(tmpdir(), 'mf-consistency-'));
      const args = ['--port', String(ports[i]), '--cluster-enabled', 'yes', '--cluster-node-timeout', String(T), '--dir', dir, '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'];
      procs[i] = server === 'redis-server' ? spawn('redis-server', args, { stdio: 'ignore' }) : spawn(resolve(ROOT, 'bin/cluster-lab-server'), args, { cwd: ROOT, stdio: 'ignore' });
    };
    ports.forEach((_, i) => start(i));
    for (const port of ports) await waitPort(port);
    for (const port of ports) {
      const c = await connectResp(port);
      await c.call(['READONLY']);
      conns.set(port, c);
    }
    execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { encoding: 'utf8', timeout: 60_000 });
    await untilClusterReady([...conns.values()], server, 30_000, 200);

    cluster = new Cluster([{ host: '127.0.0.1', port: ports[0] }], { retryDelayOnFailover: 50, retryDelayOnMoved: 0, retryDelayOnClusterDown: 100, maxRedirections: 64 });
    // The shards get uneven traffic: three loops write keys tagged {a} (slot 15495, the third master's) as fast
    // as they can, one loop writes {b} keys (slot 3300, the first master's) every 20 ms. So the third shard's
    // replication stream grows much longer than the first's.
    let stop = false;
    let writes = 0;
    const errors: string[] = [];
    const loops = [0, 1, 2, 3].map(async (l) => {
      for (let i = 0; !stop; i++) {
        try {
          await cluster!.set(l < 3 ? `{a}:${l}:${i % 2000}` : `{b}:${l}:${i % 500}`, `${l}-${i}`);
          writes++;
        } catch (e) {
          if (errors.length < 5) errors.push(String(e));
        }
        if (l === 3) await sleep(20);
      }
    });
    await sleep(1500);
    const first = conns.get(ports[0])!;
    const view = await nodes(first);
    const ownerOf = async (slot: number) => {
      const slots = (await first.call(['CLUSTER', 'SLOTS'])).reply;
      if (slots.type !== 'array') throw new Error('CLUSTER SLOTS');
      for (const r of slots.value) {
        if (r.type !== 'array') continue;
        const [lo, hi, master] = r.value;
        if (lo.type !== 'integer' || hi.type !== 'integer' || master.type !== 'array' || master.value[1].type !== 'integer') continue;
        const port = Number(master.value[1].value);
        if (slot >= Number(lo.value) && slot <= Number(hi.value)) return view.find((n) => n.port === port)!;
      }
      throw new Error(`no owner for slot ${slot}`);
    };
    const heavy = await ownerOf(15495);
    const light = await ownerOf(3300);
    const moved = view.find((n) => n.master === heavy.id)!;
    const untilRole = async (port: number, role: string, link: boolean) => {
      const c = conns.get(port)!;
      const deadline = Date.now() + 20_000;
      for (;;) {
        const info = await text(c, 'INFO', 'replication');
        if (field(info, 'role') === role && (!link || field(info, 'master_link_status') === 'up')) return;
        if (Date.now() > deadline) throw new Error(`${server}: ${port} did not become ${role}${link ? ' with its link up' : ''}`);
        await sleep(50);
      }
    };
    // The heavy shard's replica moves to the light shard's master (a full resync from a shorter history), then
    // takes that master's place by CLUSTER FAILOVER: the demoted master asks it to continue the light history.
    expect(await text(conns.get(moved.port)!, 'CLUSTER', 'REPLICATE', light.id)).toBe('OK');
    await until(`${server}: ${moved.port} synced with ${light.port}`, async () => {
      const info = await text(conns.get(moved.port)!, 'INFO', 'replication');
      return field(info, 'master_port') === String(light.port) && field(info, 'master_link_status') === 'up';
    });
    let failovers = 0;
    // Then a plain switch-over in the shard nobody touched yet.
    const other = view.find((n) => n.master !== null && n.master !== heavy.id && n.master !== light.id)!;
    for (const r of [moved, other]) {
      expect(await text(conns.get(r.port)!, 'CLUSTER', 'FAILOVER')).toBe('OK');
      await untilRole(r.port, 'master', false);
      failovers++;
      await sleep(1000);
    }
    stop = true;
    await Promise.all(loops);
    expect(errors, `${server}: writer errors`).toEqual([]);
    // Quiescence: links up and offsets equal within a few seconds (a PING goes out every 10 s, so retry).
    let problems: string[] = [];
    const deadline = Date.now() + 10_000;
    for (;;) {
      await sleep(500);
      problems = await replicasOutOfSync(conns);
      if (problems.length === 0 || Date.now() > deadline) break;
    }
    return { writes, failovers, problems };
  } finally {
    cluster?.disconnect();
    for (const c of conns.values()) c.close();
    await killAll(procs);
  }
}

describe('manual failover under concurrent writers (real processes)', () => {
  it('after a replica moved to another master and CLUSTER FAILOVERs under four writers, every replica with its link up has its master\'s keys, values and offset', async () => {
    const servers = process.env.MF_REDIS ? (['redis-server', 'cluster-lab-server'] as const) : (['cluster-lab-server'] as const);
    for (const server of servers) {
      const r = await scenario(server);
      console.log(`${server}: ${r.writes} writes through ${r.failovers} manual failovers`);
      expect(r.failovers).toBe(2);
      expect(r.writes).toBeGreaterThan(1000);
      expect(r.problems, server).toEqual([]);
    }
  }, 120_000);
});
