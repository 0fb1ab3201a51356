import { NativeConnection } from '@temporalio/worker';
import { startTemporalDevServer, type TemporalDevServer } from '../dev/temporal.js';
import { logger } from '../logger.js';
import { createServiceWorker, installRuntimeLogger } from '../worker.js';

/**
 * `regenesis dev`: dev server + worker in the foreground. SIGINT/SIGTERM stop both cleanly, and a
 * failure after the server started stops it too. What no handler can see (SIGKILL, a crash) is left
 * to the kernel: the server is spawned to die with this process (src/nodes/process.ts).
 */
export async function runDev(options: { port: number; uiPort: number; stateDir: string }): Promise<void> {
  installRuntimeLogger();
  const server = await startTemporalDevServer(options);
  try {
    logger.info({ address: server.address, ui: server.uiUrl }, 'Temporal dev server up');
    await runWorkerUntilSignalled(server);
  } finally {
    await server.stop();
  }
}

async function runWorkerUntilSignalled(server: TemporalDevServer): Promise<void> {
  const connection = await NativeConnection.connect({ address: server.address });
  try {
    const worker = await createServiceWorker(connection);
    const stop = (): void => {
      logger.info('stopping worker and dev server');
      worker.shutdown();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    logger.info(`Web UI: ${server.uiUrl} — start a run with 'regenesis start --plan FILE' or from the UI`);
    await worker.run();
  } finally {
    await connection.close();
  }
}
