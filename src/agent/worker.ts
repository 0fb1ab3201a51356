import { type NativeConnection, Worker } from '@temporalio/worker';
import { agentActivities } from '../../activities/agent.js';
import { logger } from '../logger.js';
import type { AgentConfig } from './config.js';
import { identify } from './identity.js';
import { agentTaskQueue } from './queue.js';
import { superviseServedNode } from './servedNode.js';
import { connectNativeConnection, temporalConnectionFromEnv } from '../temporal/connect.js';

/**
 * `regenesis agent`: a worker with activities only, polling the task queue of this host's NodeID.
 * It starts only if it can read its own identity, so a misconfigured host is refused here and not
 * in the middle of a migration.
 */
export async function createAgentWorker(config: AgentConfig, connection: NativeConnection): Promise<{ worker: Worker; nodeId: string; taskQueue: string }> {
  const { nodeId, blsPublicKey } = await identify(config);
  const taskQueue = agentTaskQueue(nodeId);
  const worker = await Worker.create({
    connection,
    namespace: config.namespace,
    taskQueue,
    activities: agentActivities(config),
    defaultHeartbeatThrottleInterval: '2 seconds',
    maxHeartbeatThrottleInterval: '2 seconds',
  });
  const haltsNeed = config.approverKeysFile ? `approvals per ${config.approverKeysFile}` : 'no approval (set --approver-keys-file on a live network)';
  logger.info({ nodeId, blsPublicKey, taskQueue, dataDir: config.dataDir, workDir: config.workDir, haltsNeed }, 'validator agent ready');
  return { worker, nodeId, taskQueue };
}

export async function runAgent(config: AgentConfig): Promise<void> {
  // The agent's address and namespace (flags or REGENESIS_AGENT_*/TEMPORAL_*), TLS from TEMPORAL_TLS_*.
  const connection = await connectNativeConnection(temporalConnectionFromEnv(process.env, { address: config.temporalAddress, namespace: config.namespace }));
  const { worker } = await createAgentWorker(config, connection);
  // After a commit point the agent keeps that run's new node running (servedNode.ts).
  const supervision = new AbortController();
  const supervising = superviseServedNode(config, supervision.signal, (event) =>
    event.restarted
      ? logger.warn(event.restarted, 'the new node was not running: started it again')
      : logger.error({ error: event.error }, 'could not look after the new node'),
  );
  try {
    await worker.run();
  } finally {
    supervision.abort();
    await supervising;
    await connection.close();
  }
}
