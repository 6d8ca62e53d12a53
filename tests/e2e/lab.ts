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

/**
 * The lab is up: every node of the default cluster says cluster_state:ok, the replicas are in sync, all agree on
 * the slots (the health badge), and the terminal's redis-cli -c shows its prompt on port 7000.
 */
export async function waitForLabReady(page: Page): Promise<void> {
  await expect(page.getByTestId('health')).toHaveAttribute('data-healthy', 'true', { timeout: 30_000 });
  await expect.poll(() => terminalText(page), { timeout: 20_000 }).toContain('127.0.0.1:7000> ');
}

/** The lab's test hook (window.__lab): roles, processes and slot owners as the screen shows them. */
export interface LabHook {
  healthy(): boolean;
  healthyAfterMs(): number | null;
  clockUs(): number;
  roles(): Record<string, string | null>;
  processes(): Record<string, string>;
  epochs(): Record<string, number | null>;
  buckets(): { startUs: number; ok: number; errors: Record<string, number>; retried: Record<string, number> }[];
  owners(): (string | null)[];
}

export function lab<T>(page: Page, fn: (hook: LabHook) => T): Promise<T> {
  return page.evaluate(`(${fn.toString()})(window.__lab)`) as Promise<T>;
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

/** The active terminal tab's input (xterm.js's hidden textarea). */
export function terminalInput(page: Page) {
  return page.locator('[data-testid="terminal"][data-active="true"] .xterm-helper-textarea');
}

export async function typeLine(page: Page, line: string): Promise<void> {
  await terminalInput(page).focus();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}
