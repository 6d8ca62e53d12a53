/**
 * WorkerHost speed in the browser: 6 standalone nodes, each in its own Web Worker, serverCron at hz 10, no
 * clients, run as fast as the lockstep windows allow. Reports virtual seconds per real second.
 */
import { createWorkerHost } from '../../src/hosts/worker/worker-host.ts';

export interface BrowserBenchResult {
  virtualSecondsPerSecond: number;
  windowsPerSecond: number;
  advancesPerWindow: number;
  nodes: number;
}

async function run(): Promise<BrowserBenchResult> {
  const nodes = 6;
  const { host } = createWorkerHost({ seed: 1, link: { latencyUs: 100 } });
  for (let i = 0; i < nodes; i++) await host.addNode({ address: `127.0.0.1:${7000 + i}` });
  await host.runUntil(2_000_000); // warm-up: JIT, worker start
  const startWindows = host.stats.windows;
  const startAdvances = host.stats.advances;
  const v0 = host.nowUs;
  const t0 = performance.now();
  await host.runUntil(v0 + 60_000_000);
  const seconds = (performance.now() - t0) / 1000;
  const windows = host.stats.windows - startWindows;
  const result = {
    virtualSecondsPerSecond: (host.nowUs - v0) / 1e6 / seconds,
    windowsPerSecond: windows / seconds,
    advancesPerWindow: (host.stats.advances - startAdvances) / Math.max(1, windows),
    nodes,
  };
  await host.dispose();
  return result;
}

run().then(
  (r) => {
    (window as unknown as { __benchResult: BrowserBenchResult }).__benchResult = r;
    document.getElementById('out')!.textContent = JSON.stringify(r, null, 2);
  },
  (e) => {
    (window as unknown as { __benchError: string }).__benchError = String(e);
  },
);
