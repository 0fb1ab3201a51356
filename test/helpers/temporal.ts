import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import { createActivities, type Activities } from '../../activities/index.js';
import type { ObjectStoreConfig } from '../../src/artifacts/objectStoreConfig.js';
import { LocalArtifactStore } from '../../src/artifacts/store.js';
import { toolPath } from '../../src/tools.js';
import { ensureSearchAttributes, workflowsPath } from '../../src/worker.js';

let runtimeQuiet = false;

/** A real Temporal dev server (the CLI binary from the bootstrap), on a free loopback port. */
export async function startTemporal(options: { dbFilename?: string } = {}): Promise<TestWorkflowEnvironment> {
  if (!runtimeQuiet) {
    runtimeQuiet = true;
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  }
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: toolPath('temporal') },
      ip: '127.0.0.1',
      dbFilename: options.dbFilename,
      log: { format: 'pretty', level: 'error' },
    },
  });
}

/** A worker's activities over a local artifact directory (and an object store when given), as production binds them. */
export function activitiesFor(artifactsDir: string, options: { devnetRoot?: string; objectStore?: ObjectStoreConfig } = {}): Activities {
  return createActivities({
    store: new LocalArtifactStore(artifactsDir),
    devnetRoot: options.devnetRoot ?? artifactsDir,
    ...(options.objectStore ? { objectStore: options.objectStore } : {}),
  });
}

let queueCounter = 0;
export function uniqueTaskQueue(prefix = 'test'): string {
  queueCounter += 1;
  return `${prefix}-${process.pid}-${queueCounter}-${Date.now()}`;
}

export async function createTestWorker(
  env: TestWorkflowEnvironment,
  options: { taskQueue: string; artifactsDir: string; devnetRoot?: string; activities?: object },
): Promise<Worker> {
  await ensureSearchAttributes(env.nativeConnection, env.namespace ?? 'default');
  return Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: options.taskQueue,
    // The bundle test/globalSetup.ts built once for the run; bundling here when run without it.
    ...(process.env.REGENESIS_TEST_WORKFLOW_BUNDLE ? { workflowBundle: { codePath: process.env.REGENESIS_TEST_WORKFLOW_BUNDLE } } : { workflowsPath }),
    activities: options.activities ?? activitiesFor(options.artifactsDir, options),
  });
}
