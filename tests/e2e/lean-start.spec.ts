import { test, expect, type Response } from '@playwright/test';
import { gzipSync } from 'node:zlib';
import { openLab, terminalText, typeLine } from './lab.ts';

/** A string only fengari (the Lua VM) carries: its LUA_COPYRIGHT. */
const LUA_VM_MARKER = 'Lua.org, PUC-Rio';
/** The budget for the JavaScript loaded before the lab is up, gzipped. */
const BUDGET_GZIP_BYTES = 350 * 1024;

interface Script {
  url: string;
  text: string;
}

test('the page starts without the Lua VM and fetches it when a node first runs a script', async ({ page }) => {
  // Each file once, however many workers load it.
  const scripts: Script[] = [];
  const pending: Promise<void>[] = [];
  page.on('response', (r: Response) => {
    if (!new URL(r.url()).pathname.endsWith('.js')) return;
    pending.push(r.text().then((text) => {
      if (!scripts.some((s) => s.url === r.url())) scripts.push({ url: r.url(), text });
    }));
  });

  await openLab(page);
  await typeLine(page, 'PING');
  await expect.poll(() => terminalText(page)).toMatch(/> PING\s*\nPONG/);
  await Promise.all(pending);
  const first = [...scripts];
  // The main chunk and the node worker's, at least; none of them holds the Lua VM.
  expect(first.length).toBeGreaterThanOrEqual(2);
  expect(first.filter((s) => s.text.includes(LUA_VM_MARKER)).map((s) => s.url)).toEqual([]);
  const gzipped = first.reduce((sum, s) => sum + gzipSync(s.text).length, 0);
  console.log(`JavaScript before the first reply: ${first.length} files, ${(gzipped / 1024).toFixed(1)} KiB gzipped`);
  expect(gzipped).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);

  await typeLine(page, 'EVAL "return 1" 0');
  await expect.poll(() => terminalText(page), { timeout: 20_000 }).toMatch(/> EVAL "return 1" 0\s*\n\(integer\) 1/);
  await Promise.all(pending);
  const lua = scripts.slice(first.length).filter((s) => s.text.includes(LUA_VM_MARKER));
  expect(lua.length).toBe(1);
  console.log(`the Lua runtime, fetched on demand: ${(gzipSync(lua[0].text).length / 1024).toFixed(1)} KiB gzipped`);
});
