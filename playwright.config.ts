import { defineConfig } from '@playwright/test';
import { existsSync } from 'node:fs';

// Browser tests drive Debian's Chromium (never a downloaded browser). The project "build" runs every spec
// against the built site, served under a sub-path by a plain static server; the project "dev" runs the specs
// named *.dev.spec.ts against Vite's dev server, the page `npm start` opens (`vite build` and the dev server bundle
// dependencies differently, and only the second broke once).
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  throw new Error(`Chromium not found at ${executablePath}: install it with 'apt-get install -y chromium' or set CHROMIUM_PATH`);
}
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];
const PORT = 4173;
const DEV_PORT = 5199;

export default defineConfig({
  testDir: 'tests/e2e',
  workers: 1,
  timeout: 60_000,
  reporter: [['list']],
  use: {
    headless: true,
    launchOptions: { executablePath, args: CHROMIUM_ARGS },
  },
  projects: [
    { name: 'build', testIgnore: /\.dev\.spec\.ts$/, use: { baseURL: `http://127.0.0.1:${PORT}/lab/` } },
    { name: 'dev', testMatch: /\.dev\.spec\.ts$/, use: { baseURL: `http://127.0.0.1:${DEV_PORT}/` } },
  ],
  webServer: [
    {
      command: `npx tsx tests/e2e/serve-dist.ts ${PORT} /lab/`,
      url: `http://127.0.0.1:${PORT}/lab/`,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      command: `npx vite --port ${DEV_PORT} --strictPort`,
      url: `http://127.0.0.1:${DEV_PORT}/`,
      reuseExistingServer: false,
      timeout: 60_000,
    },
  ],
});
