import { defineConfig } from 'vitest/config';
import LongestFirst from './test/sequencer.js';

// Three projects: `unit` is the quick loop (pure functions, no processes); `integration` starts real
// Temporal dev servers and real nodes on loopback ports and is what `npm test` adds on top; `cluster`
// runs against a Temporal server on PostgreSQL with mTLS (`npm run test:cluster`).
export default defineConfig({
  test: {
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 60_000,
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/workflow/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 300_000,
          // One workflow bundle for every test worker of the run, and a run that fails if a process
          // its tests started outlives them (see test/globalSetup.ts).
          globalSetup: ['test/globalSetup.ts'],
          // Two files at a time on a 2-core machine: they mostly wait (epochs, heartbeat timeouts,
          // node start-up). Every file takes loopback ports from the OS and its own temp dirs, so
          // files never share a port or a directory; the longest start first (test/sequencer.ts).
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'cluster',
          // The production topology on this machine: scripts/cluster.sh's PostgreSQL and Temporal
          // server with mTLS (`npm run test:cluster`). Each file starts and stops its own cluster on
          // loopback ports in temp dirs; the same leftover check as the integration run.
          include: ['test/cluster/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 300_000,
          globalSetup: ['test/globalSetup.ts'],
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
