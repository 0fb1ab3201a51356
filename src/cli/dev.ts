import { NativeConnection } from '@temporalio/worker';
import { startTemporalDevServer } from '../dev/temporal.js';
import { logger } from '../logger.js';
import { createServiceWorker, installRuntimeLogger } from '../worker.js';

/** `regenesis dev`: dev server + worker in the foreground; SIGINT/SIGTERM stop both cleanly. */
export async function runDev(options: { port: number; uiPort: number; stateDir: string }): Promise<void> {
  installRuntimeLogger();
  const server = await startTemporalDevServer(options);
  logger.info({ address: server.address, ui: server.uiUrl }, 'Temporal dev server up');
  const connection = await NativeConnection.connect({ address: server.address });
  const worker = await createServiceWorker(connection);
  const stop = (): void => {
    logger.info('stopping worker and dev server');
    worker.shutdown();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    logger.info(`Web UI: ${server.uiUrl} — start a run with 'regenesis start --plan FILE' or from the UI`);
    await worker.run();
  } finally {
    await connection.close();
    await server.stop();
  }
}
