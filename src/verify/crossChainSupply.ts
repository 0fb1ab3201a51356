import type { PChainExport, PrimaryGenesisManifest, VerificationCheck, XChainExport } from '../manifests.js';
import type { StateStats } from '../state/stats.js';

/**
 * Verification across chains (pure: the workflow runs it on the manifests). What the exports read
 * from the node — UTXO totals per asset, the validator set's weight at the pinned height, the
 * C-Chain's balances — must reappear in the new genesis as it was written: per chain, in total,
 * and as the new stakers' weight. The C-Chain counts in the primary asset's smallest unit
 * (1 nAVAX = 10^9 wei); what is below a nAVAX is shown, not dropped. What the exports did not
 * reach, against the node's own supply, is judged beside it (supplyGap.ts).
 */

const WEI_PER_NANO = 1_000_000_000n;

function assetAmount(assets: ReadonlyArray<{ assetID: string; amount: string }> | undefined, assetID: string): bigint {
  return BigInt(assets?.find((a) => a.assetID === assetID)?.amount ?? '0');
}

export function crossChainChecks(input: {
  pChain: PChainExport;
  xChain?: XChainExport;
  /** Totals of the C-Chain export and of the C-Chain genesis alloc (wei). */
  cExported: StateStats;
  cGenesis: StateStats;
  primary: PrimaryGenesisManifest;
}): VerificationCheck[] {
  const { pChain, xChain, primary } = input;
  const asset = primary.assetID;
  const exported = {
    P: assetAmount(pChain.utxos.assets, asset),
    X: assetAmount(xChain?.utxos.assets, asset),
    staked: BigInt(pChain.validators.totalWeight),
    C: BigInt(input.cExported.totalBalance),
  };
  // Stake owners' P-Chain balances moved to their X-Chain allocations (stakeOwnerBalances: move-to-x).
  const moved = BigInt(primary.carried.movedToX ?? '0');
  const genesis = {
    P: BigInt(primary.allocated.pChain) + moved,
    X: BigInt(primary.allocated.xChain) - moved,
    staked: BigInt(primary.allocated.staked),
    C: BigInt(input.cGenesis.totalBalance),
  };
  const total = (s: typeof exported): bigint => s.P + s.X + s.staked + s.C / WEI_PER_NANO;
  const parts = (['P', 'X', 'staked', 'C'] as const).map((k) => {
    const unit = k === 'C' ? ' wei' : '';
    return `${k} ${exported[k]}${unit}${exported[k] === genesis[k] ? '' : ` → genesis ${genesis[k]}${unit}`}`;
  });
  const conserved = (['P', 'X', 'staked', 'C'] as const).every((k) => exported[k] === genesis[k]);
  const dust = exported.C % WEI_PER_NANO;
  const checks: VerificationCheck[] = [
    {
      name: `supply-${asset}`,
      ok: conserved,
      detail:
        `${conserved ? 'conserved' : 'NOT conserved'}: exported ${total(exported)}, genesis ${total(genesis)} (smallest unit) ` +
        `(${parts.join(', ')}${moved > 0n ? `; ${moved} moved from P to X (stake owners' balances)` : ''}` +
        `${dust > 0n ? `; C-Chain dust below 1 n-unit: ${dust} wei, kept in the C-Chain alloc` : ''})`,
    },
  ];

  const others = [...(pChain.utxos.assets ?? []).map((a) => ({ chain: 'P', ...a })), ...(xChain?.utxos.assets ?? []).map((a) => ({ chain: 'X', ...a }))].filter(
    (a) => a.assetID !== asset && (BigInt(a.amount) > 0n || a.nonFungibleUtxos > 0),
  );
  checks.push({
    name: 'other-assets',
    ok: others.length === 0,
    detail:
      others.length === 0
        ? `every exported UTXO holds ${asset}`
        : `not carried by a primary genesis: ${others.map((a) => `${a.chain}-Chain ${a.assetID} (${a.amount})`).join(', ')}`,
  });

  const newWeight = primary.stakers.reduce((sum, s) => sum + BigInt(s.weight), 0n);
  const oldWeight = primary.previousStake.reduce((sum, s) => sum + BigInt(s.weight), 0n);
  const weightsOk = newWeight === exported.staked && oldWeight === exported.staked && primary.stakers.every((s) => BigInt(s.weight) > 0n);
  const before = new Map(primary.previousStake.map((s) => [s.nodeID, s.weight]));
  const carriedOver = primary.stakers.filter((s) => before.has(s.nodeID)).map((s) => `${s.nodeID} ${before.get(s.nodeID)} → ${s.weight}`);
  checks.push({
    name: 'validator-weights',
    ok: weightsOk,
    detail:
      `${primary.previousStake.length} validators weighing ${exported.staked} at P-Chain height ${pChain.pChainHeight} ` +
      `(their staking transactions: ${oldWeight}) → ${primary.stakers.length} initial stakers weighing ${newWeight}` +
      (carriedOver.length > 0 ? `; kept: ${carriedOver.join(', ')}` : ''),
  });
  return checks;
}
