import { expect, type Page } from '@playwright/test';

/** The terminal's text, through the app's test hook. */
export function terminalText(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { __lab: { terminalText(): string } }).__lab.terminalText());
}

export function clockUs(page: Page): Promise<number> {
  return page.getByTestId('clock').getAttribute('data-us').then(Number);
}

/** Opens the lab and waits until it is ready. */
export async function openLab(page: Page): Promise<void> {
  await page.addInitScript(() => localStorage.setItem('cluster-lab.locale', 'en'));
  await page.goto('./');
  await waitForLabReady(page);
}

/** The lab is up: its node answered (today, the terminal's redis-cli shows its prompt). The one place to change. */
export async function waitForLabReady(page: Page): Promise<void> {
  await expect.poll(() => terminalText(page), { timeout: 20_000 }).toContain('127.0.0.1:6379> ');
}

/**
 * Every error the page reports from now on: uncaught exceptions (Chromium reports its workers' too) and console
 * errors. The browser's own request for /favicon.ico (the lab has none) is not the lab's error.
 */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  return errors;
}

export async function typeLine(page: Page, line: string): Promise<void> {
  await page.locator('.xterm-helper-textarea').focus();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}
