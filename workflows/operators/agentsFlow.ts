import { patched, sleep } from '@temporalio/workflow';
import { agentPolicies } from '../../activities/policies.js';
import type { NodeHealth } from '../../src/agent/newNode.js';
import { failure } from '../../src/contract/failures.js';
import type { LaunchOutcome, Phase, Prepared, RegenesisStatus } from '../../src/contract/run.js';
import type { ChainHeads } from '../../src/chains/avax/heads.js';
import { haltProofIssues } from '../../src/launch/haltProof.js';
import { StakeTally } from '../../src/launch/stakeTally.js';
import type { PrimaryGenesisManifest } from '../../src/manifests.js';
import { chainRead, keys, postLaunch } from '../activities.js';
import { agentOf, everyAgent, haltOldValidators, onAgent, retireOldValidators, type AgentsOperator } from '../agentCalls.js';
import { PATCHES } from '../patches.js';
import type { RegenesisRun } from '../state.js';
import { assertServesExport, type OperatorFlow } from './operatorFlow.js';

/**
 * The production operator: each genesis staker's agent (`regenesis agent` on its host) stages the
 * genesis, checks it against its own node and keys and signs it, halts the old node and starts the
 * new one. Signatures are weighed by the genesis's own stake, never by what an agent says of itself.
 */
export function agentsFlow(run: RegenesisRun, op: AgentsOperator): OperatorFlow {
  const agentTimeout = op.agentTimeoutSeconds;
  const stageEverywhere = (prepared: Prepared) => Promise.all(primaryGenesisOf(prepared).stakers.map((s) => stageOn(run, s.nodeID, prepared, agentTimeout)));
  let stagedBeforeSigning = false;
  return {
    async ratify(prepared) {
      // Every host has the file before any signs (each checks the file it will start from) and before
      // any node is halted. Runs started before agents checked what they sign staged it afterwards.
      stagedBeforeSigning = patched(PATCHES.agentsCheckBeforeSigning.id);
      if (stagedBeforeSigning) await stageEverywhere(prepared);
      return ratifyByAgents(run, primaryGenesisOf(prepared), prepared.freeze.height, agentTimeout);
    },
    async migrate(prepared) {
      if (!stagedBeforeSigning) await stageEverywhere(prepared);
      // An emergency run halted the validators before its export, a two-stage run at its halt; otherwise now.
      if (run.haltedByAgents || run.twoStage) return;
      await haltOldValidators(run, stakerIds(primaryGenesisOf(prepared)), agentTimeout);
    },
    async start(prepared) {
      const genesis = primaryGenesisOf(prepared);
      await waitForStartTime(run, genesis.startTime);
      run.saga.add('stop-new-network', () => everyAgent(stakerIds(genesis), 'stop-new-node', (a) => a.agentStopNewNode({ runKey: run.runKey }), agentTimeout));
      await startNodes(run, genesis, agentTimeout);
    },
    async postVerify(prepared) {
      const genesis = primaryGenesisOf(prepared);
      const health = await healthOfEvery(run, stakerIds(genesis), op.healthTimeoutSeconds, agentTimeout);
      const served = await readBack(run, prepared, genesis, health, op);
      await assertHaltHeld(run);
      return served;
    },
    // Every old validator the run halted, by its agent. Runs started before that leave them resumable.
    async retireOld() {
      if (run.haltedNodeIds.size === 0 || !patched(PATCHES.retireOldNetwork.id)) return undefined;
      return retireOldValidators(run, agentTimeout);
    },
  };
}

function primaryGenesisOf(prepared: Prepared): PrimaryGenesisManifest {
  if (!prepared.primaryGenesis || !prepared.pChain) throw failure('InvalidPlan', 'the agents operator needs a primary genesis');
  return prepared.primaryGenesis;
}

const stakerIds = (genesis: PrimaryGenesisManifest): string[] => genesis.stakers.map((s) => s.nodeID);

/**
 * Every staker's agent is asked to check the staged genesis against its own node (its C root at
 * `cHeight`) and keys and to sign it; the valid signatures are weighed by the genesis stake. An
 * agent that refuses is named with its reason.
 */
async function ratifyByAgents(
  run: RegenesisRun,
  genesis: PrimaryGenesisManifest,
  cHeight: number,
  timeoutSeconds: number,
): Promise<LaunchOutcome['ratification']> {
  const { stakers } = genesis;
  const message = { genesisSha256: genesis.sha256, networkId: genesis.networkID, dialect: run.dialect };
  const refusals: string[] = [];
  const signed = await Promise.all(
    stakers.map(async (s) => {
      const agent = agentOf(s.nodeID, agentPolicies.ask, timeoutSeconds);
      const reply = await onAgent(s.nodeID, 'check and sign the genesis', timeoutSeconds, () =>
        agent.agentSignGenesis({ ...message, runKey: run.runKey, weight: s.weight, cHeight }),
      ).catch((err: Error) => void refusals.push(err.message));
      if (!reply || !s.publicKey) return undefined;
      // Checked against the key in the genesis, not against anything the agent says of itself.
      const ok = await keys.verifyRatification({ ...message, blsPublicKey: s.publicKey, signature: reply.signature });
      return ok ? { nodeId: s.nodeID, blsPublicKey: s.publicKey, signature: reply.signature } : undefined;
    }),
  );
  const signers = signed.filter((s): s is NonNullable<typeof s> => s !== undefined);
  const signedIds = new Set(signers.map((s) => s.nodeId));
  const tally = new StakeTally(stakers.map((s) => ({ nodeId: s.nodeID, weight: BigInt(s.weight) })));
  run.status.ratification = tally.status(signedIds, { dialect: run.dialect, networkId: genesis.networkID, collectedBy: 'agents' });
  const { signedWeight, totalWeight } = run.status.ratification;
  if (!tally.reached(signedIds)) {
    const why = refusals.length > 0 ? ` (${refusals.join('; ')})` : '';
    throw failure(
      'RatificationIncomplete',
      `ratification below 2/3 of the genesis stake: ${signedWeight} of ${totalWeight} signed; no valid signature from ${tally.missing(signedIds).join(', ')}${why}`,
    );
  }
  const aggregate = await keys.aggregateRatification({ ...message, signers: signers.map((s) => ({ blsPublicKey: s.blsPublicKey, signature: s.signature })) });
  return { signers: [...signedIds], signedWeight, totalWeight, aggregateSignature: aggregate.aggregateSignature };
}

function stageOn(run: RegenesisRun, nodeId: string, prepared: Prepared, timeoutSeconds: number): Promise<unknown> {
  const genesis = primaryGenesisOf(prepared);
  return onAgent(nodeId, 'stage the genesis', timeoutSeconds, () =>
    agentOf(nodeId, agentPolicies.step, timeoutSeconds).agentStageGenesis({
      runKey: run.runKey,
      path: genesis.path,
      sha256: genesis.sha256,
      ...(prepared.artifactsKey ? { artifactsKey: prepared.artifactsKey } : {}),
    }),
  );
}

/** avalanchego refuses a genesis whose start time is still ahead: a durable timer waits for it. */
async function waitForStartTime(run: RegenesisRun, startTime: number): Promise<void> {
  const wait = startTime - run.nowSeconds();
  if (wait <= 0) return;
  const at = new Date(startTime * 1000).toISOString();
  run.status.waitingFor = `the genesis start time ${at} (${wait}s)`;
  run.publish();
  await sleep(wait * 1000 + 1000, { summary: `waiting for the genesis start time ${at}` });
  run.status.waitingFor = undefined;
}

/**
 * Every new node at once, each bootstrapping from all the other stakers at the addresses their
 * agents reported at the halt, so no one host holds the launch up or is its single point of
 * failure (avalanchego starts a chain once 3/4 of its beacons are connected). Runs whose agents
 * reported no addresses, or started before this, start the first staker's node alone and the
 * others from it. A start may take minutes, so only the wait for each agent to pick it up is
 * bounded by the agent timeout: a host lost after its old node was halted fails the launch (and the
 * rollback resumes the others).
 */
async function startNodes(run: RegenesisRun, genesis: PrimaryGenesisManifest, agentTimeout: number): Promise<void> {
  const start = (nodeId: string, bootstrappers: Array<{ nodeId: string; ip: string }>) =>
    onAgent(nodeId, 'start the new node', agentTimeout, () =>
      agentOf(nodeId, agentPolicies.start, { toStartSeconds: agentTimeout }).agentStartNewNode({
        runKey: run.runKey,
        networkId: genesis.networkID,
        genesisSha256: genesis.sha256,
        bootstrappers,
      }),
    );
  const stakers = genesis.stakers.map((s) => s.nodeID);
  if (stakers.every((id) => run.peerAddresses.has(id)) && patched(PATCHES.beaconsEveryStaker.id)) {
    const beaconsOf = (id: string) => stakers.filter((other) => other !== id).map((other) => ({ nodeId: other, ip: run.peerAddresses.get(other)! }));
    // Every start settles before a failure is raised: a rollback must not stop the new nodes while
    // one is still being started (it would come up after the stop, on the ports the old node needs).
    const outcomes = await Promise.allSettled(stakers.map((id) => start(id, beaconsOf(id))));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
    return;
  }
  const [first, ...rest] = genesis.stakers;
  const firstNode = await start(first!.nodeID, []);
  const beacon = [{ nodeId: first!.nodeID, ip: firstNode.stakingAddress }];
  await Promise.all(rest.map((s) => start(s.nodeID, beacon)));
}

/**
 * Every new node bootstrapped and connected to all the others, within the plan's health timeout;
 * an agent that does not pick the check up within the agent timeout fails it, naming the host.
 */
async function healthOfEvery(run: RegenesisRun, nodeIds: readonly string[], timeoutSeconds: number, agentTimeout: number): Promise<NodeHealth[]> {
  const minPeers = nodeIds.length - 1;
  const policy = { ...agentPolicies.step, startToCloseTimeout: `${timeoutSeconds + 60} seconds` };
  const health = await Promise.all(
    nodeIds.map((id) =>
      onAgent(id, 'report the new node healthy', agentTimeout, () =>
        agentOf(id, policy, { toStartSeconds: agentTimeout }).agentNewNodeHealth({ runKey: run.runKey, minPeers, timeoutSeconds }),
      ),
    ),
  );
  const unhealthy = health.flatMap((h, i) => {
    const problems = [
      ...(h.bootstrapped ? [] : [`not bootstrapped (${h.notBootstrapped.join(', ')})`]),
      ...(h.peers.length < minPeers ? [`${h.peers.length} of ${minPeers} peers connected`] : []),
    ];
    return problems.length > 0 ? [`${nodeIds[i]!}: ${problems.join(', ')}`] : [];
  });
  if (unhealthy.length > 0) {
    throw failure('NewNetworkUnhealthy', `the new network is not healthy within ${timeoutSeconds}s: ${unhealthy.join('; ')}`);
  }
  return health;
}

/** The new network read back against the export, then the transfers that prove it makes blocks. */
async function readBack(
  run: RegenesisRun,
  prepared: Prepared,
  genesis: PrimaryGenesisManifest,
  health: NodeHealth[],
  op: AgentsOperator,
): Promise<Pick<LaunchOutcome, 'newNetwork' | 'postVerify'>> {
  const uri = health[0]!.uri;
  const checked = await postLaunch.postVerifyPrimaryNetwork({
    runKey: prepared.artifactsKey ?? run.runKey,
    uri,
    genesis,
    pChain: prepared.pChain!,
    ...(prepared.xChain ? { xChain: prepared.xChain } : {}),
    cChainRoot: prepared.freeze.stateRoot,
    samplesPath: prepared.verification.samplesPath,
    ...(run.plan.genesis.primary?.stakeOwnerBalances === 'move-to-x' ? { stakeOwnerBalances: 'move-to-x' as const } : {}),
  });
  assertServesExport(checked);
  const transfers = op.transferCheck ? await postLaunch.canaryTransfers({ uri, hrp: genesis.hrp }) : undefined;
  if (transfers && run.status.finalStage) await measureDowntime(run, `${uri}/ext/bc/C/rpc`);
  return {
    newNetwork: {
      rpcUrl: `${uri}/ext/bc/C/rpc`,
      block0Root: checked.block0Root,
      nodes: health.map((h, i) => ({ nodeId: genesis.stakers[i]!.nodeID, uri: h.uri, peers: h.peers.length })),
      ...(transfers ? { transfers } : {}),
    },
    postVerify: { ok: true, mismatches: [] },
  };
}

/**
 * Right before the commit point, the old network still stands where the final stage proved it
 * stopped: the API node's heads are read once more. Halted nodes brought back by a supervisor,
 * with enough stake between them, make blocks again, and what they accept would be missing from
 * the new network: the run rolls back while it still can. Runs started before this replay without it.
 */
async function assertHaltHeld(run: RegenesisRun): Promise<void> {
  const proven = run.status.finalStage?.heads;
  if (!proven || !patched(PATCHES.haltHeldAtCommit.id)) return;
  const withX = run.plan.chains.X !== undefined;
  const { second: now } = await chainRead.finalHeads({ rpcUrl: run.plan.chains.C.rpcUrl, dialect: run.dialect, withX, settleSeconds: 0 });
  const moved = haltProofIssues(proven as ChainHeads, now, []);
  if (moved.length > 0) throw failure('HaltNotHeld', `the old network moved after its halt was proven, before the commit point: ${moved.join('; ')}`);
}

/**
 * Downtime of a two-stage run: from the first halt to the new network's first C-Chain block, by
 * that block's own timestamp (the canary transfer made it). Seconds, as block timestamps are.
 */
async function measureDowntime(run: RegenesisRun, newRpcUrl: string): Promise<void> {
  const stage = run.status.finalStage!;
  const first = await chainRead.freezeBlock({ rpcUrl: newRpcUrl, height: 1 });
  stage.downtimeSeconds = first.timestamp - Math.floor(Date.parse(stage.haltedAt) / 1000);
  stage.downtimeParts = downtimeParts(run.status, first.timestamp * 1000);
  run.publish();
}

/** Seconds spent in each phase from the halt on; the last one ends at the new network's first block. */
export function downtimeParts(status: Pick<RegenesisStatus, 'entered' | 'enteredAt'>, firstBlockMs: number): Array<{ phase: Phase; seconds: number }> {
  const entered = status.entered ?? [];
  const at = (status.enteredAt ?? []).map((t) => Date.parse(t));
  const from = entered.lastIndexOf('halt');
  if (from < 0 || at.length !== entered.length) return [];
  return entered.slice(from).map((phase, i) => {
    const end = at[from + i + 1] ?? firstBlockMs;
    // Block timestamps are whole seconds: the last part is never shown below zero.
    return { phase, seconds: Math.max(0, Math.round((end - at[from + i]!) / 100) / 10) };
  });
}
