import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonRpcClient } from '../../src/chains/evm/rpc.js';
import { PlatformChain } from '../../src/chains/platform/pchain.js';
import { avaxEndpoints } from '../../src/chains/avax/api.js';
import type { Hex } from '../../src/state/hex.js';
import { MigrationRig, NEW_NETWORK_ID } from '../rigs/migrationRig.js';
import { LOCAL_STAKERS_PUBLISHED } from '../helpers/validators.js';

/**
 * (f) Emergency regenesis of a five-validator avalanchego network through its agents: no epoch to
 * wait for; the validators are halted first, the API node (not a validator) keeps serving the halted
 * state, the P/X exports are pinned to the height the P-Chain stopped at, and the network launches.
 */
describe('emergency regenesis of a five-validator network through its agents', () => {
  let rig: MigrationRig;

  beforeAll(async () => {
    // Every agent halts only for a run its host's approver signed: an emergency run, which halts
    // before it has a genesis, has its halt approved first.
    rig = await MigrationRig.start('emergency-it', { gatedHalts: true });
  });

  afterAll(async () => {
    await rig?.stop();
  });

  it('(f) halts via the agents, exports from the API node at the last good height, launches the new network', async () => {
    // The last good block: the head right after one more transaction.
    const cRpc = new JsonRpcClient(rig.net.api.cChainRpcUrl);
    await rig.sender.send([{ to: '0x000000000000000000000000000000000000dEaD', value: 1n, gasLimit: 21_000n }]);
    const lastGoodHeight = Number(BigInt(await cRpc.call<Hex>('eth_blockNumber')));
    const pBefore = await new PlatformChain(avaxEndpoints(rig.net.api.uri)).height();
    const { result, handle } = await rig.run(rig.plan('emergency', 60), { emergency: { lastGoodHeight } });
    if (result.status !== 'Completed') throw new Error(`rolled back in ${result.failedPhase}: ${result.reason}`);
    // No epoch wait; every validator halted (each once) before the first export read anything.
    const scheduled = ((await handle.fetchHistory()).events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(scheduled).not.toContain('epochStatus');
    const halts = scheduled.flatMap((name, i) => (name === 'agentHaltOldNode' ? [i] : []));
    expect(halts).toHaveLength(5);
    expect(Math.max(...halts)).toBeLessThan(scheduled.indexOf('exportPartition'));
    // The halt's own approval came before any halt, and the genesis was approved on its own later.
    const events = (await handle.fetchHistory()).events ?? [];
    const approvals = events.flatMap((e, i) => (e.workflowExecutionUpdateCompletedEventAttributes ? [i] : []));
    const firstHalt = events.findIndex((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'agentHaltOldNode');
    expect(approvals.length).toBeGreaterThanOrEqual(2);
    expect(approvals[0]!).toBeLessThan(firstHalt);
    expect(approvals.at(-1)!).toBeGreaterThan(firstHalt);
    for (const v of rig.net.validators) expect(v.process.hasExited(), `old validator ${v.nodeId} halted`).toBe(true);
    // Exported at the last good height, P and X pinned to where the halted P-Chain stopped.
    expect(result.freeze.height).toBe(lastGoodHeight);
    const frozen = await cRpc.call<{ stateRoot: Hex }>('eth_getBlockByNumber', [`0x${lastGoodHeight.toString(16)}`, false]);
    expect(result.freeze.stateRoot).toBe(frozen.stateRoot);
    expect(result.pChain!.pChainHeight).toBe(pBefore);
    expect(result.xChain!.pChainHeight).toBe(pBefore);
    expect(result.rehearsal?.ok).toBe(true);

    // The new network: five validators at their genesis weights, block 0 = the frozen root, blocks made.
    const nodes = result.launch!.newNetwork.nodes!;
    expect(nodes.map((n) => n.nodeId).sort()).toEqual(LOCAL_STAKERS_PUBLISHED.map((s) => s.nodeID).sort());
    const info = new JsonRpcClient(`${nodes[0]!.uri}/ext/info`);
    expect(Number((await info.call<{ networkID: string }>('info.getNetworkID', [{}])).networkID)).toBe(NEW_NETWORK_ID);
    const served = await new PlatformChain(avaxEndpoints(nodes[0]!.uri)).currentValidators();
    expect(served.map((v) => [String(v.nodeID), String(v.weight)]).sort()).toEqual(result.primaryGenesis!.stakers.map((s) => [s.nodeID, s.weight]).sort());
    expect(result.launch!.newNetwork.block0Root).toBe(frozen.stateRoot);
  });
});
