/**
 * Runs bench/browser in Debian's Chromium through a Vite dev server and reports the WorkerHost figures.
 * Run alone with `npx tsx bench/worker-host.ts`, or through `npm run bench`.
 */
import { createServer } from 'vite';
import { chromium } from '@playwright/test';
import { resolve } from 'node:path';
import type { BenchRow } from './run.ts';
import type { BrowserBenchResult } from './browser/main.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export async function benchWorkerHost(): Promise<BenchRow[]> {
  const server = await createServer({ root: ROOT, configFile: resolve(ROOT, 'vite.config.ts'), server: { port: 0, host: '127.0.0.1' }, logLevel: 'error' });
  await server.listen();
  const address = server.httpServer?.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/bench/browser/index.html`);
    await page.waitForFunction(() => '__benchResult' in window || '__benchError' in window, undefined, { timeout: 180_000 });
    const error = await page.evaluate(() => (window as unknown as { __benchError?: string }).__benchError);
    if (error) throw new Error(error);
    const r = await page.evaluate(() => (window as unknown as { __benchResult: BrowserBenchResult }).__benchResult);
    return [
      { name: `WorkerHost, ${r.nodes} idle nodes (hz 10), Chromium`, value: r.virtualSecondsPerSecond, unit: 'virtual s / real s', note: 'target >= 50' },
      { name: 'WorkerHost windows', value: r.windowsPerSecond, unit: 'windows/s', note: `${r.advancesPerWindow.toFixed(2)} node advances per window` },
    ];
  } finally {
    await browser.close();
    await server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchWorkerHost()) console.log(`${r.name}: ${r.value.toFixed(1)} ${r.unit} (${r.note ?? ''})`);
}
