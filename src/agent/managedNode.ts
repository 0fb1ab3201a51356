import { JsonRpcClient } from '../chains/evm/rpc.js';
import { processMemory } from '../nodes/procMemory.js';
import type { AgentConfig } from './config.js';
import { nodeEndpoints } from './lastAccepted.js';
import { searchedFor, searchNode } from './nodeDiscovery.js';
import { restartProblems } from './restartCheck.js';
import { reachableUri } from './reachable.js';

/**
 * The node this agent would halt, as found now: the live process whose own settings (argv flags,
 * `AVAGO_*` variables, config file or default: nodeDiscovery.ts) give it this data directory and
 * whose process-context file names it, and the NodeID that node answers with. Preflight asks every
 * agent for it, so that a host whose node the agent cannot find (another data directory, no context
 * file, a node that does not answer) or whose node is another validator is refused before anything
 * is exported or halted, rather than at the halt, after other hosts have stopped. A node found
 * that the agent could not restart or replace (restartCheck.ts) is refused the same way.
 */
export type ManagedNode =
  | {
      running: true;
      uri: string;
      nodeId: string;
      /** What would keep the agent from restarting it or starting the new node (restartCheck.ts); absent from agents that predate the check. */
      restartProblems?: string[];
      /** Its resident memory as found (the kernel's VmRSS): the host gets it back when the node halts. Absent from older agents. */
      residentBytes?: number;
    }
  | { running: false; reason: string };

export async function managedNode(config: AgentConfig): Promise<ManagedNode> {
  const search = await searchNode(config.dataDir);
  const live = search.found;
  if (!live) {
    const usual = `${config.dataDir}/process.json`;
    return {
      running: false,
      reason: `no running node of data directory ${config.dataDir} found: ${usual} names no live process started with --data-dir=${config.dataDir} or any other way; ${searchedFor(config.dataDir, search)}`,
    };
  }
  try {
    const info = new JsonRpcClient((await nodeEndpoints(live.uri)).info(), { timeoutMs: 10_000 });
    const { nodeID } = await info.call<{ nodeID: string }>('info.getNodeID', [{}]);
    // Named where the coordinator reaches it, as every other report of the agent does.
    const resident = processMemory(live.pid)?.residentBytes;
    return {
      running: true,
      uri: await reachableUri(live.uri),
      nodeId: nodeID,
      restartProblems: await restartProblems(config, live),
      ...(resident === undefined ? {} : { residentBytes: resident }),
    };
  } catch (err) {
    return {
      running: false,
      reason: `the node at ${live.uri} (pid ${live.pid}, data directory from ${live.settings.dataDirFrom}) does not say its NodeID: ${(err as Error).message}`,
    };
  }
}
