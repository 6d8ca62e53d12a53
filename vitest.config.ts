import { defineConfig } from 'vitest/config';

// Test layers (see tests/README.md): unit, sim (seeded simulations), conformance (against real redis-server).
// Browser tests run under Playwright, not vitest.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' } },
      { test: { name: 'sim', include: ['tests/sim/**/*.test.ts'], environment: 'node', testTimeout: 120_000 } },
      {
        test: {
          name: 'conformance',
          include: ['tests/conformance/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 30_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
