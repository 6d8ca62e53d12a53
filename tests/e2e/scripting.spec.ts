import { test, expect } from '@playwright/test';
import { clockUs, openLab, terminalText, typeLine, terminalInput } from './lab.ts';

const BUSY = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';

test('a runaway script: the clock and the page keep going, a new redis-cli gets BUSY, SCRIPT KILL ends it', async ({ page }) => {
  await openLab(page);
  await typeLine(page, 'CONFIG SET busy-reply-threshold 300');
  await expect.poll(() => terminalText(page)).toContain('OK');
  await typeLine(page, 'EVAL "local i = 0 while true do i = i + 1 end" 0');

  // The node computes in its worker: the page answers at once and the virtual clock keeps moving.
  const start = await clockUs(page);
  for (let i = 0; i < 5; i++) {
    const t0 = Date.now();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    expect(Date.now() - t0).toBeLessThan(500);
    await page.waitForTimeout(200);
  }
  await expect.poll(() => clockUs(page), { timeout: 10_000 }).toBeGreaterThan(start + 300_000);
  await page.getByTestId('pause').click();
  const paused = await clockUs(page);
  await page.waitForTimeout(400);
  expect(await clockUs(page)).toBe(paused);
  await page.getByTestId('play').click();

  // Ctrl-C ends this redis-cli (the script goes on); a new one is refused with BUSY, then kills the script.
  await terminalInput(page).focus();
  await page.keyboard.press('Control+C');
  await expect.poll(() => terminalText(page)).toContain('redis-cli exited');
  await page.keyboard.press('Enter');
  await typeLine(page, 'PING');
  await expect.poll(() => terminalText(page), { timeout: 20_000 }).toContain(`(error) ${BUSY}`);
  await typeLine(page, 'SCRIPT KILL');
  await expect.poll(() => terminalText(page), { timeout: 20_000 }).toMatch(/SCRIPT KILL\s+OK/);
  await typeLine(page, 'PING');
  await expect.poll(() => terminalText(page), { timeout: 20_000 }).toMatch(/PING\s+PONG/);
});

test('a script returning a table that contains itself: the terminal prints 7,995 levels as redis-cli does, and the lab goes on', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) errors.push(m.text());
  });
  await openLab(page);
  await typeLine(page, 'EVAL "local t = {} t[1] = t return t" 0');
  await expect.poll(() => terminalText(page), { timeout: 20_000 }).toContain('1) 1) (error) ERR reached lua stack limit');
  const text = await terminalText(page);
  expect(text.split('1) ').length - 1).toBeGreaterThanOrEqual(7995);
  const before = await clockUs(page);
  await typeLine(page, 'PING');
  await expect.poll(() => terminalText(page)).toMatch(/> PING\s*\nPONG/);
  await expect.poll(() => clockUs(page)).toBeGreaterThan(before);
  expect(errors).toEqual([]);
});
