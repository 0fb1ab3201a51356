import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import { toolPath } from '../../src/tools.js';
import { createWorker, type WorkerOptions } from '../../src/worker.js';

let runtimeQuiet = false;

/**
 * A real Temporal dev server (the CLI binary from the bootstrap), on a free loopback port, or on
 * `ip` (every interface, for agents on hosts of their own: the SDK itself always reaches it at 127.0.0.1).
 */
export async function startTemporal(options: { dbFilename?: string; ip?: string } = {}): Promise<TestWorkflowEnvironment> {
  if (!runtimeQuiet) {
    runtimeQuiet = true;
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  }
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: toolPath('temporal') },
      ip: options.ip ?? '127.0.0.1',
      dbFilename: options.dbFilename,
      log: { format: 'pretty', level: 'error' },
    },
  });
}

let queueCounter = 0;

/** A task queue no other test of the run polls, so each test's worker sees only its own runs. */
export function uniqueTaskQueue(prefix = 'test'): string {
  queueCounter += 1;
  return `${prefix}-${process.pid}-${queueCounter}-${Date.now()}`;
}

/**
 * The production worker (`createWorker`) on the test server, over a local artifact directory: the
 * same concurrency limit and heartbeat throttle as `regenesis worker`. It loads the workflow bundle
 * test/globalSetup.ts built once for the run (bundling here when run without it); the devnet root
 * is the artifact directory unless given; `activities` stands some activities in.
 */
export function createTestWorker(
  env: TestWorkflowEnvironment,
  options: Pick<WorkerOptions, 'devnetRoot' | 'objectStore' | 'activities'> & { taskQueue: string; artifactsDir: string },
): Promise<Worker> {
  const bundle = process.env.REGENESIS_TEST_WORKFLOW_BUNDLE;
  return createWorker({
    ...options,
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    devnetRoot: options.devnetRoot ?? options.artifactsDir,
    ...(bundle ? { workflowBundlePath: bundle } : {}),
  });
}
