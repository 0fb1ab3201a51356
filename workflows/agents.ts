import { ActivityFailure, ApplicationFailure, proxyActivities, sleep, TimeoutFailure, type ActivityOptions } from '@temporalio/workflow';
import { failure, isFailureType } from '../src/contract/failures.js';
import type { AgentActivities } from '../activities/agent.js';
import { agentPolicies } from '../activities/policies.js';
import type { AgentIdentity } from '../src/agent/identity.js';
import { agentTaskQueue } from '../src/agent/queue.js';
import { reachesTwoThirds, type Plan } from '../src/plan/index.js';
import { chainRead, keys, rehearsal } from './activities.js';
import type { LaunchOutcome, Prepared } from '../src/contract/run.js';
import type { RegenesisRun } from './state.js';

type AgentsOperator = Extract<NonNullable<Plan['launch']>['operator'], { kind: 'agents' }>;

/** A genesis staker and the agent that speaks for it. */
export interface StakerAgent {
  nodeId: string;
  blsPublicKey: string | null;
}

function agentOf(nodeId: string, policy: ActivityOptions, timeoutSeconds?: number): AgentActivities {
  return proxyActivities<AgentActivities>({
    ...policy,
    taskQueue: agentTaskQueue(nodeId),
    // The Web UI names the validator each agent step ran on.
    summary: `on validator ${nodeId} (its agent)`,
    ...(timeoutSeconds ? { scheduleToCloseTimeout: `${timeoutSeconds} seconds` } : {}),
  });
}

/** Runs one agent step; a failure names the agent, its queue and the step, and says why. */
async function onAgent<T>(nodeId: string, step: string, timeoutSeconds: number, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const queue = agentTaskQueue(nodeId);
    if (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure) {
      throw failure('AgentUnavailable', `agent ${nodeId} did not ${step} within ${timeoutSeconds}s: no agent answers on task queue ${queue} (is \`regenesis agent\` running on that validator's host?)`);
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
        throw failure('AgentMismatch', `task queue ${agentTaskQueue(staker.nodeId)} is served by the agent of ${id.nodeId}, which is not genesis staker ${staker.nodeId}`);
      }
      if (id.blsPublicKey.toLowerCase() !== staker.blsPublicKey?.toLowerCase()) {
        throw failure('AgentMismatch', `agent ${staker.nodeId}: its signer key's BLS public key ${id.blsPublicKey} is not the genesis staker's ${String(staker.blsPublicKey)}`);
      }
      return id;
    }),
  );
}

/**
 * LP-326 steps 9–10 through the validators' agents, after approval: ratification by the agents'
 * signatures weighed by the genesis (≥ 2/3 of its stake), staging, halting the old network,
 * waiting for the genesis start time, starting the new network, health and the post-launch
 * read-back. Each step with effects registers its compensation first.
 */
export async function launchWithAgents(ctx: RegenesisRun, prepared: Prepared, op: AgentsOperator): Promise<Omit<LaunchOutcome, 'approvers'>> {
  const genesis = prepared.primaryGenesis;
  if (!genesis || !prepared.pChain) throw failure('InvalidPlan', 'the agents operator needs a primary genesis');
  const { runKey, status, saga } = ctx;
  const stakers = genesis.stakers;
  const t = op.agentTimeoutSeconds;

  ctx.enter('ratify');
  const total = stakers.reduce((sum, s) => sum + BigInt(s.weight), 0n);
  const signed = await Promise.all(
    stakers.map(async (s) => {
      const agent = agentOf(s.nodeID, agentPolicies.ask, t);
      const { signature } = await onAgent(s.nodeID, 'sign the genesis', t, () =>
        agent.agentSignGenesis({ genesisSha256: genesis.sha256, dialect: ctx.dialect }),
      ).catch(() => ({ signature: undefined }));
      if (!signature || !s.publicKey) return undefined;
      // Checked against the key in the genesis, not against anything the agent says of itself.
      const ok = await keys.verifyRatification({ genesisSha256: genesis.sha256, blsPublicKey: s.publicKey, signature, dialect: ctx.dialect });
      return ok ? { nodeId: s.nodeID, blsPublicKey: s.publicKey, signature, weight: BigInt(s.weight) } : undefined;
    }),
  );
  const signers = signed.filter((s): s is NonNullable<typeof s> => s !== undefined);
  const signedWeight = signers.reduce((sum, s) => sum + s.weight, 0n);
  status.ratification = { totalWeight: total.toString(), signedWeight: signedWeight.toString(), signers: signers.map((s) => s.nodeId), threshold: '2/3 of the genesis stake', collectedBy: 'agents', dialect: ctx.dialect };
  if (!reachesTwoThirds(signedWeight, total)) {
    const missing = stakers.filter((s) => !signers.some((x) => x.nodeId === s.nodeID)).map((s) => s.nodeID);
    throw failure('RatificationIncomplete', `ratification below 2/3 of the genesis stake: ${signedWeight} of ${total} signed; no valid signature from ${missing.join(', ')}`);
  }
  const aggregate = await keys.aggregateRatification({
    genesisSha256: genesis.sha256,
    signers: signers.map((s) => ({ blsPublicKey: s.blsPublicKey, signature: s.signature })),
    dialect: ctx.dialect,
  });

  ctx.enter('migrate-validators');
  // Every host has the approved file before any node is halted: a wrong file stops the run here.
  await Promise.all(
    stakers.map((s) =>
      onAgent(s.nodeID, 'stage the genesis', t, () => agentOf(s.nodeID, agentPolicies.step, t).agentStageGenesis({ runKey, path: genesis.path, sha256: genesis.sha256 })),
    ),
  );
  // An emergency run halted the validators before its export; otherwise they are halted now.
  if (!ctx.haltedByAgents) await haltOldValidators(ctx, stakers.map((s) => s.nodeID), t);

  ctx.enter('launch');
  // avalanchego refuses a genesis whose start time is still ahead: a durable timer waits for it.
  const wait = genesis.startTime - ctx.nowSeconds();
  if (wait > 0) {
    status.waitingFor = `the genesis start time ${new Date(genesis.startTime * 1000).toISOString()} (${wait}s)`;
    ctx.publish();
    await sleep(wait * 1000 + 1000, { summary: `waiting for the genesis start time ${new Date(genesis.startTime * 1000).toISOString()}` });
    status.waitingFor = undefined;
  }
  saga.add('stop-new-network', () => everyAgent(stakers.map((s) => s.nodeID), 'stop-new-node', (a) => a.agentStopNewNode({ runKey })));
  const start = (nodeId: string, bootstrappers: Array<{ nodeId: string; ip: string }>) =>
    onAgent(nodeId, 'start the new node', t, () =>
      agentOf(nodeId, agentPolicies.start).agentStartNewNode({ runKey, networkId: genesis.networkID, genesisSha256: genesis.sha256, bootstrappers }),
    );
  // The first staker's node is the new network's bootstrapper; the others join it.
  const [first, ...rest] = stakers;
  const firstNode = await start(first!.nodeID, []);
  const beacon = [{ nodeId: first!.nodeID, ip: firstNode.stakingAddress }];
  await Promise.all(rest.map((s) => start(s.nodeID, beacon)));

  ctx.enter('post-verify');
  const healthTimeout = op.healthTimeoutSeconds;
  const health = await Promise.all(
    stakers.map((s) =>
      onAgent(s.nodeID, 'report the new node healthy', healthTimeout, () =>
        agentOf(s.nodeID, { ...agentPolicies.step, startToCloseTimeout: `${healthTimeout + 60} seconds` }).agentNewNodeHealth({
          runKey,
          minPeers: stakers.length - 1,
          timeoutSeconds: healthTimeout,
        }),
      ),
    ),
  );
  const unhealthy = health.flatMap((h, i) => {
    const nodeId = stakers[i]!.nodeID;
    const problems = [
      ...(h.bootstrapped ? [] : [`not bootstrapped (${h.notBootstrapped.join(', ')})`]),
      ...(h.peers.length < stakers.length - 1 ? [`${h.peers.length} of ${stakers.length - 1} peers connected`] : []),
    ];
    return problems.length > 0 ? [`${nodeId}: ${problems.join(', ')}`] : [];
  });
  if (unhealthy.length > 0) {
    throw failure('NewNetworkUnhealthy', `the new network is not healthy within ${healthTimeout}s: ${unhealthy.join('; ')}`);
  }
  const checked = await rehearsal.postVerifyPrimaryNetwork({
    runKey,
    uri: health[0]!.uri,
    genesis,
    pChain: prepared.pChain,
    ...(prepared.xChain ? { xChain: prepared.xChain } : {}),
    cChainRoot: prepared.freeze.stateRoot,
    samplesPath: prepared.verification.samplesPath,
    ...(ctx.plan.genesis.primary?.stakeOwnerBalances === 'move-to-x' ? { stakeOwnerBalances: 'move-to-x' as const } : {}),
  });
  if (!checked.ok) {
    throw failure('PostVerifyFailed', `the new network disagrees with the export: ${checked.mismatches.slice(0, 5).join('; ')}`);
  }
  // Read back first (balances as exported), then the transfers that prove the network makes blocks.
  const transfers = op.transferCheck ? await rehearsal.canaryTransfers({ uri: health[0]!.uri, hrp: genesis.hrp }) : undefined;
  return {
    ratification: { signers: signers.map((s) => s.nodeId), signedWeight: signedWeight.toString(), totalWeight: total.toString(), aggregateSignature: aggregate.aggregateSignature },
    newNetwork: {
      rpcUrl: `${health[0]!.uri}/ext/bc/C/rpc`,
      block0Root: checked.block0Root,
      nodes: health.map((h, i) => ({ nodeId: stakers[i]!.nodeID, uri: h.uri, peers: h.peers.length })),
      ...(transfers ? { transfers } : {}),
    },
    postVerify: { ok: true, mismatches: [] },
  };
}

/** Halts every old validator through its agent, once its restart is registered as a compensation. */
async function haltOldValidators(ctx: RegenesisRun, nodeIds: readonly string[], timeoutSeconds: number): Promise<void> {
  const { runKey, saga, status } = ctx;
  saga.add('resume-old-network', () => everyAgent(nodeIds, 'resume-old-node', (a) => a.agentResumeOldNode({ runKey })));
  await Promise.all(
    nodeIds.map((id) => onAgent(id, 'halt the old node', timeoutSeconds, () => agentOf(id, agentPolicies.step, timeoutSeconds).agentHaltOldNode({ runKey }))),
  );
  status.stepsDone.push(`halted ${nodeIds.length} old validators`);
}

/**
 * Emergency regenesis through the agents: every genesis staker's agent is checked, then every old
 * validator halted before the export, so the network's state cannot move while it is read; the P/X
 * exports are pinned to the height the P-Chain stopped at, read from the API node.
 */
export async function haltBeforeExport(ctx: RegenesisRun, op: AgentsOperator): Promise<void> {
  const primary = ctx.plan.genesis.primary;
  if (!primary) throw failure('InvalidPlan', 'plan.launch.operator: the agents operator needs plan.genesis.primary');
  const { stakers } = await keys.checkGenesisStakers({ primary });
  const agents = await preflightAgents(stakers, op);
  await haltOldValidators(
    ctx,
    stakers.map((s) => s.nodeId),
    op.agentTimeoutSeconds,
  );
  const { pChainHeight } = await chainRead.haltedPChainHeight({ rpcUrl: ctx.plan.chains.C.rpcUrl });
  ctx.haltedByAgents = { agents, pChainHeight };
}

/**
 * A compensation on every agent: each is attempted whatever the others do, and the step fails
 * afterwards, naming the agents that did not finish, so the operator knows which hosts to visit.
 */
async function everyAgent(nodeIds: readonly string[], step: string, run: (agent: AgentActivities) => Promise<unknown>): Promise<unknown[]> {
  const outcomes = await Promise.allSettled(nodeIds.map((id) => run(agentOf(id, agentPolicies.undo))));
  const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [`${nodeIds[i]!}: ${String((o.reason as Error)?.message ?? o.reason)}`] : []));
  if (failed.length > 0) throw failure('CompensationIncomplete', `${step} failed on ${failed.length} of ${nodeIds.length} agents: ${failed.join('; ')}`);
  return outcomes.map((o) => (o as PromiseFulfilledResult<unknown>).value);
}
