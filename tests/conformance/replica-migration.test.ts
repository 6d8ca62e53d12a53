/**
 * Replica migration side by side: the same scenario on seven real redis-server 7.0 processes and on seven
 * cluster-lab-server processes. redis-cli --cluster create makes 3 masters with a replica each, add-node
 * --cluster-slave gives the first master a second replica, then the only replica of another master is killed
 * (-9). On both, exactly one replica moves to the orphaned master: the smallest-id replica of the master that
 * had two, once the orphan has had no working replica for 5 s (CLUSTER_SLAVE_MIGRATION_DELAY).
 */
import { describe, expect, it } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT, connectResp, freePortPair, killAll, waitPort, replyText as text, clusterNodeLines, type ClusterNodeLine } from './harness.ts';
import type { RespConnection } from '../../src/clients/protocol/resp-connection.ts';

// 5 s rather than 2: with many processes on two busy cores, a 2 s timeout lets nodes flag each other PFAIL.
const T = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nodes = (c: RespConnection) => clusterNodeLines(c, true);

async function until(what: string, ok: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(100);
  }
}

/** Run the scenario on one kind of server; returns whether the expected replica moved, and how long it took. */
async function scenario(server: 'redis-server' | 'cluster-lab-server'): Promise<{ expectedMoved: boolean; movers: number; ms: number }> {
  const ports = [...freePortPair(), ...freePortPair(), ...freePortPair(), freePortPair()[0]];
  const procs: ChildProcess[] = [];
  const conns = new Map<number, RespConnection>();
  try {
    for (const port of ports) {
      const dir = mkdtempSync(join(tmpdir(), 'migration-'));
      const args = ['--port', String(port), '--cluster-enabled', 'yes', '--cluster-node-timeout', String(T), '--dir', dir, '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'];
      procs.push(server === 'redis-server' ? spawn('redis-server', args, { stdio: 'ignore' }) : spawn(resolve(ROOT, 'bin/cluster-lab-server'), args, { cwd: ROOT, stdio: 'ignore' }));
    }
    for (const port of ports) await waitPort(port);
    for (const port of ports) conns.set(port, await connectResp(port));
    const cli = (...args: string[]) => execFileSync('redis-cli', args, { encoding: 'utf8', timeout: 60_000 });
    cli('--cluster', 'create', ...ports.slice(0, 6).map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes');
    const first = conns.get(ports[0])!;
    const donor = (await nodes(first)).find((n) => n.port === ports[0])!;
    await until('cluster ok', async () => (await text(first, 'CLUSTER', 'INFO')).includes('cluster_state:ok'));
    cli('--cluster', 'add-node', `127.0.0.1:${ports[6]}`, `127.0.0.1:${ports[0]}`, '--cluster-slave', '--cluster-master-id', donor.id);
    // Ready: all seven known to all with the same roles, every replica synced.
    const shape = (v: ClusterNodeLine[]) => v.map((n) => `${n.id}>${n.master ?? '-'}`).sort().join(',');
    await until(`${server}: seven nodes agreeing on roles, replicas synced`, async () => {
      let first: string | null = null;
      for (const c of conns.values()) {
        const v = await nodes(c);
        if (v.length !== 7) return false;
        if ((first ??= shape(v)) !== shape(v)) return false;
        const repl = await text(c, 'INFO', 'replication');
        if (repl.includes('role:slave') && !repl.includes('master_link_status:up')) return false;
      }
      return true;
    });
    const view = await nodes(first);
    const donorReplicas = view.filter((n) => n.master === donor.id);
    expect(donorReplicas).toHaveLength(2);
    const expected = donorReplicas.reduce((a, b) => (a.id < b.id ? a : b));
    const orphan = view.find((n) => n.master === null && n.id !== donor.id)!;
    const victim = view.find((n) => n.master === orphan.id)!;
    const t0 = performance.now();
    procs[ports.indexOf(victim.port)].kill('SIGKILL');
    conns.get(victim.port)!.close();
    conns.delete(victim.port);
    await until(`${server}: a replica migrates`, async () => (await nodes(first)).some((n) => n.master === orphan.id && n.id !== victim.id));
    const ms = performance.now() - t0;
    await sleep(2000);
    const after = await nodes(first);
    const movers = after.filter((n) => n.master === orphan.id && n.id !== victim.id);
    return { expectedMoved: movers.length === 1 && movers[0].id === expected.id, movers: movers.length, ms };
  } finally {
    for (const c of conns.values()) c.close();
    await killAll(procs);
  }
}

describe('replica migration compared with redis-server', () => {
  it('the smallest-id replica of the master with two moves to the orphaned master, after the 5 s delay, on both', async () => {
    const real = await scenario('redis-server');
    const lab = await scenario('cluster-lab-server');
    console.log(`replica migration, kill -> moved (ms): real ${Math.round(real.ms)}, lab ${Math.round(lab.ms)}`);
    for (const r of [real, lab]) {
      expect(r.movers).toBe(1);
      expect(r.expectedMoved).toBe(true);
      // FAIL of the dead replica (the node timeout and gossip), then 5 s of orphanhood, then the next cron. The
      // 5 s are counted from the master's orphaned_time, which clusterHandleSlaveMigration sets and clears only
      // when it runs (in Redis as in the lab): a short orphan phase while the cluster was being set up can leave
      // it set, and then the move follows the FAIL at once. So the bound that always holds is the FAIL's; the
      // 5 s delay itself is checked in tests/sim/cluster-replica-migration.test.ts.
      expect(r.ms).toBeGreaterThan(T);
      expect(r.ms).toBeLessThan(2 * T + 5000 + 3000);
    }
  }, 240_000);
});
