import { test, expect } from '@playwright/test';
import { openLab, terminalText, typeLine } from './lab.ts';

test('PING answers PONG; SET then GET shows "v" as redis-cli prints it', async ({ page }) => {
  const offOrigin: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith('http://127.0.0.1:4173/lab/')) offOrigin.push(r.url());
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await openLab(page);
  await typeLine(page, 'PING');
  await expect.poll(() => terminalText(page)).toMatch(/127\.0\.0\.1:6379> PING\s*\nPONG\s*\n127\.0\.0\.1:6379> /);
  await typeLine(page, 'SET k v');
  await expect.poll(() => terminalText(page)).toMatch(/> SET k v\s*\nOK/);
  await typeLine(page, 'GET k');
  await expect.poll(() => terminalText(page)).toMatch(/> GET k\s*\n"v"/);
  await typeLine(page, 'GET');
  await expect.poll(() => terminalText(page)).toContain("(error) ERR wrong number of arguments for 'get' command");
  await expect(page.getByTestId('keys')).toHaveText('1');

  // Self-contained: nothing was fetched from anywhere but the site itself (it works offline).
  expect(offOrigin).toEqual([]);
  expect(errors).toEqual([]);
});

test('hints and history work like redis-cli', async ({ page }) => {
  await openLab(page);
  await page.locator('.xterm-helper-textarea').focus();
  await page.keyboard.type('SET ');
  await expect.poll(() => terminalText(page)).toContain('SET key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]');
  await page.keyboard.type('h 1');
  await page.keyboard.press('Enter');
  await expect.poll(() => terminalText(page)).toMatch(/> SET h 1\s*\nOK/);
  await page.keyboard.press('ArrowUp');
  await expect.poll(() => terminalText(page)).toMatch(/OK\s*\n127\.0\.0\.1:6379> SET h 1/);
});
