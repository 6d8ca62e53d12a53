/**
 * The real redis-benchmark against Debian's redis-server and against cluster-lab-server, in the same run, on
 * the same machine: `-t set,get -n 200000 -c 50`, then again with `-P 16`. Prints both servers' requests per
 * second and the ratio (issue targets: 0.8 without pipelining, 0.5 with -P 16). Needs redis-server and
 * redis-benchmark on PATH (Debian's redis-server and redis-tools).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { waitPort } from '../src/hosts/tcp/wait-port.ts';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import type { BenchRow } from './run.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200_000);

async function start(cmd: string, port: number): Promise<ChildProcess> {
  const child = spawn(cmd, ['--port', String(port), '--save', '', '--appendonly', 'no'], { cwd: ROOT, stdio: 'ignore' });
  await waitPort(port);
  return child;
}

/** redis-benchmark's CSV: "SET","rps",... → rps per test. */
function run(port: number, pipeline: number): Record<string, number> {
  const out = execFileSync('redis-benchmark', ['-p', String(port), '-t', 'set,get', '-n', String(REQUESTS), '-c', '50', '-P', String(pipeline), '--csv'], {
    encoding: 'utf8',
  });
  const rps: Record<string, number> = {};
  for (const line of out.trim().split('\n').slice(1)) {
    const [test, value] = line.split(',').map((f) => f.replace(/"/g, ''));
    rps[test] = Number(value);
  }
  return rps;
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
        rows.push({ name: `redis-benchmark ${test}${suffix}: redis-server`, value: r[test], unit: 'requests/s' });
        rows.push({ name: `redis-benchmark ${test}${suffix}: cluster-lab-server`, value: l[test], unit: 'requests/s' });
        rows.push({ name: `redis-benchmark ${test}${suffix}: ratio`, value: l[test] / r[test], unit: 'lab / real', note: `target >= ${target}` });
      }
    }
  } finally {
    real.kill();
    lab.kill();
  }
  return rows;
}
