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
}): Promise<Worker> {
  const store = new LocalArtifactStore(options.artifactsDir ?? config.artifactsDir);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? config.namespace,
    taskQueue: options.taskQueue ?? config.taskQueue,
    workflowsPath,
    activities: createActivities({ store }),
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
