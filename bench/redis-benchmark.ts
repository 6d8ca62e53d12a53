/**
 * The real redis-benchmark against Debian's redis-server and against cluster-lab-server, in the same run, on
 * the same machine: `-t set,get -n 200000 -c 50`, then again with `-P 16`. Prints both servers' requests per
 * second and the ratio (issue targets: 0.8 without pipelining, 0.5 with -P 16). Then one client with one request
 * in flight (`-c 1`), the latency every sequential tool pays per round trip (redis-cli --cluster reshard):
 * requests/s, p50 and p99 of both servers, from the median of three interleaved runs (issue target: the lab at
 * least 0.7 of redis-server's requests/s). Last, the sequential tool itself: `redis-cli --cluster reshard` of
 * 1,000 slots holding about 6,000 of 100,000 keys, on a three-master cluster of each server (issue target: within
 * 1.5 times redis-server's time). Needs redis-server, redis-cli and redis-benchmark on PATH (Debian's
 * redis-server and redis-tools).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { waitPort } from '../src/hosts/tcp/wait-port.ts';
import { keyHashSlot } from '../src/engine/cluster/slots.ts';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { BenchRow } from './run.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200_000);

async function start(cmd: string, port: number): Promise<ChildProcess> {
  const child = spawn(cmd, ['--port', String(port), '--save', '', '--appendonly', 'no'], { cwd: ROOT, stdio: 'ignore' });
  await waitPort(port);
  return child;
}

/** Requests for each -c 1 run (BENCH_SINGLE_REQUESTS): at 20,000 a run takes about a second per server. */
const SINGLE_REQUESTS = Number(process.env.BENCH_SINGLE_REQUESTS ?? 20_000);

interface CsvRow {
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * redis-benchmark's CSV: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms",
 * "p99_latency_ms","max_latency_ms" → the figures per test.
 */
function run(port: number, pipeline: number, clients = 50, requests = REQUESTS): Record<string, CsvRow> {
  const args = ['-p', String(port), '-t', 'set,get', '-n', String(requests), '-c', String(clients), '-P', String(pipeline), '--csv'];
  const out = execFileSync('redis-benchmark', args, { encoding: 'utf8' });
  const rows: Record<string, CsvRow> = {};
  for (const line of out.trim().split('\n').slice(1)) {
    const f = line.split(',').map((x) => x.replace(/"/g, ''));
    rows[f[0]] = { rps: Number(f[1]), p50Ms: Number(f[4]), p99Ms: Number(f[6]) };
  }
  return rows;
}

/** Keys in the reshard cluster, and slots moved. */
const RESHARD_KEYS = 100_000;
const RESHARD_SLOTS = 1000;

const cli = (port: number, ...args: string[]) => execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });

/**
 * Three cluster-enabled masters of one server (ports base..base+2, each in its own directory), joined by
 * redis-cli --cluster create, holding RESHARD_KEYS keys; then the time of one redis-cli --cluster reshard of
 * RESHARD_SLOTS slots from the first master to the second, in seconds.
 */
async function reshardSeconds(cmd: string, base: number): Promise<number> {
  const ports = [base, base + 1, base + 2];
  const dir = mkdtempSync(join(tmpdir(), 'bench-reshard-'));
  const children: ChildProcess[] = [];
  try {
    for (const port of ports) {
      const args = ['--port', String(port), '--cluster-enabled', 'yes', '--save', '', '--appendonly', 'no', '--dir', dir, '--cluster-config-file', `nodes-${port}.conf`];
      children.push(spawn(cmd, args, { cwd: ROOT, stdio: 'ignore' }));
      await waitPort(port);
    }
    execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'], { stdio: 'ignore' });
    const deadline = Date.now() + 60_000;
    while (!ports.every((p) => cli(p, 'CLUSTER', 'INFO').includes('cluster_state:ok'))) {
      if (Date.now() > deadline) throw new Error(`${cmd}: cluster_state never became ok`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Each key straight to the master of its slot (create splits 0-5460, 5461-10922, 10923-16383), by redis-cli --pipe.
    const byNode: string[][] = [[], [], []];
    for (let i = 0; i < RESHARD_KEYS; i++) {
      const key = `key:${i}`;
      const slot = keyHashSlot(key);
      const value = `value:${i}`;
      byNode[slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2].push(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n${value}\r\n`);
    }
    ports.forEach((p, i) => execFileSync('redis-cli', ['-p', String(p), '--pipe'], { input: byNode[i].join(''), stdio: ['pipe', 'ignore', 'ignore'] }));
    const total = ports.reduce((n, p) => n + Number(cli(p, 'DBSIZE').trim()), 0);
    if (total !== RESHARD_KEYS) throw new Error(`${cmd}: ${total} keys loaded, not ${RESHARD_KEYS}`);
    const from = cli(ports[0], 'CLUSTER', 'MYID').trim();
    const to = cli(ports[1], 'CLUSTER', 'MYID').trim();
    const t0 = performance.now();
    execFileSync('redis-cli', ['--cluster', 'reshard', `127.0.0.1:${ports[0]}`, '--cluster-from', from, '--cluster-to', to, '--cluster-slots', String(RESHARD_SLOTS), '--cluster-yes'], {
      stdio: 'ignore',
    });
    const seconds = (performance.now() - t0) / 1000;
    if (!cli(ports[1], 'CLUSTER', 'NODES').match(/myself\S* .* 0-999 /)) throw new Error(`${cmd}: slots 0-999 did not move`);
    return seconds;
  } finally {
    for (const c of children) c.kill();
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function reshardRows(): Promise<BenchRow[]> {
  const real = await reshardSeconds('redis-server', 16400);
  const lab = await reshardSeconds(resolve(ROOT, 'bin/cluster-lab-server'), 16410);
  const name = `redis-cli --cluster reshard ${RESHARD_SLOTS} slots (${RESHARD_KEYS.toLocaleString('en-US')} keys)`;
  return [
    { name: `${name}: redis-server`, value: real, unit: 's' },
    { name: `${name}: cluster-lab-server`, value: lab, unit: 's' },
    { name: `${name}: ratio`, value: lab / real, unit: 'lab / real', note: 'target <= 1.5' },
  ];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * One client, one request at a time, against both servers: three rounds, each running redis-server then the
 * lab, so a busy moment of a shared machine falls on both; each figure is the median of its three runs.
 */
function singleClientRows(realPort: number, labPort: number): BenchRow[] {
  const runs: Record<'real' | 'lab', Record<string, CsvRow>[]> = { real: [], lab: [] };
  for (let round = 0; round < 3; round++) {
    runs.real.push(run(realPort, 1, 1, SINGLE_REQUESTS));
    runs.lab.push(run(labPort, 1, 1, SINGLE_REQUESTS));
  }
  const rows: BenchRow[] = [];
  for (const test of ['SET', 'GET']) {
    const fig = (who: 'real' | 'lab', key: keyof CsvRow) => median(runs[who].map((r) => r[test][key]));
    const name = `redis-benchmark ${test} -c 1`;
    rows.push({ name: `${name}: redis-server`, value: fig('real', 'rps'), unit: 'requests/s' });
    rows.push({ name: `${name}: cluster-lab-server`, value: fig('lab', 'rps'), unit: 'requests/s' });
    rows.push({ name: `${name}: ratio`, value: fig('lab', 'rps') / fig('real', 'rps'), unit: 'lab / real', note: 'target >= 0.7' });
    for (const [key, label] of [['p50Ms', 'p50'], ['p99Ms', 'p99']] as const) {
      // In microseconds: the table prints two decimals, and these are tens of microseconds.
      rows.push({ name: `${name} ${label}: redis-server`, value: fig('real', key) * 1000, unit: 'µs' });
      rows.push({ name: `${name} ${label}: cluster-lab-server`, value: fig('lab', key) * 1000, unit: 'µs' });
    }
  }
  return rows;
}

export async function benchRedisBenchmark(): Promise<BenchRow[]> {
  const realPort = 16390;
  const labPort = 16391;
  const real = await start('redis-server', realPort);
  const lab = await start(resolve(ROOT, 'bin/cluster-lab-server'), labPort);
  const rows: BenchRow[] = [];
  try {
    for (const pipeline of [1, 16]) {
      const r = run(realPort, pipeline);
      const l = run(labPort, pipeline);
      const suffix = pipeline === 1 ? '' : ` -P ${pipeline}`;
      const target = pipeline === 1 ? 0.8 : 0.5;
      for (const test of ['SET', 'GET']) {
        rows.push({ name: `redis-benchmark ${test}${suffix}: redis-server`, value: r[test].rps, unit: 'requests/s' });
        rows.push({ name: `redis-benchmark ${test}${suffix}: cluster-lab-server`, value: l[test].rps, unit: 'requests/s' });
        rows.push({ name: `redis-benchmark ${test}${suffix}: ratio`, value: l[test].rps / r[test].rps, unit: 'lab / real', note: `target >= ${target}` });
      }
    }
    rows.push(...singleClientRows(realPort, labPort));
  } finally {
    real.kill();
    lab.kill();
  }
  rows.push(...(await reshardRows()));
  return rows;
}
