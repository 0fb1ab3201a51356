import { Context } from '@temporalio/activity';
import { failure } from '../src/contract/failures.js';
import type { AgentConfig } from '../src/agent/config.js';
import { assertHaltApproved, HaltNotApprovedError, readHaltApprovers, type CarriedApproval } from '../src/agent/haltApprovals.js';
import { GenesisRejectedError, type RatificationRequest } from '../src/agent/genesisCheck.js';
import { identify, signGenesis, type AgentIdentity, type Ratification } from '../src/agent/identity.js';
import type { LastAccepted } from '../src/agent/lastAccepted.js';
import {
  GenesisMismatchError,
  OldNodeRunningError,
  newNodeHealth,
  stageGenesis,
  startNewNode,
  stopNewNode,
  type NewNodeSpec,
  type NodeHealth,
  type StageRequest,
} from '../src/agent/newNode.js';
import { haltOldNode, NodeNotRunningError, resumeOldNode, type ResumeResult } from '../src/agent/oldNode.js';
import { OldNodeRetiredError, retireOldNode, type RetiredNode } from '../src/agent/retired.js';
import { managedNode } from '../src/agent/managedNode.js';
import { reachableAddresses, reachableUri } from '../src/agent/reachable.js';
import { hostMemory } from '../src/nodes/procMemory.js';
import { heartbeating } from './heartbeat.js';

/**
 * The activities of a validator host's agent (`regenesis agent`), on the task queue named from its
 * NodeID. Each is idempotent: a retry finds its step done, or redoes it from the start. What they
 * return is public (NodeID, public key, signature, URIs, digests); the keys stay in their files.
 */
export function agentActivities(config: AgentConfig) {
  const beat = (): void => Context.current().heartbeat();
  const named = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await heartbeating(work);
    } catch (err) {
      if (err instanceof GenesisMismatchError) throw failure('GenesisMismatch', `${step}: ${err.message}`);
      if (err instanceof GenesisRejectedError) throw failure('GenesisRejected', `${step}: ${err.message}`);
      if (err instanceof OldNodeRetiredError) throw failure('OldNodeRetired', `${step}: ${err.message}`);
      if (err instanceof NodeNotRunningError) throw failure('NodeNotRunning', `${step}: ${err.message}`);
      if (err instanceof HaltNotApprovedError) throw failure('HaltNotApproved', `${step}: ${err.message}`);
      if (err instanceof OldNodeRunningError) throw failure('HaltNotHeld', `${step}: ${err.message}`);
      throw err instanceof Error ? new Error(`${step}: ${err.message}`, { cause: err }) : err;
    }
  };
  return {
    async agentIdentify(): Promise<AgentIdentity> {
      // Preflight's question: also the node this agent would halt, as found now, and whose approvals its halt needs.
      return named('identify', async () => {
        const list = config.approverKeysFile ? readHaltApprovers(config.approverKeysFile) : undefined;
        return {
          ...(await identify(config)),
          node: await managedNode(config),
          memory: hostMemory(),
          ...(list ? { haltApprovers: { required: list.required, names: list.approvers.map((a) => a.name) } } : {}),
        };
      });
    },
    /** Signs only a genesis it has checked against its own node and keys (src/agent/genesisCheck.ts). */
    async agentSignGenesis(input: RatificationRequest): Promise<Ratification> {
      return named('sign', () => signGenesis(config, input));
    },
    async agentStageGenesis(input: StageRequest): Promise<{ sha256: string }> {
      return named('stage genesis', async () => ({ sha256: (await stageGenesis(config, input)).sha256 }));
    },
    /** `lastAccepted`: the node's heads as it stopped (src/agent/oldNode.ts); a chain that never answered is absent. */
    async agentHaltOldNode(input: {
      runKey: string;
      approvals?: CarriedApproval[];
    }): Promise<{ dataDigest: string; files: number; lastAccepted: LastAccepted; stakingAddress?: string }> {
      return named('halt old node', async () => {
        // The run asking is the one the activity belongs to, as the server says, never as the input says.
        const run = { workflowId: Context.current().info.workflowExecution?.workflowId ?? '', runKey: input.runKey };
        assertHaltApproved(config.approverKeysFile ? readHaltApprovers(config.approverKeysFile) : undefined, run, input.approvals ?? []);
        const record = await haltOldNode(config, input.runKey, beat);
        return {
          dataDigest: record.halted!.dataDigest,
          files: record.halted!.files,
          lastAccepted: record.lastAccepted ?? {},
          ...(record.peerAddress ? { stakingAddress: record.peerAddress } : {}),
        };
      });
    },
    async agentResumeOldNode(input: { runKey: string }): Promise<ResumeResult> {
      return named('resume old node', () => resumeOldNode(config, input.runKey, beat));
    },
    /** After the commit point: the old node is never resumed again (src/agent/retired.ts). */
    async agentRetireOldNode(input: { runKey: string }): Promise<RetiredNode> {
      return named('retire old node', () => retireOldNode(config, input.runKey));
    },
    async agentStartNewNode(input: NewNodeSpec): Promise<{ uri: string; stakingAddress: string }> {
      return named('start new node', async () => {
        // Where the other hosts and the coordinator reach it, whatever it is bound to.
        return reachableAddresses(await startNewNode(config, input, beat));
      });
    },
    async agentNewNodeHealth(input: { runKey: string; minPeers: number; timeoutSeconds: number }): Promise<NodeHealth> {
      return named('health', async () => {
        const health = await newNodeHealth(config, { runKey: input.runKey, minPeers: input.minPeers, timeoutMs: input.timeoutSeconds * 1000 }, beat);
        return { ...health, uri: await reachableUri(health.uri) };
      });
    },
    async agentStopNewNode(input: { runKey: string }): Promise<{ stopped: boolean }> {
      return named('stop new node', () => stopNewNode(config, input.runKey, beat));
    },
  };
}

export type AgentActivities = ReturnType<typeof agentActivities>;
