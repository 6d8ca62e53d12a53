import { defineConfig } from '@playwright/test';
import { existsSync } from 'node:fs';

// Browser tests drive Debian's Chromium (never a downloaded browser) against the built site, served under a
// sub-path by a plain static server.
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  throw new Error(`Chromium not found at ${executablePath}: install it with 'apt-get install -y chromium' or set CHROMIUM_PATH`);
}
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];
const PORT = 4173;

export default defineConfig({
  testDir: 'tests/e2e',
  workers: 1,
  timeout: 60_000,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}/lab/`,
    headless: true,
    launchOptions: { executablePath, args: CHROMIUM_ARGS },
  },
  webServer: {
    command: `npx tsx tests/e2e/serve-dist.ts ${PORT} /lab/`,
    url: `http://127.0.0.1:${PORT}/lab/`,
    reuseExistingServer: false,
    timeout: 30_000,
  },
});
