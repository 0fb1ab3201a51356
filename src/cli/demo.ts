import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { demoValidators } from '../dev/demoValidators.js';
import { LocalGethDevnet } from '../operator/localDevnet.js';
import { NativeConnection } from '@temporalio/worker';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { config } from '../config.js';
import { fillChain } from '../dev/fill.js';
import { freePort } from '../nodes/ports.js';
import { startTemporalDevServer } from '../dev/temporal.js';
import { logger } from '../logger.js';
import { parsePlan, reachesTwoThirds, type PlanInput } from '../plan/index.js';
import { startMetadata } from '../view/details.js';
import { demoApprover } from '../dev/approver.js';
import { createWorker, installRuntimeLogger } from '../worker.js';
import { approveUpdate, ratifyUpdate, statusQuery, type Phase, type RegenesisResult } from '../../workflows/messages.js';
import { printResult } from './print.js';
import { regenesisWorkflow } from '../../workflows/index.js';

/** Waits until the run reaches `phase` (or ends) and returns its genesis sha256. */
async function phaseReached(handle: WorkflowHandle, phase: Phase): Promise<string> {
  for (;;) {
    const status = await handle.query(statusQuery);
    if (status.phase === phase && status.genesisSha256) return status.genesisSha256;
    const execution = (await handle.describe()).status.name;
    if (execution !== 'RUNNING') {
      await handle.result(); // throws the run's failure, which says what went wrong
      throw new Error(`run ended (${execution}, phase ${status.phase}) before ${phase}`);
    }
    await sleep(500);
  }
}

/** Resolves on Ctrl-C or SIGTERM (a demo run with --keep stays up until then). */
export function untilInterrupted(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

/** `preferred` when it is free on loopback, another free port otherwise. */
export async function portOrFree(preferred: number): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => void freePort().then(resolve));
    s.listen({ host: '127.0.0.1', port: preferred }, () => s.close(() => resolve(preferred)));
  });
}

/**
 * The embedded default: a Temporal dev server (UI on 8233 when free), a local geth devnet filled
 * with accounts, contracts and storage by real transactions, a worker, and one whole regenesis of
 * that chain: frozen at the end of the current LP-181 epoch, exported, verified, rehearsed,
 * approved, ratified by three new validators, launched as a new network and checked. Prints the
 * report and the Web UI link.
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
    const devnetRoot = join(stateDir, 'devnets');
    rmSync(devnetRoot, { recursive: true, force: true });
    const { devnet, rpcUrl } = await LocalGethDevnet.create(devnetRoot, 'demo');
    cleanups.unshift(() => devnet.stopAll());
    logger.info({ rpc: rpcUrl }, 'geth dev chain up; filling it with accounts, contracts and storage');
    const filled = await fillChain(rpcUrl, {});
    const { accounts, contracts, slots, lastBlock, transactions, elapsedMs } = filled;
    logger.info({ accounts, contracts, slots, lastBlock, transactions, elapsedMs }, 'chain filled');

    const connection = await NativeConnection.connect({ address: server.address });
    const worker = await createWorker({ connection, artifactsDir: config.artifactsDir, devnetRoot });
    const validators = demoValidators(3);
    const approver = demoApprover('demo-operator');
    const plan: PlanInput = {
      name: 'demo',
      network: 'demo',
      chains: { C: { rpcUrl, partitions: 4 } },
      target: { epoch: 'current' },
      epoch: { durationSeconds: 10, pollSeconds: 2 },
      genesis: { chainId: 7777, startTime: { afterFreezeSeconds: 24 * 3600 } },
      launch: {
        operator: { kind: 'local', network: 'demo' },
        approvals: { required: 1, approvers: [approver.entry] },
        validators: validators.map(({ nodeId, blsPublicKey, proofOfPossession, weight }) => ({ nodeId, blsPublicKey, proofOfPossession, weight })),
      },
    };
    const client = new Client({ connection: await Connection.connect({ address: server.address }) });
    const workflowId = `regenesis-demo-${Date.now()}`;
    const result = await worker.runUntil(async () => {
      const handle = await client.workflow.start(regenesisWorkflow, {
        taskQueue: config.taskQueue,
        workflowId,
        args: [plan],
        ...startMetadata(parsePlan(plan, Math.floor(Date.now() / 1000))),
      });
      logger.info({ workflowId, ui: `${server.uiUrl}/namespaces/default/workflows/${workflowId}` }, 'regenesis started');
      // The demo plays the approver and the new validators (in production: people and their nodes).
      const genesisSha256 = await phaseReached(handle, 'approve');
      await handle.executeUpdate(approveUpdate, { args: [await approver.approval(handle, genesisSha256)] });
      logger.info({ genesisSha256 }, 'approved; validators ratify the genesis');
      await phaseReached(handle, 'ratify');
      for (const v of validators) {
        const signature = v.sign(Buffer.from(genesisSha256, 'hex'));
        const progress = await handle.executeUpdate(ratifyUpdate, { args: [{ nodeId: v.nodeId, signature }] });
        if (reachesTwoThirds(BigInt(progress.signedWeight), BigInt(progress.totalWeight))) break; // the launch proceeds
      }
      return (await handle.result()) as RegenesisResult;
    });
    await connection.close();
    printResult(result, { json: options.json, workflowId, uiUrl: server.uiUrl });
    if (options.keep) {
      logger.info(`Web UI stays up at ${server.uiUrl}; Ctrl-C to stop`);
      await untilInterrupted();
    }
    return result.status === 'Completed' ? 0 : 1;
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((err: unknown) => logger.warn({ err }, 'cleanup failed'));
  }
}
