import { collectAddresses, type OwnerAddress } from '../chains/avax/discovery.js';
import type { ExchangeChain } from '../chains/exchange/xchain.js';
import { balanceByOwner } from '../chains/platform/balances.js';
import type { PlatformChain } from '../chains/platform/pchain.js';
import { shortIdFromAddress } from '../keys/address.js';
import { bytesToHex } from '../state/hex.js';
import type { MissingOwners } from './supplyGap.js';

/**
 * Who holds what the export left behind, when the supply gap is over the plan's limit: owners the
 * run can see but did not export, ranked by their P + X balance of the staking asset. Bounded, so
 * it runs in seconds on any network: the candidates are the validator set's reward and stake
 * owners (the exported validators file), the X-Chain's genesis owners (the staking asset's
 * CreateAssetTx) and every owner named in the last `recentBlocks` P- and X-Chain blocks; at most
 * `maxCandidates` of them are looked up (getUTXOs, 1,024 addresses per call).
 */

export const OWNER_SEARCH = { recentBlocks: 200, maxCandidates: 2_000, top: 5 } as const;

export async function findMissingOwners(input: {
  pchain: PlatformChain;
  xchain?: ExchangeChain;
  stakingAssetID: string;
  pChainHeight: number;
  /** The validator records the export wrote. */
  validators: AsyncIterable<unknown>;
  /** Every owner the export asked the node about (bech32 part, `local1…`). */
  exported: ReadonlySet<OwnerAddress>;
  limits?: Partial<Record<keyof typeof OWNER_SEARCH, number>>;
}): Promise<MissingOwners> {
  const limits: Record<keyof typeof OWNER_SEARCH, number> = { ...OWNER_SEARCH, ...input.limits };
  const candidates = new Set<OwnerAddress>();
  const counted = { validators: 0, genesis: 0, blocks: 0 };
  const collect = (value: unknown, source: keyof typeof counted): boolean => {
    collectAddresses(value, (owner) => {
      if (input.exported.has(owner) || candidates.has(owner) || candidates.size >= limits.maxCandidates) return;
      candidates.add(owner);
      counted[source] += 1;
    });
    return candidates.size < limits.maxCandidates;
  };

  for await (const record of input.validators) if (!collect(record, 'validators')) break;
  if (input.xchain) collect(await input.xchain.txJson(input.stakingAssetID), 'genesis');
  let pBlocks = 0;
  for (let h = input.pChainHeight; h >= 1 && pBlocks < limits.recentBlocks && candidates.size < limits.maxCandidates; h--, pBlocks++) {
    collect(await input.pchain.blockJson(h), 'blocks');
  }
  let xBlocks = 0;
  if (input.xchain) {
    for (let h = await input.xchain.height(); h >= 1 && xBlocks < limits.recentBlocks && candidates.size < limits.maxCandidates; h--, xBlocks++) {
      collect(await input.xchain.blockJson(h), 'blocks');
    }
  }

  const list = [...candidates];
  const hexOf = new Map(list.map((owner) => [bytesToHex(shortIdFromAddress(`P-${owner}`)), owner]));
  const pHeld = list.length > 0 ? await balanceByOwner(input.pchain.utxos(list.map((o) => `P-${o}`)), input.stakingAssetID) : new Map<string, bigint>();
  const xHeld =
    list.length > 0 && input.xchain ? await balanceByOwner(input.xchain.utxos(list.map((o) => `X-${o}`)), input.stakingAssetID) : new Map<string, bigint>();
  const owners = [...hexOf]
    .map(([hex, owner]) => ({ owner, p: pHeld.get(hex) ?? 0n, x: xHeld.get(hex) ?? 0n }))
    .filter((o) => o.p + o.x > 0n)
    .sort((a, b) => (b.p + b.x > a.p + a.x ? 1 : b.p + b.x < a.p + a.x ? -1 : a.owner.localeCompare(b.owner)))
    .slice(0, limits.top)
    .map((o) => ({ address: `${o.p >= o.x ? 'P' : 'X'}-${o.owner}`, pChain: o.p.toString(), xChain: o.x.toString() }));
  const searched =
    `${list.length} unexported owners looked up: ${counted.validators} from the validator set, ${counted.genesis} from the X-Chain genesis, ` +
    `${counted.blocks} from the last ${pBlocks} P- and ${xBlocks} X-Chain blocks` +
    (list.length >= limits.maxCandidates ? ` (stopped at ${limits.maxCandidates})` : '');
  return { owners, searched };
}
