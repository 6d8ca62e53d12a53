/**
 * npm run bench: every benchmark, one table. Figures, not pass/fail; the issues name the figures to reach.
 * Select with BENCH=resp,worker (default: all). The redis-benchmark suite needs Debian's redis-server and
 * redis-tools (BENCH_REQUESTS sets its request count, default 200,000).
 */
import { benchResp } from './resp.ts';
import { benchWorkerHost } from './worker-host.ts';
import { benchEngine } from './engine.ts';
import { benchRedisBenchmark } from './redis-benchmark.ts';
import { benchClusterSim } from './cluster-sim.ts';
import { benchLabScreen } from './lab-screen.ts';

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

const suites: Record<string, () => BenchRow[] | Promise<BenchRow[]>> = {
  resp: benchResp,
  engine: benchEngine,
  worker: benchWorkerHost,
  'redis-benchmark': benchRedisBenchmark,
  'cluster-sim': benchClusterSim,
  'lab-screen': benchLabScreen,
};

const wanted = (process.env.BENCH ?? Object.keys(suites).join(',')).split(',').map((s) => s.trim());
const rows: BenchRow[] = [];
for (const name of wanted) {
  const suite = suites[name];
  if (!suite) {
    console.error(`unknown bench '${name}'; known: ${Object.keys(suites).join(', ')}`);
    process.exit(2);
  }
  process.stderr.write(`running ${name}...\n`);
  // A suite that fails prints its error as a row; the others still run and the table is still printed.
  try {
    rows.push(...(await suite()));
  } catch (e) {
    rows.push({ name: `${name}: FAILED`, value: Number.NaN, unit: '', note: (e as Error).message.split('\n')[0] });
  }
}

const fmt = (v: number) => (Number.isNaN(v) ? '-' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2));
const w1 = Math.max(9, ...rows.map((r) => r.name.length));
const w2 = Math.max(5, ...rows.map((r) => fmt(r.value).length));
console.log(`${'benchmark'.padEnd(w1)}  ${'value'.padStart(w2)}  unit`);
console.log(`${'-'.repeat(w1)}  ${'-'.repeat(w2)}  ----`);
for (const r of rows) console.log(`${r.name.padEnd(w1)}  ${fmt(r.value).padStart(w2)}  ${r.unit}${r.note ? `  (${r.note})` : ''}`);
