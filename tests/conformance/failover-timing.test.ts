/**
 * Failover timing against the oracle: a real redis-server 7.0 cluster of 3 masters and 3 replicas with
 * cluster-node-timeout 2000, built by the real redis-cli --cluster create; a master is killed with SIGKILL and
 * we measure, on the wall clock, how long until every survivor reports cluster_state:ok and shows the dead
 * master's replica as the master of its slots. The engine's median over seeds for the same scenario, in
 * virtual time, must fall inside the range measured on the real cluster (give or take SLACK_MS). It runs on its
 * own, after the other conformance files (see package.json): real timings measured while other tests load the
 * machine's two cores come out late.
 * ORACLE_FAILOVER_RUNS (default 3, up to 8 while the range is too narrow to decide) real runs,
 * ORACLE_FAILOVER_SEEDS (default 20) simulated ones.
 */
import { describe, expect, it } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectResp, freePortPair, killAll, untilClusterReady, waitPort } from './harness.ts';
import { buildCluster, killAndHeal } from '../sim/cluster-fixture.ts';
import type { RespConnection } from '../../src/clients/protocol/resp-connection.ts';

const RUNS = Number(process.env.ORACLE_FAILOVER_RUNS ?? 3);
const SEEDS = Number(process.env.ORACLE_FAILOVER_SEEDS ?? 20);
const MAX_RUNS = Math.max(RUNS, 8);
const TIMEOUT_MS = 2000;
/**
 * What the real measurement carries that the engine does not model: Redis 7.0 sets TCP_NODELAY only on bus
 * connections it accepts, so the winner's broadcast PONG on its own outbound links waits for the delayed ACK of
 * its vote request (Nagle: about 40 ms in the real logs between "Failover election won" and the others'
 * "Cluster state changed: ok"), plus this test's 20 ms polling.
 */
const SLACK_MS = 100;

async function text(conn: RespConnection, ...args: string[]): Promise<string> {
  const r = (await conn.call(args)).reply;
  if (r.type !== 'bulk' && r.type !== 'verbatim' && r.type !== 'status') throw new Error(`${args.join(' ')}: ${JSON.stringify(r)}`);
  return r.value;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One real run: build, wait until ready, kill the first master, measure kill -> healed on every survivor. */
async function realRun(): Promise<number> {
  const ports = [...freePortPair(), ...freePortPair(), ...freePortPair()];
  const procs: ChildProcess[] = [];
  const conns: RespConnection[] = [];
  try {
    for (const port of ports) {
      const dir = mkdtempSync(join(tmpdir(), 'oracle-failover-'));
      procs.push(spawn('redis-server', ['--port', String(port), '--cluster-enabled', 'yes', '--cluster-node-timeout', String(TIMEOUT_MS), '--dir', dir, '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'], { stdio: 'ignore' }));
    }
    for (const port of ports) await waitPort(port);
    execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { encoding: 'utf8', timeout: 60_000 });
    for (const port of ports) conns.push(await connectResp(port));
    await untilClusterReady(conns, 'real cluster');
    const nodes = (await text(conns[0], 'CLUSTER', 'NODES')).trim().split('\n').map((l) => l.split(' '));
    const victim = nodes.find((f) => f[2].includes('master') && f[1].startsWith(`127.0.0.1:${ports[0]}@`))!;
    const heirId = nodes.find((f) => f[3] === victim[0])![0];
    const survivors = conns.filter((_, i) => i !== 0);
    const t0 = performance.now();
    procs[0].kill('SIGKILL');
    for (;;) {
      let healed = true;
      for (const c of survivors) {
        if (!(await text(c, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) healed = false;
        const heir = (await text(c, 'CLUSTER', 'NODES')).split('\n').find((l) => l.startsWith(heirId))!.split(' ');
        if (!heir[2].includes('master') || heir.length < 9) healed = false;
      }
      if (healed) return performance.now() - t0;
      if (performance.now() - t0 > 60_000) throw new Error('real cluster did not heal');
      await sleep(20);
    }
  } finally {
    for (const c of conns) c.close();
    await killAll(procs);
  }
}

describe('failover timing compared with a real cluster', () => {
  it(`kill -9 of a master -> every survivor ok: the engine's median falls inside the real range (${RUNS} real runs, ${SEEDS} seeds)`, async () => {
    const sim: number[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const c = buildCluster(seed, TIMEOUT_MS);
      const ms = killAndHeal(c, seed % 3);
      expect(ms, `reproduce with seed=${seed}`).not.toBeNull();
      sim.push(ms!);
    }
    sim.sort((a, b) => a - b);
    const median = sim[Math.floor(sim.length / 2)];
    // The real cluster's time varies by about a second from run to run: measure RUNS times, and a few more (up
    // to MAX_RUNS) while the range measured so far is too narrow to decide.
    const real: number[] = [];
    while (real.length < RUNS || (real.length < MAX_RUNS && !(Math.min(...real) <= median && median <= Math.max(...real)))) {
      real.push(await realRun());
    }
    real.sort((a, b) => a - b);
    const fmt = (xs: number[]) => xs.map((x) => Math.round(x)).join(', ');
    console.log(`real redis-server 7.0 kill -> ok (ms): ${fmt(real)}; engine over ${SEEDS} seeds: min ${Math.round(sim[0])}, median ${Math.round(median)}, max ${Math.round(sim[sim.length - 1])}`);
    expect(median).toBeGreaterThanOrEqual(real[0] - SLACK_MS);
    expect(median).toBeLessThanOrEqual(real[real.length - 1] + SLACK_MS);
  }, 400_000);
});
