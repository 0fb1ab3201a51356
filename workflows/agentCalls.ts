import { ActivityFailure, ApplicationFailure, patched, proxyActivities, TimeoutFailure, type ActivityOptions } from '@temporalio/workflow';
import { failure, isFailureType } from '../src/contract/failures.js';
import type { AgentActivities } from '../activities/agent.js';
import type { ResumeResult } from '../src/agent/oldNode.js';
import { agentPolicies } from '../activities/policies.js';
import type { AgentIdentity } from '../src/agent/identity.js';
import { agentTaskQueue } from '../src/agent/queue.js';
import type { NodeLastAccepted } from '../src/launch/haltProof.js';
import type { OldNetworkRetired } from '../src/contract/run.js';
import type { Plan } from '../src/plan/index.js';
import { chainRead, keys } from './activities.js';
import { PATCHES } from './patches.js';
import type { RegenesisRun } from './state.js';
import { awaitHaltApprovals } from './approvals.js';

export type AgentsOperator = Extract<NonNullable<Plan['launch']>['operator'], { kind: 'agents' }>;

/** A genesis staker and the agent that speaks for it. */
export interface StakerAgent {
  nodeId: string;
  blsPublicKey: string | null;
}

export function agentOf(nodeId: string, policy: ActivityOptions, bound?: AgentBound): AgentActivities {
  const seconds = (s: number) => `${s} seconds`;
  return proxyActivities<AgentActivities>({
    ...policy,
    taskQueue: agentTaskQueue(nodeId),
    // The Web UI names the validator each agent step ran on.
    summary: `on validator ${nodeId} (its agent)`,
    ...(typeof bound === 'number' ? { scheduleToCloseTimeout: seconds(bound) } : {}),
    ...(typeof bound === 'object' ? { scheduleToStartTimeout: seconds(bound.toStartSeconds) } : {}),
  });
}

/**
 * How long an agent step may wait for its agent. A number bounds the whole step (schedule to
 * close): steps that take seconds on a live agent. `toStartSeconds` bounds only the wait for an
 * agent to pick the step up (schedule to start, each attempt): steps that may rightly run for
 * minutes (starting a node, waiting for its health, compensations), where a dead host must still
 * fail the step instead of leaving the run, or the rollback, waiting on it. Temporal does not
 * retry a schedule-to-start timeout: the task would only go back to the same empty queue.
 */
export type AgentBound = number | { toStartSeconds: number };

/** Runs one agent step; a failure names the agent, its queue and the step, and says why. */
export async function onAgent<T>(nodeId: string, step: string, timeoutSeconds: number, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const queue = agentTaskQueue(nodeId);
    if (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure) {
      // A heartbeat or start-to-close timeout: an agent took the step and then went quiet.
      const quiet = err.cause.timeoutType === 'HEARTBEAT' || err.cause.timeoutType === 'START_TO_CLOSE';
      const why = quiet ? 'its agent stopped answering while it ran the step' : 'no agent answers';
      throw failure(
        'AgentUnavailable',
        `agent ${nodeId} did not ${step} within ${timeoutSeconds}s: ${why} on task queue ${queue} (is \`regenesis agent\` running on that validator's host?)`,
      );
    }
    let cause: unknown = err;
    while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
    // The agent's own catalogued reason (e.g. GenesisMismatch) is kept; anything else is a failed step.
    const type = cause instanceof ApplicationFailure && isFailureType(cause.type) ? cause.type : 'AgentStepFailed';
    throw failure(type, `agent ${nodeId} (${queue}) could not ${step}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * Before anything is exported: every genesis staker's agent answers, and is the staker (its NodeID
 * from its own certificate, its BLS key from its own signer key). A missing agent, an agent of
 * another node or a key that is not the staker's stops the run, naming it.
 */
export async function preflightAgents(stakers: readonly StakerAgent[], op: AgentsOperator): Promise<AgentIdentity[]> {
  return Promise.all(
    stakers.map(async (staker) => {
      const agent = agentOf(staker.nodeId, agentPolicies.ask, op.agentTimeoutSeconds);
      const id = await onAgent(staker.nodeId, 'identify itself', op.agentTimeoutSeconds, () => agent.agentIdentify());
      if (id.nodeId !== staker.nodeId) {
        throw failure(
          'AgentMismatch',
          `task queue ${agentTaskQueue(staker.nodeId)} is served by the agent of ${id.nodeId}, which is not genesis staker ${staker.nodeId}`,
        );
      }
      if (id.blsPublicKey.toLowerCase() !== staker.blsPublicKey?.toLowerCase()) {
        throw failure(
          'AgentMismatch',
          `agent ${staker.nodeId}: its signer key's BLS public key ${id.blsPublicKey} is not the genesis staker's ${String(staker.blsPublicKey)}`,
        );
      }
      checkManagedNode(staker.nodeId, id);
      return id;
    }),
  );
}

/**
 * The agent found the node it would halt, that node is the validator itself, and the agent could
 * restart it and start the new node: refused here, before any host is halted, rather than at the
 * halt. Agents that predate the checks report no node, or no restart problems.
 */
function checkManagedNode(nodeId: string, id: AgentIdentity): void {
  const { node } = id;
  if (!node || !patched(PATCHES.agentsFindTheirNodes.id)) return;
  if (!node.running) throw failure('NodeNotRunning', `agent ${nodeId}: ${node.reason}`);
  if (node.nodeId !== nodeId) throw failure('AgentMismatch', `agent ${nodeId}: the node it manages (${node.uri}) is ${node.nodeId}, another validator`);
  const problems = node.restartProblems ?? [];
  if (problems.length > 0)
    throw failure('NodeNotRestartable', `agent ${nodeId}: its node at ${node.uri} could not be brought back after a halt: ${problems.join('; ')}`);
}

/**
 * Before anything is exported (two-stage runs): every validator of the old network's current set
 * has an agent that answers as that validator, since each must be halted through it. Returns the
 * set, in NodeID order; a validator without an agent stops the run here, named.
 */
export async function preflightOldValidators(run: RegenesisRun, op: AgentsOperator, checked: readonly string[]): Promise<string[]> {
  const { nodeIds } = await chainRead.oldValidators({ rpcUrl: run.plan.chains.C.rpcUrl, dialect: run.dialect });
  await Promise.all(
    nodeIds
      .filter((id) => !checked.includes(id))
      .map(async (id) => {
        const agent = agentOf(id, agentPolicies.ask, op.agentTimeoutSeconds);
        const who = await onAgent(id, 'identify itself (a validator of the old network must be halted through its agent)', op.agentTimeoutSeconds, () =>
          agent.agentIdentify(),
        );
        if (who.nodeId !== id)
          throw failure('AgentMismatch', `task queue ${agentTaskQueue(id)} is served by the agent of ${who.nodeId}, not old validator ${id}`);
        checkManagedNode(id, who);
      }),
  );
  return nodeIds;
}

/**
 * Halts every old validator through its agent, once its restart is registered as a compensation;
 * returns what each node had accepted last as it stopped, by its own agent's reading.
 */
export async function haltOldValidators(run: RegenesisRun, nodeIds: readonly string[], timeoutSeconds: number): Promise<NodeLastAccepted[]> {
  const { runKey, saga, status } = run;
  for (const id of nodeIds) run.haltedNodeIds.add(id);
  saga.add('resume-old-network', () => resumeOldValidators(nodeIds, runKey, timeoutSeconds));
  const halted = await Promise.all(
    nodeIds.map((id) =>
      onAgent(id, 'halt the old node', timeoutSeconds, () =>
        // An emergency run's halt was approved on its own (approvals.ts); any other's with its genesis.
        agentOf(id, agentPolicies.step, timeoutSeconds).agentHaltOldNode({
          runKey,
          approvals: run.haltApprovals.length > 0 ? run.haltApprovals : run.approvals,
        }),
      ),
    ),
  );
  status.stepsDone.push(`halted ${nodeIds.length} old validators`);
  halted.forEach((h, i) => {
    if (h.stakingAddress) run.peerAddresses.set(nodeIds[i]!, h.stakingAddress);
  });
  return halted.map(({ lastAccepted: last }, i) => ({
    nodeId: nodeIds[i]!,
    // Runs whose agents predate the reading return none: nothing to hold against the API node.
    heads: { ...(last?.C ? { c: last.C } : {}), ...(last?.P ? { p: last.P.height } : {}), ...(last?.X ? { x: last.X.height } : {}) },
  }));
}

/**
 * The rollback's restore: every halted validator restarted by its agent. A node whose data
 * directory changed while it was down is not restarted by its agent (older agents restarted it
 * all the same), and the compensation then fails naming it and the digest, so the rollback ends
 * incomplete and an operator looks at that host; runs started before this replay without the check.
 */
async function resumeOldValidators(nodeIds: readonly string[], runKey: string, timeoutSeconds: number): Promise<void> {
  const resumed = (await everyAgent(nodeIds, 'resume-old-node', (a) => a.agentResumeOldNode({ runKey }), timeoutSeconds)) as Array<ResumeResult | undefined>;
  if (!patched(PATCHES.resumeReportsChangedData.id)) return;
  const changed = resumed.flatMap((r, i) =>
    r?.dataUnchanged === false ? [`${nodeIds[i]!} (${r.resumed ? 'restarted' : 'not restarted'}; digest at resume ${r.dataDigest ?? 'unknown'})`] : [],
  );
  if (changed.length > 0) {
    throw failure(
      'CompensationIncomplete',
      `resume-old-node: the data directory changed while the node was halted on ${changed.join(', ')}: check what wrote to it; ` +
        `on that host, \`regenesis resume-old-node --run-key ${runKey} --accept-changed-data\` then restarts it`,
    );
  }
}

/**
 * Emergency regenesis through the agents: every genesis staker's agent is checked, then every old
 * validator halted before the export, so the network's state cannot move while it is read; the P/X
 * exports are pinned to the height the P-Chain stopped at, read from the API node.
 */
export async function haltBeforeExport(run: RegenesisRun, op: AgentsOperator): Promise<void> {
  const primary = run.plan.genesis.primary;
  if (!primary) throw failure('InvalidPlan', 'plan.launch.operator: the agents operator needs plan.genesis.primary');
  const { stakers } = await keys.checkGenesisStakers({ primary });
  const agents = await preflightAgents(stakers, op);
  const gated = agents.flatMap((a) => (a.haltApprovers ? [a.haltApprovers.required] : []));
  if (gated.length > 0 && patched(PATCHES.emergencyHaltApprovals.id)) await awaitHaltApprovals(run, Math.max(...gated));
  await haltOldValidators(
    run,
    stakers.map((s) => s.nodeId),
    op.agentTimeoutSeconds,
  );
  const { pChainHeight } = await chainRead.haltedPChainHeight({ rpcUrl: run.plan.chains.C.rpcUrl });
  run.haltedByAgents = { agents, pChainHeight };
}

/**
 * A compensation on every agent: each is attempted whatever the others do, and the step fails
 * afterwards, naming the agents that did not finish, so the operator knows which hosts to visit.
 * An agent that does not pick its part up within `toStartSeconds` fails its part then: a
 * dead host costs the rollback that long, not the hour a live agent's retries may take, and the
 * healthy hosts' next compensation (resuming their old nodes) is not kept waiting behind it.
 */
export async function everyAgent(
  nodeIds: readonly string[],
  step: string,
  call: (agent: AgentActivities) => Promise<unknown>,
  toStartSeconds: number,
): Promise<unknown[]> {
  const bound = { toStartSeconds };
  const outcomes = await Promise.allSettled(nodeIds.map((id) => onAgent(id, step, toStartSeconds, () => call(agentOf(id, agentPolicies.undo, bound)))));
  const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [`${nodeIds[i]!}: ${String((o.reason as Error)?.message ?? o.reason)}`] : []));
  if (failed.length > 0) throw failure('CompensationIncomplete', `${step} failed on ${failed.length} of ${nodeIds.length} agents: ${failed.join('; ')}`);
  return outcomes.map((o) => (o as PromiseFulfilledResult<unknown>).value);
}

/**
 * After the commit point: every old validator this run halted is retired by its agent, which from
 * then on refuses to resume it (src/agent/retired.ts), so only the new network accepts
 * transactions. Past the commit nothing is rolled back: an agent that does not answer within its
 * bound is listed, for the operator to retire that host's old node by hand.
 */
export async function retireOldValidators(run: RegenesisRun, timeoutSeconds: number): Promise<OldNetworkRetired> {
  const nodeIds = [...run.haltedNodeIds].sort();
  const outcomes = await Promise.allSettled(
    nodeIds.map((id) =>
      onAgent(id, 'retire the old node', timeoutSeconds, () => agentOf(id, agentPolicies.ask, timeoutSeconds).agentRetireOldNode({ runKey: run.runKey })),
    ),
  );
  const notRetired = outcomes.flatMap((o, i) =>
    o.status === 'rejected' ? [{ nodeId: nodeIds[i]!, reason: String((o.reason as Error)?.message ?? o.reason) }] : [],
  );
  const retired = nodeIds.filter((id) => !notRetired.some((n) => n.nodeId === id));
  run.status.stepsDone.push(`retired ${retired.length} of ${nodeIds.length} old validators`);
  return { retired, notRetired };
}
