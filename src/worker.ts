import { DefaultLogger, NativeConnection, Runtime, Worker, type LogEntry } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createActivities } from '../activities/index.js';
import { LocalArtifactStore } from './artifacts/store.js';
import { config } from './config.js';
import { logger } from './logger.js';

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

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export async function createWorker(options: {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  artifactsDir?: string;
  devnetRoot?: string;
}): Promise<Worker> {
  const store = new LocalArtifactStore(options.artifactsDir ?? config.artifactsDir);
  await ensureSearchAttributes(options.connection, options.namespace ?? config.namespace);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? config.namespace,
    taskQueue: options.taskQueue ?? config.taskQueue,
    workflowsPath,
    activities: createActivities({ store, devnetRoot: options.devnetRoot ?? config.devnetRoot }),
    // Partitions are I/O bound on the node; the CPU-bound genesis pass is one activity at a time.
    maxConcurrentActivityTaskExecutions: 8,
  });
}

/** `regenesis worker`: runs until SIGINT/SIGTERM, then drains and exits. */
export async function runWorker(): Promise<void> {
  installRuntimeLogger();
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await createWorker({ connection });
  logger.info({ taskQueue: config.taskQueue, namespace: config.namespace, artifactsDir: config.artifactsDir }, 'worker started');
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
