import { test, expect } from '@playwright/test';
import { collectPageErrors, openLab, terminalText, typeLine } from './lab.ts';

// The page `npm start` opens: Vite's dev server, which pre-bundles dependencies (fengari, the Lua VM, among
// them) its own way. Its node worker once failed there only (fengari took its Node paths), with no test noticing.
test('the dev server runs the lab: the node answers PING and a script, with no page error', async ({ page }) => {
  const errors = collectPageErrors(page);
  await openLab(page);
  await typeLine(page, 'PING');
  await expect.poll(() => terminalText(page)).toMatch(/> PING\s*\nPONG/);
  await typeLine(page, 'EVAL "return 1" 0');
  await expect.poll(() => terminalText(page), { timeout: 20_000 }).toMatch(/> EVAL "return 1" 0\s*\n\(integer\) 1/);
  expect(errors).toEqual([]);
});
