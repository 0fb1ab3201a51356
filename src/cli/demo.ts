import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { config } from '../config.js';
import { startGethDev } from '../devnet/geth.js';
import { fillChain } from '../devnet/fill.js';
import { freePort } from '../devnet/ports.js';
import { startTemporalDevServer } from '../devnet/temporal.js';
import { logger } from '../logger.js';
import type { PlanInput } from '../plan.js';
import { createWorker, installRuntimeLogger } from '../worker.js';
import type { RegenesisResult } from '../../workflows/messages.js';
import { printResult } from './print.js';

async function portOrFree(preferred: number): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => void freePort().then(resolve));
    s.listen({ host: '127.0.0.1', port: preferred }, () => s.close(() => resolve(preferred)));
  });
}

/**
 * The embedded default: a Temporal dev server (UI on 8233 when free), a geth dev chain filled with
 * accounts, contracts and storage by real transactions, a worker, and one regenesis of that chain
 * frozen at the end of the current LP-181 epoch. Prints the report and the Web UI link.
 */
export async function runDemo(options: { keep: boolean; json: boolean }): Promise<number> {
  installRuntimeLogger();
  const stateDir = join(config.stateDir, 'demo');
  mkdirSync(stateDir, { recursive: true });
  const server = await startTemporalDevServer({
    stateDir,
    port: await portOrFree(7233),
    uiPort: await portOrFree(8233),
  });
  const cleanups: Array<() => Promise<void>> = [() => server.stop()];
  try {
    logger.info({ ui: server.uiUrl }, 'Temporal dev server up');
    const gethDir = join(stateDir, 'geth');
    rmSync(gethDir, { recursive: true, force: true });
    const geth = await startGethDev({ dataDir: gethDir, periodSeconds: 1 });
    cleanups.unshift(() => geth.stop().then(() => undefined));
    logger.info({ rpc: geth.rpcUrl }, 'geth dev chain up; filling it with accounts, contracts and storage');
    const filled = await fillChain(geth.rpcUrl, {});
    const { accounts, contracts, slots, lastBlock, transactions, elapsedMs } = filled;
    logger.info({ accounts, contracts, slots, lastBlock, transactions, elapsedMs }, 'chain filled');

    const connection = await NativeConnection.connect({ address: server.address });
    const worker = await createWorker({ connection, artifactsDir: join(config.artifactsDir) });
    const plan: PlanInput = {
      name: 'demo',
      chains: { C: { rpcUrl: geth.rpcUrl, partitions: 4 } },
      target: { epoch: 'current' },
      epoch: { durationSeconds: 10, pollSeconds: 2 },
      genesis: { chainId: 7777, startTime: Math.floor(Date.now() / 1000) + 24 * 3600 },
    };
    const client = new Client({ connection: await Connection.connect({ address: server.address }) });
    const workflowId = `regenesis-demo-${Date.now()}`;
    const result = await worker.runUntil(async () => {
      const handle = await client.workflow.start('regenesisWorkflow', {
        taskQueue: config.taskQueue,
        workflowId,
        args: [plan],
      });
      logger.info({ workflowId, ui: `${server.uiUrl}/namespaces/default/workflows/${workflowId}` }, 'regenesis started');
      return (await handle.result()) as RegenesisResult;
    });
    await connection.close();
    printResult(result, { json: options.json, workflowId, uiUrl: server.uiUrl });
    if (options.keep) {
      logger.info(`Web UI stays up at ${server.uiUrl}; Ctrl-C to stop`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
    return result.status === 'Completed' ? 0 : 1;
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((err: unknown) => logger.warn({ err }, 'cleanup failed'));
  }
}
