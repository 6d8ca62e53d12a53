/**
 * The lab's screen in Debian's Chromium, as a learner opens it: the static build served from a sub-path, a
 * 1280 x 720 window. Measures what issue 14 names: the time from navigation to a healthy 6-node cluster, the
 * JavaScript fetched before it is up (gzipped), frames per second while a master fails over under 1,000 ops/s
 * of client load, and virtual seconds per real second of that cluster with the load at the highest speed.
 * Run alone with `npx tsx bench/lab-screen.ts`, or through `npm run bench` (BENCH=lab-screen).
 */
import { build } from 'vite';
import { chromium, type Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { BenchRow } from './run.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const LOADS = Number(process.env.BENCH_LAB_LOADS ?? 3);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Hook {
  healthy(): boolean;
  healthyAfterMs(): number | null;
  roles(): Record<string, string | null>;
  clockUs(): number;
  setSpeed(speed: number): void;
  store: {
    setLoad(s: { opsPerSec: number; readRatio: number; keys: number; hotKeyShare: number }): void;
    act(a: { kind: 'kill'; node: string }): void;
  };
}
declare const window: { __lab: Hook };

async function openHealthy(page: Page, url: string): Promise<{ healthyMs: number; gzipBytes: number }> {
  // Each file once: six node workers load the same chunk (the browser fetches it from its cache after the first).
  const scripts = new Map<string, Promise<number>>();
  let up = false;
  page.on('response', (r) => {
    if (!up && new URL(r.url()).pathname.endsWith('.js') && !scripts.has(r.url())) scripts.set(r.url(), r.body().then((b) => gzipSync(b).length));
  });
  // tsx compiles this file keeping function names through a `__name` helper that the page lacks.
  await page.addInitScript('window.__name = (f) => f');
  await page.addInitScript(() => localStorage.setItem('cluster-lab.intro', 'seen'));
  await page.goto(url);
  await page.waitForFunction(() => window.__lab?.healthy?.() === true, undefined, { timeout: 60_000, polling: 20 });
  up = true;
  const healthyMs = await page.evaluate(() => window.__lab.healthyAfterMs() ?? NaN);
  const sizes = await Promise.all(scripts.values());
  return { healthyMs, gzipBytes: sizes.reduce((a, b) => a + b, 0) };
}

export async function benchLabScreen(): Promise<BenchRow[]> {
  const outDir = mkdtempSync(resolve(tmpdir(), 'cluster-lab-bench-'));
  await build({ root: ROOT, configFile: resolve(ROOT, 'vite.config.ts'), logLevel: 'error', build: { outDir, emptyOutDir: true } });
  const port = 26_400 + Math.floor(Math.random() * 1000);
  const server = spawn('npx', ['tsx', 'tests/e2e/serve-dist.ts', String(port), '/lab/', outDir], { cwd: ROOT, stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}/lab/`;
  for (let i = 0; i < 100; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const healthy: number[] = [];
    let gzip = 0;
    for (let i = 0; i < LOADS; i++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      const r = await openHealthy(page, url);
      healthy.push(r.healthyMs);
      gzip = r.gzipBytes;
      await page.close();
    }

    const rows: BenchRow[] = [
      { name: 'Lab screen: navigation to a healthy 6-node cluster', value: median(healthy) / 1000, unit: 's', note: `median of ${LOADS} loads, ${healthy.map((h) => (h / 1000).toFixed(2)).join(' / ')}; target <= 1.5` },
      { name: 'Lab screen: JavaScript before the cluster is up', value: gzip / 1024, unit: 'KiB gzipped', note: 'target <= 350' },
    ];
    // Both placements: the whole lab in one worker (the default) and a worker per node (?placement=node-workers).
    for (const [label, query] of [['lab worker', ''], ['worker per node', '?placement=node-workers']] as const) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      await openHealthy(page, url + query);
      // A master fails over under load, at real time: frames per second over each real second.
      const fps = await page.evaluate(async () => {
        const lab = window.__lab;
        lab.store.setLoad({ opsPerSec: 1000, readRatio: 0.5, keys: 1000, hotKeyShare: 0 });
        await new Promise((r) => setTimeout(r, 1000));
        lab.store.act({ kind: 'kill', node: '127.0.0.1:7000' });
        const perSecond: number[] = [];
        for (let s = 0; s < 6; s++) {
          let frames = 0;
          const end = performance.now() + 1000;
          await new Promise<void>((done) => {
            const f = () => {
              frames++;
              if (performance.now() < end) requestAnimationFrame(f);
              else done();
            };
            requestAnimationFrame(f);
          });
          perSecond.push(frames);
        }
        return perSecond;
      });
      const promoted = await page.evaluate(() => window.__lab.roles()['127.0.0.1:7003']);
      // The same cluster and load at the highest speed.
      const speed = await page.evaluate(async () => {
        const lab = window.__lab;
        lab.setSpeed(100);
        await new Promise((r) => setTimeout(r, 500));
        const v0 = lab.clockUs();
        const t0 = performance.now();
        await new Promise((r) => setTimeout(r, 4000));
        return (lab.clockUs() - v0) / 1e6 / ((performance.now() - t0) / 1000);
      });
      await page.close();
      rows.push(
        { name: `Lab screen (${label}): frames/s during a failover at 1,000 ops/s`, value: median(fps), unit: 'fps', note: `per second: ${fps.join(' ')}; 7003 ${promoted === 'master' ? 'promoted' : 'not yet promoted'}; target >= 55` },
        { name: `Lab screen (${label}): 6-node cluster with 1,000 ops/s at 100x`, value: speed, unit: 'virtual s / real s', note: 'target >= 20' },
      );
    }
    return rows;
  } finally {
    await browser.close();
    server.kill();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchLabScreen()) console.log(`${r.name}: ${r.value.toFixed(2)} ${r.unit} (${r.note ?? ''})`);
}
