import { DefaultLogger, type NativeConnection, Runtime, Worker, type LogEntry } from '@temporalio/worker';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createActivities, type Activities } from '../activities/index.js';
import { loadRpcCredentials } from './chains/evm/rpcCredentials.js';
import { LocalArtifactStore } from './artifacts/store.js';
import { SharedArtifactStore } from './artifacts/sharedStore.js';
import { describeObjectStore, objectStoreConfigFromEnv, type ObjectStoreConfig } from './artifacts/objectStoreConfig.js';
import { config } from './config.js';
import { logger } from './logger.js';
import { prepareWorkflowBundle, workflowsPath } from './workflowBundle.js';
import { connectNativeConnection, temporalConnectionFromEnv } from './temporal/connect.js';

let runtimeInstalled = false;

/** Routes the Temporal SDK's own logs through pino (once per process). */
export function installRuntimeLogger(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const temporalLog = logger.child({ component: 'temporal' });
  Runtime.install({
    // The SDK is chatty at INFO (bundler output, state changes): WARN unless asked for more.
    logger: new DefaultLogger(process.env.TEMPORAL_LOG_LEVEL === 'debug' ? 'DEBUG' : 'WARN', (entry: LogEntry) => {
      const level = entry.level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
      temporalLog[level === 'trace' ? 'trace' : level]({ ...entry.meta }, entry.message);
    }),
  });
}

export { workflowsPath };

/** What a worker is built from; production leaves out what it takes from config and the environment. */
export interface WorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  artifactsDir?: string;
  devnetRoot?: string;
  /** A prebuilt workflow bundle (see src/workflowBundle.ts); without it the bundle is built here. */
  workflowBundlePath?: string;
  /**
   * The object store the run's files are shared through and published runs copied to; without it,
   * the one REGENESIS_S3_* names, if any (none: this worker's artifacts directory only).
   */
  objectStore?: ObjectStoreConfig;
  /**
   * The activities registered, given the ones production binds: a test stands some in to reach a
   * failure path while every other setting stays production's. Production passes none.
   */
  activities?: (real: Activities) => object;
}

/**
 * The coordinator's worker, as `regenesis worker`, the demo, the bench and the tests run it: one
 * place for the concurrency limit and the heartbeat throttle the export's resume depends on.
 */
export async function createWorker(options: WorkerOptions): Promise<Worker> {
  const disk = new LocalArtifactStore(options.artifactsDir ?? config.artifactsDir);
  // With REGENESIS_S3_*, every file an activity writes for another to read goes there too, and a
  // file missing from this worker's disk is fetched from there: workers on several hosts never
  // share a directory. Every published run is also copied there for validators on other hosts.
  const objectStore = options.objectStore ?? objectStoreConfigFromEnv();
  const store = objectStore ? new SharedArtifactStore(disk, objectStore) : disk;
  const namespace = options.namespace ?? config.namespace;
  await ensureSearchAttributes(options.connection, namespace);
  const real = createActivities({ store, devnetRoot: options.devnetRoot ?? config.devnetRoot, ...(objectStore ? { objectStore } : {}) });
  return Worker.create({
    connection: options.connection,
    namespace,
    taskQueue: options.taskQueue ?? config.taskQueue,
    ...(options.workflowBundlePath ? { workflowBundle: { codePath: options.workflowBundlePath } } : { workflowsPath }),
    activities: options.activities ? options.activities(real) : real,
    // Partitions are I/O bound on the node; the CPU-bound genesis pass is one activity at a time.
    maxConcurrentActivityTaskExecutions: 8,
    // Heartbeats carry the export cursor: the SDK would otherwise send at most one per 24 s (0.8 of
    // the 30 s timeout), and a retry after a crash would redo up to 24 s of pages.
    defaultHeartbeatThrottleInterval: '2 seconds',
    maxHeartbeatThrottleInterval: '2 seconds',
  });
}

/**
 * The worker of `regenesis worker` and `regenesis dev`: it loads a prebuilt workflow bundle, or one
 * built for it in a child process. The worker holds the code once created, so a bundle built for
 * it is not kept.
 */
export async function createServiceWorker(connection: NativeConnection): Promise<Worker> {
  const workflowBundlePath = await prepareWorkflowBundle();
  try {
    return await createWorker({ connection, workflowBundlePath });
  } finally {
    if (workflowBundlePath !== config.workflowBundle) await rm(dirname(workflowBundlePath), { recursive: true, force: true });
  }
}

/** `regenesis worker`: runs until SIGINT/SIGTERM, then drains and exits. */
export async function runWorker(): Promise<void> {
  installRuntimeLogger();
  // A malformed credentials variable stops the worker here, not at its first node call.
  const endpoints = loadRpcCredentials().size;
  const connection = await connectNativeConnection(temporalConnectionFromEnv());
  const worker = await createServiceWorker(connection);
  const objectStore = objectStoreConfigFromEnv();
  logger.info(
    {
      taskQueue: config.taskQueue,
      namespace: config.namespace,
      artifactsDir: config.artifactsDir,
      objectStore: objectStore ? describeObjectStore(objectStore) : null,
      credentialedEndpoints: endpoints,
    },
    'worker started',
  );
  await worker.run();
  await connection.close();
}

// temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
const INDEXED_VALUE_TYPE_KEYWORD = 2;
const SEARCH_ATTRIBUTES = ['RegenesisNetwork', 'RegenesisPhase', 'RegenesisKind'];

/**
 * Registers the run's search attributes in the namespace when missing, so a fresh server (dev or
 * production) can list and filter runs by network, phase and kind without a manual setup step.
 */
export async function ensureSearchAttributes(connection: NativeConnection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTES.filter((name) => !(name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, INDEXED_VALUE_TYPE_KEYWORD])),
    });
  } catch (err) {
    // Two workers starting together race here; the loser finds the attributes already there.
    const again = await connection.operatorService.listSearchAttributes({ namespace });
    if (SEARCH_ATTRIBUTES.some((name) => !(name in (again.customAttributes ?? {})))) throw err;
  }
}
