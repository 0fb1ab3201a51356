import { JsonRpcClient } from '../chains/evm/rpc.js';
import { liveNode } from '../nodes/processContext.js';
import type { AgentConfig } from './config.js';
import { nodeEndpoints } from './lastAccepted.js';
import { contextPathOf } from './oldNode.js';

/**
 * The node this agent would halt, as found now: the live process its context file names, and the
 * NodeID that node answers with. Preflight asks every agent for it, so that a host whose node the
 * agent cannot find (another data directory, no context file, a node that does not answer) or
 * whose node is another validator is refused before anything is exported or halted, rather than
 * at the halt, after other hosts have stopped.
 */
export type ManagedNode = { running: true; uri: string; nodeId: string } | { running: false; reason: string };

export async function managedNode(config: AgentConfig): Promise<ManagedNode> {
  const contextPath = contextPathOf(config);
  const live = await liveNode(contextPath, config.dataDir);
  if (!live) {
    return {
      running: false,
      reason: `no running node found: ${contextPath} names no live process started with --data-dir=${config.dataDir} (is the node running, with that data directory and --process-context-file=${contextPath}?)`,
    };
  }
  try {
    const info = new JsonRpcClient((await nodeEndpoints(live.uri)).info(), { timeoutMs: 10_000 });
    const { nodeID } = await info.call<{ nodeID: string }>('info.getNodeID', [{}]);
    return { running: true, uri: live.uri, nodeId: nodeID };
  } catch (err) {
    return { running: false, reason: `the node at ${live.uri} (pid ${live.pid}) does not say its NodeID: ${(err as Error).message}` };
  }
}
