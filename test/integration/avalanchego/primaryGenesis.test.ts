import { reviewChart, reviewFigures } from '../../helpers/reviewFigures.js';
import { Wallet } from 'ethers';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { AvaxService } from '../../../src/chains/avax/api.js';
import { parsePrimaryGenesis } from '../../../src/genesis/primary/index.js';
import { formatAddress, shortIdFromAddress } from '../../../src/keys/address.js';
import { fillCChain, LOCAL_GENESIS, localAvalanchePlan, runSealingEpochs, useLocalAvalanche } from '../../rigs/avalancheLocal.js';
import { EWOQ_KEY, shortIdOfKey } from '../../../src/dev/localKeys.js';
import { sendAvax } from '../../../src/chains/platform/transfer.js';
import { recordHistory } from '../../helpers/histories.js';
import { createTestWorker, startTemporal, uniqueTaskQueue } from '../../rigs/temporal.js';
import { runPlan } from '../../helpers/run.js';
import { LOCAL_STAKERS_PUBLISHED, localGenesisStakers } from '../../helpers/validators.js';

/**
 * A whole primary-network regenesis from a single-node avalanchego v1.14.0 local network: owners
 * funded by real X- and P-Chain transactions, P, X and C exported at one proposervm epoch, a
 * primary genesis for a new network ID, and an avalanchego rehearsal node that loads it and serves
 * it back. With REGENESIS_RECORD_HISTORIES set, the run's history is kept as a replay fixture.
 */

describe('avalanchego v1.14.0 local network: primary genesis', () => {
  const local = useLocalAvalanche();

  it('P, X and C exported at one epoch become a primary genesis that a fresh avalanchego serves back', async () => {
    const net = local();
    const { node, pchain, xchain, sender } = net;
    // New owners funded by real X- and P-Chain transactions, one P output time-locked for ten
    // minutes: locked at the epoch, expired when the new genesis starts an hour after it.
    const fresh = [randomBytes(20), randomBytes(20)];
    const locktime = BigInt(Math.floor(Date.now() / 1000) + 600);
    await sendAvax(node.uri, 'X', EWOQ_KEY, [
      { to: formatAddress('X', 'local', fresh[0]!), amount: 1_000_000_000n },
      { to: formatAddress('X', 'local', fresh[1]!), amount: 2_500_000_000n },
    ]);
    // The genesis validators' stake owner also gets a P-Chain balance, as stakers' change would.
    const stakeOwner = LOCAL_GENESIS.initialStakedFunds[0]!;
    await sendAvax(node.uri, 'P', EWOQ_KEY, [
      { to: formatAddress('P', 'local', fresh[0]!), amount: 3_000_000_000n },
      { to: formatAddress('P', 'local', fresh[1]!), amount: 4_000_000_000n, locktime },
      { to: `P-${stakeOwner.slice(2)}`, amount: 1_500_000_000n },
    ]);
    const pHeight = await pchain.height();
    expect(pHeight).toBeGreaterThan(0);
    // C-Chain state from real transactions (contracts with storage, funded accounts), which the
    // embedded C-Chain genesis must carry. Its blocks come after the P-Chain moved, so the C-Chain's
    // epoch may already pin the new P-Chain height.
    const { contracts } = await fillCChain(net);
    // Wait (making C-Chain blocks) until the C-Chain's epoch pins the new P-Chain height.
    const cProposerVm = new AvaxService(`${node.uri}/ext/bc/C/proposervm`);
    while (Number((await cProposerVm.call<{ pChainHeight: string }>('proposervm.getCurrentEpoch')).pChainHeight) < pHeight) {
      await sender.send([{ to: Wallet.createRandom().address, value: 1n, gasLimit: 21_000n }]);
      await sleep(3_000);
    }
    const owners = [...LOCAL_GENESIS.allocations.map((a) => a.avaxAddr.slice(2)), ...fresh.map((id) => formatAddress('X', 'local', id).slice(2))];
    const NEW_NETWORK_ID = 88_888;
    const rewardAddress = formatAddress('X', 'custom', shortIdOfKey(EWOQ_KEY));
    const env = await startTemporal();
    onTestFinished(() => env.teardown());
    const taskQueue = uniqueTaskQueue('primary');
    const worker = await createTestWorker(env, { taskQueue, artifactsDir: join(net.dir, 'artifacts') });
    const plan = localAvalanchePlan(net.node, {
      name: 'primary',
      chains: {
        C: { partitions: 2, pageSize: 16 },
        // No address listed: every owner is found on the chains (genesis, stake, blocks).
        P: { addresses: [], discoverAddresses: true },
        X: { addresses: [] },
      },
      genesis: {
        primary: {
          networkId: NEW_NETWORK_ID,
          // Its P-Chain balance would otherwise be staked with its stake: it goes to its X allocation.
          stakeOwnerBalances: 'move-to-x',
          // The new validator set: the five local stakers, from their certificates and BLS keys.
          validators: localGenesisStakers(rewardAddress),
        },
      },
      rehearsal: { enabled: true },
    });
    const workflowId = `primary-${Date.now()}`;
    const result = await runSealingEpochs(sender, runPlan(env, worker, plan, { taskQueue, workflowId }));
    await recordHistory(env, env.client.workflow.getHandle(workflowId));

    // Discovery found exactly the owners: the genesis allocations (the staked one as stake owner)
    // and the two funded by transactions, though the plan listed none.
    const discovered = readFileSync(join(result.artifactsDir, result.discoveredAddresses!.path), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string);
    expect(discovered).toEqual([...owners].sort());
    // This node runs without --index-enabled: the index route is missing and discovery walks.
    expect(result.discoveredAddresses).toMatchObject({ count: owners.length, pBlocks: pHeight, read: { P: 'walk', X: 'walk' } });

    // Every export at the same epoch P-Chain height.
    const pinned = result.freeze.epoch!.pChainHeight!;
    expect(result.pChain!.pChainHeight).toBe(pinned);
    expect(result.xChain!.pChainHeight).toBe(pinned);
    expect(await pchain.height()).toBe(pinned);

    // Supply per asset, from the node (not from the run): P and X UTXOs of every owner plus the
    // stake at the pinned height, against what the written genesis allocates.
    const avax = await pchain.stakingAssetID();
    const amountOf = (assets: Array<{ assetID: string; amount: string }>): bigint => BigInt(assets.find((a) => a.assetID === avax)?.amount ?? '0');
    const atHeight = await pchain.validatorsAt(pinned);
    const staked = [...atHeight.values()].reduce((sum, v) => sum + v.weight, 0n);
    const onNode =
      amountOf((await pchain.balances(owners.map((o) => `P-${o}`))).assets) + amountOf((await xchain.balances(owners.map((o) => `X-${o}`))).assets) + staked;
    const primary = result.primaryGenesis!;
    const file = parsePrimaryGenesis(readFileSync(join(result.artifactsDir, primary.path), 'utf8')).genesis;
    const allocated = file.allocations.reduce((sum, a) => sum + a.initialAmount + a.unlockSchedule.reduce((s, u) => s + u.amount, 0n), 0n);
    expect(allocated).toBe(onNode);
    expect(file.networkID).toBe(NEW_NETWORK_ID);
    expect(file.initialStakers.map((s) => s.nodeID)).toEqual(LOCAL_STAKERS_PUBLISHED.map((s) => s.nodeID));
    // The embedded C-Chain genesis is the exported state, in coreth's format, byte for byte.
    expect(file.cChainGenesis).toBe(readFileSync(join(result.artifactsDir, result.genesis.path), 'utf8'));
    expect(JSON.parse(file.cChainGenesis).config).not.toHaveProperty('terminalTotalDifficulty');
    for (const address of contracts) expect(file.cChainGenesis).toContain(address.slice(2));

    const checks = new Map(result.verification.checks.map((c) => [c.name, c]));
    expect(checks.get(`supply-${avax}`)?.ok, checks.get(`supply-${avax}`)?.detail).toBe(true);
    expect(checks.get('validator-weights')?.ok, checks.get('validator-weights')?.detail).toBe(true);
    // Every owner exported and the fees of the X and P transfers counted in the blocks discovery
    // read: nothing of the node's supply is left outside the export.
    expect(result.verification.supplyGap, checks.get(`supply-gap-${avax}`)?.detail).toMatchObject({ ok: true, gap: '0' });
    expect(BigInt(result.verification.supplyGap!.burnedFees!.X)).toBeGreaterThan(0n);
    expect(BigInt(result.verification.supplyGap!.burnedFees!.P)).toBeGreaterThan(0n);
    expect(checks.get('state-root')?.ok).toBe(true);
    // The same validators, each with the weight it had at the pinned height.
    expect(primary.stakers.map((s) => [s.nodeID, s.weight])).toEqual(LOCAL_STAKERS_PUBLISHED.map((s) => [s.nodeID, atHeight.get(s.nodeID)!.weight.toString()]));
    expect(primary.mode).toBe('independent');
    // The funded owners, re-encoded for the new network: X amount as initialAmount, P with its lock.
    const allocationOf = (id: Uint8Array) => file.allocations.find((a) => (a as { avaxAddr: string }).avaxAddr === formatAddress('X', 'custom', id))!;
    expect(allocationOf(fresh[0]!)).toMatchObject({ initialAmount: 1_000_000_000n, unlockSchedule: [{ amount: 3_000_000_000n }] });
    expect(allocationOf(fresh[1]!)).toMatchObject({ initialAmount: 2_500_000_000n, unlockSchedule: [{ amount: 4_000_000_000n, locktime }] });
    // The stake owner: its stake as the staked unlocks, its P-Chain balance moved to X.
    const staker = allocationOf(shortIdFromAddress(stakeOwner));
    expect(staker.initialAmount).toBe(1_500_000_000n);
    expect(staker.unlockSchedule.reduce((s, u) => s + u.amount, 0n)).toBe(staked);
    expect(primary.carried.movedToX).toBe('1500000000');

    // The rehearsal node loaded it and served the validators, every owner's balances and the root.
    const rehearsal = result.rehearsal!;
    expect(rehearsal.mismatches).toEqual([]);
    expect(rehearsal).toMatchObject({ ok: true, rootMatches: true, block0Root: result.freeze.stateRoot });
    expect(rehearsal.primary).toMatchObject({ networkID: NEW_NETWORK_ID, validators: 5, owners: owners.length });
    expect(pinned).toBe(pHeight);
    expect(rehearsal.sampled).toBeGreaterThan(0);

    const report = JSON.parse(readFileSync(join(result.artifactsDir, 'reports', 'regenesis.json'), 'utf8')) as {
      primaryGenesis?: { mode: string; sha256: string };
    };
    expect(report.primaryGenesis).toMatchObject({ mode: 'independent', sha256: primary.sha256 });

    // The review page approvers read shows this primary genesis: what they approve, where the supply sits, who stakes.
    const review = readFileSync(join(result.artifactsDir, 'reports', 'review.html'), 'utf8');
    expect(reviewFigures(review)).toMatchObject({
      'genesis.sha256': primary.sha256,
      movedToX: primary.carried.movedToX,
      'allocated.staked': primary.allocated.staked,
    });
    expect(reviewChart(review, 'supply').map(([label]) => label)).toEqual(['P-Chain UTXOs', 'X-Chain UTXOs', 'Staked', 'C-Chain balances']);
    expect(reviewChart(review, 'new').map(([nodeId, weight]) => ({ nodeId, weight }))).toEqual(
      primary.stakers.map((s) => ({ nodeId: s.nodeID, weight: s.weight })),
    );
  });
});
