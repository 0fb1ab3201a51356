import type { DiscoveredAddresses, PChainExport, SupplyGap, VerificationCheck, XChainExport } from '../manifests.js';

/**
 * The export against the node's own supply (pure: the workflow runs it on the manifests). The
 * `supply-<asset>` check proves the genesis carries what was exported; this one asks how much the
 * export left behind. What the node says exists, in the staking asset:
 *
 *   platform.getCurrentSupply                       (at the pinned height)
 *   − the current stakers' potential rewards        (counted there, minted only when they leave)
 *   + the C-Chain's genesis allocation              (never in the P-Chain's supply)
 *   − fees burned on the P- and X-Chain             (never taken out of it; counted when discovery read the blocks)
 *
 * less what the export reached — P and X UTXOs, stake at the pinned height, C-Chain balances (C-Chain
 * fees stay in its state: coreth pays them to the blackhole address, which is exported) — is the
 * gap: owners not exported, fees not counted, transfers between chains in flight, C-Chain fees of
 * atomic transactions. It must lie in [0, plan.chains.P.maxSupplyGap]. Sums run in wei so the
 * C-Chain's sub-nAVAX part is neither dropped nor invented.
 */

const WEI_PER_NANO = 1_000_000_000n;
export const SUPPLY_GAP_FIELD = 'plan.chains.P.maxSupplyGap';

/** An amount in wei as nAVAX: integral when it is, else with its nine decimals. */
function nano(wei: bigint): string {
  const sign = wei < 0n ? '-' : '';
  const abs = wei < 0n ? -wei : wei;
  const rest = abs % WEI_PER_NANO;
  return `${sign}${abs / WEI_PER_NANO}${rest === 0n ? '' : `.${rest.toString().padStart(9, '0').replace(/0+$/, '')}`}`;
}

function assetAmount(assets: ReadonlyArray<{ assetID: string; amount: string }> | undefined, assetID: string): bigint {
  return BigInt(assets?.find((a) => a.assetID === assetID)?.amount ?? '0');
}

/** The largest owners a bounded search found holding the asset but not exported (activities/verify.ts). */
export interface MissingOwners {
  owners: Array<{ address: string; pChain: string; xChain: string }>;
  /** What was searched, for the reason: "412 candidates from …". */
  searched: string;
}

export function judgeSupplyGap(input: {
  assetID: string;
  pChain: PChainExport;
  xChain?: XChainExport;
  /** The C-Chain export's total balance (wei). */
  cExportedWei: bigint;
  discovered?: DiscoveredAddresses;
  /** plan.chains.P.maxSupplyGap (nAVAX). */
  maxGap: string;
  missing?: MissingOwners;
}): { check: VerificationCheck; gap: SupplyGap } {
  const { assetID, pChain, xChain, discovered } = input;
  const name = `supply-gap-${assetID}`;
  const others = otherAssets(pChain, xChain, assetID);
  if (pChain.currentSupply === undefined) {
    const detail = 'not judged: the P-Chain export has no platform.getCurrentSupply figure';
    return { check: { name, ok: false, detail }, gap: { assetID, judged: false, detail, otherAssets: others } };
  }
  const supply = BigInt(pChain.currentSupply);
  const rewards = BigInt(pChain.potentialRewards ?? '0');
  const cGenesisWei = pChain.cChainGenesisAlloc !== undefined ? BigInt(pChain.cChainGenesisAlloc) : undefined;
  const burned = discovered?.burned ? { P: BigInt(discovered.burned.P), X: BigInt(discovered.burned.X) } : undefined;
  const reachableWei = (supply - rewards - (burned ? burned.P + burned.X : 0n)) * WEI_PER_NANO + (cGenesisWei ?? 0n);
  const exportedWei =
    (assetAmount(pChain.utxos.assets, assetID) + assetAmount(xChain?.utxos.assets, assetID) + BigInt(pChain.validators.totalWeight)) * WEI_PER_NANO +
    input.cExportedWei;
  const gapWei = reachableWei - exportedWei;
  const limitWei = BigInt(input.maxGap) * WEI_PER_NANO;
  const ok = gapWei >= 0n && gapWei <= limitWei;

  const sources = [
    `the node's supply ${supply}`,
    `less ${rewards} of potential rewards (counted there, not minted yet)`,
    cGenesisWei !== undefined
      ? `plus the C-Chain genesis allocation ${nano(cGenesisWei)} (outside the P-Chain's supply)`
      : 'the C-Chain genesis allocation unknown (the node did not serve it)',
    burned
      ? `less fees burned ${burned.P} on P and ${burned.X} on X (counted in the blocks read)`
      : 'fees burned on P and X not counted (no discovery read the blocks)',
  ];
  const verdict =
    gapWei < 0n
      ? `NEGATIVE gap ${nano(gapWei)}: the export reached more than the node says exists`
      : `gap ${nano(gapWei)} ${ok ? 'within' : 'ABOVE'} the limit ${input.maxGap} (${SUPPLY_GAP_FIELD})`;
  const owners = input.missing
    ? input.missing.owners.length > 0
      ? `; largest owners not exported: ${input.missing.owners.map((o) => `${o.address} (P ${o.pChain}, X ${o.xChain})`).join(', ')} (${input.missing.searched})`
      : `; no unexported owner holding it found (${input.missing.searched})`
    : '';
  const detail =
    `${verdict}: ${sources.join(', ')} leaves ${nano(reachableWei)}; the export reached ${nano(exportedWei)} (nAVAX)${owners}; ` +
    `the rest is owners not exported, ${burned ? '' : 'fees burned, '}transfers between chains in flight and the C-Chain's fees of atomic transactions` +
    (others.length > 0 ? `; ${others.map((o) => `${o.chain}-Chain ${o.assetID}: ${o.why}`).join('; ')}` : '');
  const gap: SupplyGap = {
    assetID,
    judged: true,
    nodeSupply: supply.toString(),
    potentialRewards: rewards.toString(),
    cChainGenesis: cGenesisWei !== undefined ? nano(cGenesisWei) : null,
    burnedFees: burned ? { P: burned.P.toString(), X: burned.X.toString() } : null,
    exported: nano(exportedWei),
    gap: nano(gapWei),
    maxGap: input.maxGap,
    ok,
    ...(input.missing ? { missingOwners: input.missing.owners } : {}),
    detail,
    otherAssets: others,
  };
  return { check: { name, ok, detail }, gap };
}

/** Assets besides the staking one: the node serves no supply for them, so no gap is stated. */
function otherAssets(pChain: PChainExport, xChain: XChainExport | undefined, assetID: string): SupplyGap['otherAssets'] {
  const all = [
    ...(pChain.utxos.assets ?? []).map((a) => ({ chain: 'P' as const, ...a })),
    ...(xChain?.utxos.assets ?? []).map((a) => ({ chain: 'X' as const, ...a })),
  ];
  return all
    .filter((a) => a.assetID !== assetID && (BigInt(a.amount) > 0n || a.nonFungibleUtxos > 0))
    .map((a) => ({
      chain: a.chain,
      assetID: a.assetID,
      exported: a.amount,
      why: `exported ${a.amount}; the node serves no supply for it (only the staking asset's), so no gap is stated`,
    }));
}
