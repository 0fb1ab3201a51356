import { defineConfig } from 'vitest/config';

// Two projects: `unit` is the quick loop (pure functions, no processes); `integration` starts real
// Temporal dev servers and real nodes on loopback ports and is what `npm test` adds on top.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/workflow/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 300_000,
          // One workflow bundle for every test worker of the run (see test/globalSetup.ts).
          globalSetup: ['test/globalSetup.ts'],
          // Real processes on a 2-core machine: one file at a time keeps ports and CPU predictable.
          fileParallelism: false,
        },
      },
    ],
  },
});
