import { parsePlan } from '../plan/index.js';
import { startMetadata } from '../view/details.js';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { config } from '../config.js';
import { AgentProcesses } from '../dev/agentProcesses.js';
import { paceBlocks } from '../dev/blockPacer.js';
import { EWOQ_KEY, shortIdOfKey } from '../dev/localKeys.js';
import { localMigrationPlan, stakerFromFiles } from '../dev/migrationPlan.js';
import { demoApprover } from '../dev/approver.js';
import { startTemporalDevServer } from '../dev/temporal.js';
import { killNodesUnder, localStakers, startValidatorNetwork, upstreamLocalStakersDir } from '../dev/validatorNetwork.js';
import { formatAddress } from '../keys/address.js';
import { CANARY_KEY_ENV } from '../launch/transferCheck.js';
import { logger } from '../logger.js';
import { toolPath } from '../tools.js';
import { createWorker, installRuntimeLogger } from '../worker.js';
import { approveUpdate, statusQuery, type RegenesisResult } from '../../workflows/messages.js';
import { untilInterrupted } from './demo.js';
import { printResult } from './print.js';
import { regenesisWorkflow } from '../../workflows/index.js';

/**
 * `regenesis demo --network avalanchego`: a five-validator avalanchego network (the local network's
 * identities, sybil protection on) plus an API node, one `regenesis agent` process per validator,
 * and one whole regenesis through them: P, X and C exported at an epoch, primary genesis for
 * network 88888, rehearsal, approval, ratification by the agents' signatures, halt, launch at the
 * genesis start time, post-launch checks and transfers. About four minutes; the Web UI shows it live.
 */
export async function runAvalancheDemo(options: { keep: boolean; json: boolean; port: number; uiPort: number }): Promise<number> {
  installRuntimeLogger();
  const stateDir = join(config.stateDir, 'demo-avalanchego');
  rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });
  const server = await startTemporalDevServer({ stateDir, port: options.port, uiPort: options.uiPort });
  const agents = new AgentProcesses(stateDir, server.address);
  const cleanups: Array<() => Promise<void>> = [() => server.stop(), () => killNodesUnder(stateDir), () => agents.stopAll()];
  try {
    logger.info({ ui: server.uiUrl }, 'Temporal dev server up; starting five avalanchego validators and an API node');
    const stakers = localStakers(upstreamLocalStakersDir());
    const net = await startValidatorNetwork(join(stateDir, 'old'), stakers);
    logger.info({ validators: net.validators.map((v) => v.nodeId), api: net.api.uri }, 'old network up; starting one agent per validator');
    const artifactsDir = join(stateDir, 'artifacts');
    await Promise.all(
      net.validators.map((v, i) =>
        agents.start({
          name: `v${i + 1}`,
          nodeBinary: toolPath('avalanchego'),
          dataDir: v.dataDir,
          staking: stakers[i]!,
          workDir: join(stateDir, `agent${i + 1}`),
          artifactsDir,
        }),
      ),
    );
    // The operator's canary key for the post-launch transfers (ewoq: funded in the local genesis).
    const canary = join(stateDir, 'canary.key');
    writeFileSync(canary, `${EWOQ_KEY}\n`, { mode: 0o600 });
    process.env[CANARY_KEY_ENV] = canary;

    const connection = await NativeConnection.connect({ address: server.address });
    const worker = await createWorker({ connection, artifactsDir });
    const rewardAddress = formatAddress('X', 'custom', shortIdOfKey(EWOQ_KEY));
    const approver = demoApprover('demo-operator');
    const validators = stakers.map((s) => stakerFromFiles(s, rewardAddress));
    const plan = localMigrationPlan({ name: 'demo-avalanchego', cChainRpcUrl: net.api.cChainRpcUrl, validators, approver: approver.entry });
    const client = new Client({ connection: await Connection.connect({ address: server.address }) });
    const workflowId = `regenesis-demo-avalanchego-${Date.now()}`;
    const result = await worker.runUntil(async () => {
      const metadata = startMetadata(parsePlan(plan, Math.floor(Date.now() / 1000)));
      const handle = await client.workflow.start(regenesisWorkflow, { taskQueue: config.taskQueue, workflowId, args: [plan], ...metadata });
      logger.info({ workflowId, ui: `${server.uiUrl}/namespaces/default/workflows/${workflowId}` }, 'regenesis started');
      let phase = '';
      let running = true;
      const finished = handle.result().finally(() => (running = false));
      // The demo keeps C-Chain blocks coming until the epoch seals, and plays the approver.
      const pacing = paceBlocks(net.api.cChainRpcUrl, EWOQ_KEY, () => running && (phase === '' || ['validate', 'preflight', 'wait-epoch'].includes(phase)));
      while (running) {
        const status = await handle.query(statusQuery).catch(() => undefined);
        if (status && status.phase !== phase) {
          phase = status.phase;
          logger.info({ phase, waitingFor: status.waitingFor }, 'phase');
        }
        if (status?.phase === 'approve' && status.genesisSha256 && (status.approvals?.approvers.length ?? 0) === 0) {
          await handle.executeUpdate(approveUpdate, { args: [await approver.approval(handle, status.genesisSha256)] });
          logger.info({ genesisSha256: status.genesisSha256 }, 'approved; the agents sign it next');
        }
        await Promise.race([finished.catch(() => undefined), sleep(2_000)]);
      }
      await pacing.catch(() => undefined);
      return (await finished) as RegenesisResult;
    });
    await connection.close();
    printResult(result, { json: options.json, workflowId, uiUrl: server.uiUrl });
    if (result.status === 'Completed' && !options.json) {
      for (const node of result.launch?.newNetwork.nodes ?? []) console.log(`  new node:   ${node.nodeId} ${node.uri} (${node.peers} peers)`);
    }
    if (options.keep) {
      logger.info(`the new network and the Web UI (${server.uiUrl}) stay up; Ctrl-C to stop`);
      await untilInterrupted();
    }
    return result.status === 'Completed' ? 0 : 1;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => logger.warn({ err }, 'cleanup failed'));
  }
}
