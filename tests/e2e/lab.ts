import { expect, type Page } from '@playwright/test';

/** The terminal's text, through the app's test hook. */
export function terminalText(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { __lab: { terminalText(): string } }).__lab.terminalText());
}

export function clockUs(page: Page): Promise<number> {
  return page.getByTestId('clock').getAttribute('data-us').then(Number);
}

/** Opens the lab and waits for the redis-cli prompt. */
export async function openLab(page: Page): Promise<void> {
  await page.addInitScript(() => localStorage.setItem('cluster-lab.locale', 'en'));
  await page.goto('./');
  await expect.poll(() => terminalText(page), { timeout: 20_000 }).toContain('127.0.0.1:6379> ');
}

export async function typeLine(page: Page, line: string): Promise<void> {
  await page.locator('.xterm-helper-textarea').focus();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}
