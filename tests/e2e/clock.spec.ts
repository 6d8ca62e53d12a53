import { test, expect } from '@playwright/test';
import { clockUs, openLab, terminalText, typeLine } from './lab.ts';

test('pause stops the virtual clock; step and +1 s move it; play resumes it', async ({ page }) => {
  await openLab(page);
  await expect.poll(() => clockUs(page)).toBeGreaterThan(0);

  await page.getByTestId('pause').click();
  const paused = await clockUs(page);
  await page.waitForTimeout(500);
  expect(await clockUs(page)).toBe(paused);

  await page.getByTestId('step').click();
  await expect.poll(() => clockUs(page)).toBeGreaterThan(paused);
  const afterStep = await clockUs(page);

  await page.getByTestId('plus-second').click();
  await expect.poll(() => clockUs(page)).toBeGreaterThanOrEqual(afterStep + 1_000_000);

  // Typing while paused still gets a reply: the clock moves just far enough for it.
  const beforeCmd = await clockUs(page);
  await typeLine(page, 'PING paused');
  await expect.poll(() => terminalText(page)).toContain('"paused"');
  const afterCmd = await clockUs(page);
  expect(afterCmd).toBeGreaterThan(beforeCmd);
  expect(afterCmd - beforeCmd).toBeLessThan(1_000_000);
  await page.waitForTimeout(300);
  expect(await clockUs(page)).toBe(afterCmd);

  await page.getByTestId('play').click();
  await expect.poll(() => clockUs(page)).toBeGreaterThan(afterCmd + 100_000);
});

test('at 10x the virtual clock runs about ten times faster than real time', async ({ page }) => {
  await openLab(page);
  await page.getByTestId('speed').selectOption('10');
  const v0 = await clockUs(page);
  const t0 = Date.now();
  await page.waitForTimeout(1500);
  const dv = (await clockUs(page)) - v0;
  const dt = (Date.now() - t0) * 1000;
  expect(dv / dt).toBeGreaterThan(5);
  expect(dv / dt).toBeLessThan(13);
});
