import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAddress } from '../../../src/keys/address.js';
import { EPOCH_SECONDS, fillCChain, localAvalanchePlan, runSealingEpochs, startLocalAvalanche, type LocalAvalanche } from '../../rigs/avalancheLocal.js';
import { EWOQ_KEY, shortIdOfKey } from '../../../src/dev/localKeys.js';
import type { CBlock } from '../../helpers/cChain.js';
import { failureMessages, runPlan } from '../../helpers/run.js';
import { createTestWorker, startTemporal, uniqueTaskQueue } from '../../rigs/temporal.js';
import { localGenesisStakers } from '../../helpers/validators.js';

/**
 * The regenesis workflow against a single-node avalanchego v1.14.0 local network: the C-Chain
 * exported from coreth at a proposervm epoch, with the P- and X-Chains pinned beside it, and the
 * plans it refuses before exporting anything. Neither run sends a P- or X-Chain transaction, so
 * each test stands on the network as it finds it.
 */

describe('avalanchego v1.14.0 local network: regenesis of the C-Chain', () => {
  let net: LocalAvalanche;
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    [net, env] = await Promise.all([startLocalAvalanche(), startTemporal()]);
  });
  afterAll(async () => {
    await env?.teardown();
    await net?.stop();
  });

  it("the regenesis workflow exports the C-Chain from coreth: genesis root equals the freeze block's", async () => {
    const { pchain, xchain, cRpc, ewoqP, ewoqX } = net;
    // Contracts with storage and funded accounts, so the exported genesis carries real state.
    const { contracts } = await fillCChain(net);
    const taskQueue = uniqueTaskQueue('coreth');
    const worker = await createTestWorker(env, { taskQueue, artifactsDir: join(net.dir, 'artifacts') });
    // The epoch in progress, read from the node's proposervm: the run waits for it to seal.
    const plan = localAvalanchePlan(net.node, {
      name: 'coreth',
      chains: { C: { partitions: 2, pageSize: 16 }, P: { addresses: [ewoqP] }, X: { addresses: [ewoqX] } },
      rehearsal: { enabled: false },
    });
    const result = await runSealingEpochs(net.sender, runPlan(env, worker, plan, { taskQueue }));
    // Frozen at the sealing block of an epoch the node reported, pinned to its P-Chain height.
    const epoch = result.freeze.epoch!;
    expect(epoch.number).toBeGreaterThanOrEqual(1);
    expect(result.freeze.timestamp).toBeGreaterThanOrEqual(epoch.startTime + EPOCH_SECONDS);
    // Pinned: a real P-Chain height (0 on a local network whose P-Chain has made no block yet).
    expect(epoch.pChainHeight).toEqual(expect.any(Number));
    expect(epoch.pChainHeight).toBeLessThanOrEqual(await pchain.height());
    // Detected as coreth from web3_clientVersion; its root is the coreth one (isMultiCoin).
    const frozen = await cRpc.call<CBlock>('eth_getBlockByNumber', [`0x${result.freeze.height.toString(16)}`, false]);
    expect(result.freeze.stateRoot).toBe(frozen.stateRoot);
    expect(result.genesis.stateRoot).toBe(result.freeze.stateRoot);
    expect(result.verification.ok).toBe(true);

    // The P-Chain beside it, pinned to the same height: its validator set at that height and the
    // UTXOs of the pre-funded address, as the node serves them.
    const p = result.pChain!;
    expect(p.pChainHeight).toBe(epoch.pChainHeight);
    const atHeight = await pchain.validatorsAt(epoch.pChainHeight!);
    expect(p.validators.count).toBe(atHeight.size);
    const weights = readFileSync(join(result.artifactsDir, p.validators.path), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { nodeID: string; weight: string });
    expect(weights.map((v) => v.nodeID)).toEqual([...atHeight.keys()].sort());
    for (const v of weights) expect(v.weight).toBe(atHeight.get(v.nodeID)!.weight.toString());
    expect(p.utxos.assets).toEqual((await pchain.balances([ewoqP])).assets);
    expect(p.utxos.count).toBeGreaterThan(0);
    // The X-Chain likewise: the pre-funded address's UTXOs per asset, and those assets described.
    const x = result.xChain!;
    expect(x.pChainHeight).toBe(epoch.pChainHeight);
    expect(x.utxos.assets).toEqual((await xchain.balances([ewoqX])).assets);
    const described = readFileSync(join(result.artifactsDir, x.assets.path), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { assetID: string; symbol: string });
    expect(described.map((a) => a.assetID)).toEqual(x.utxos.assets.map((a) => a.assetID).sort());
    expect(described.map((a) => a.symbol)).toContain('AVAX');
    const report = JSON.parse(readFileSync(join(result.artifactsDir, 'reports', 'regenesis.json'), 'utf8')) as { pChain?: unknown; xChain?: unknown };
    expect(report.pChain).toEqual(p);
    expect(report.xChain).toEqual(x);
    for (const address of contracts) {
      expect(readFileSync(join(result.artifactsDir, 'genesis', 'C-genesis.json'), 'utf8')).toContain(address.slice(2));
    }

    // Rehearsing a coreth genesis on geth would compare two different roots: refused up front.
    const again = `${taskQueue}-rehearse`;
    const refusing = await createTestWorker(env, { taskQueue: again, artifactsDir: join(net.dir, 'artifacts') });
    const refused = await runPlan(env, refusing, { ...plan, rehearsal: { enabled: true } }, { taskQueue: again }).catch((err: unknown) => err);
    expect(failureMessages(refused)).toMatch(/plan\.rehearsal\.enabled: a coreth \(Avalanche C-Chain\) source cannot be rehearsed on geth/);
  });

  it('a new validator set with a duplicate NodeID stops the run before anything is exported', async () => {
    const taskQueue = uniqueTaskQueue('bad-stakers');
    const artifactsDir = join(net.dir, 'artifacts-bad');
    const worker = await createTestWorker(env, { taskQueue, artifactsDir });
    const [staker] = localGenesisStakers(formatAddress('X', 'custom', shortIdOfKey(EWOQ_KEY)));
    const plan = localAvalanchePlan(net.node, {
      name: 'bad-stakers',
      chains: { P: { addresses: [net.ewoqP] }, X: { addresses: [net.ewoqX] } },
      genesis: { primary: { networkId: 88_888, validators: [staker!, staker!] } },
    });
    const refused = await runPlan(env, worker, plan, { taskQueue }).catch((err: unknown) => err);
    // Like every refusal before the export, the run fails (nothing to roll back), naming the staker.
    expect(failureMessages(refused)).toMatch(/plan\.genesis\.primary\.validators\[1\] \(NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg\)\.nodeID: duplicate NodeID/);
    expect(failureMessages(refused)).toMatch(/signer\.publicKey: BLS public key already used by plan\.genesis\.primary\.validators\[0\]/);
    // Refused before the export: the run wrote nothing.
    expect(existsSync(artifactsDir) ? readdirSync(artifactsDir) : []).toEqual([]);
  });
});
