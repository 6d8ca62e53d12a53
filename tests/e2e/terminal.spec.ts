import { test, expect } from '@playwright/test';
import { openLab, terminalText, typeLine, terminalInput } from './lab.ts';

test('PING answers PONG; SET then GET follow the redirection to the slot\'s owner as redis-cli -c prints it', async ({ page }) => {
  const offOrigin: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith('http://127.0.0.1:4173/lab/')) offOrigin.push(r.url());
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await openLab(page);
  await typeLine(page, 'PING');
  await expect.poll(() => terminalText(page)).toMatch(/127\.0\.0\.1:7000> PING\s*\nPONG\s*\n127\.0\.0\.1:7000> /);
  // "k" hashes to slot 7629, served by the second master (port 7001): redis-cli -c follows the MOVED.
  await typeLine(page, 'SET k v');
  await expect.poll(() => terminalText(page)).toMatch(/> SET k v\s*\n-> Redirected to slot \[7629\] located at 127\.0\.0\.1:7001\s*\nOK\s*\n127\.0\.0\.1:7001> /);
  await typeLine(page, 'GET k');
  await expect.poll(() => terminalText(page)).toMatch(/7001> GET k\s*\n"v"/);
  await typeLine(page, 'GET');
  await expect.poll(() => terminalText(page)).toContain("(error) ERR wrong number of arguments for 'get' command");
  await page.getByTestId('node-7001').click();
  await page.getByTestId('tab-inspector').click();
  await expect(page.getByTestId('inspector-keys')).toHaveText('1', { timeout: 10_000 });

  // Self-contained: nothing was fetched from anywhere but the site itself (it works offline).
  expect(offOrigin).toEqual([]);
  expect(errors).toEqual([]);
});

test('hints and history work like redis-cli', async ({ page }) => {
  await openLab(page);
  await terminalInput(page).focus();
  await page.keyboard.type('SET ');
  await expect.poll(() => terminalText(page)).toContain('SET key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]');
  // "b" hashes to slot 3300, on port 7000 itself: no redirection.
  await page.keyboard.type('b 1');
  await page.keyboard.press('Enter');
  await expect.poll(() => terminalText(page)).toMatch(/> SET b 1\s*\nOK/);
  await page.keyboard.press('ArrowUp');
  await expect.poll(() => terminalText(page)).toMatch(/OK\s*\n127\.0\.0\.1:7000> SET b 1/);
});

test('a second terminal on another node: its own redis-cli -c, its own prompt; closing it leaves the first as it was', async ({ page }) => {
  await openLab(page);
  await typeLine(page, 'SET first 1');
  await page.getByTestId('new-terminal').click();
  await page.getByTestId('new-terminal-node').selectOption('127.0.0.1:7002');
  await expect(page.getByTestId('term-tab-7002')).toHaveAttribute('aria-selected', 'true');
  await expect.poll(() => terminalText(page)).toContain('127.0.0.1:7002> ');
  await typeLine(page, 'CLUSTER MYID');
  await expect.poll(() => terminalText(page)).toMatch(/7002> CLUSTER MYID\s*\n"[0-9a-f]{40}"/);
  expect(await terminalText(page)).not.toContain('SET first');
  await page.getByRole('button', { name: /Close the terminal on 7002/ }).click();
  await expect(page.getByTestId('term-tab-7000')).toHaveAttribute('aria-selected', 'true');
  await expect.poll(() => terminalText(page)).toContain('SET first');
});
