import type { ExchangeChain } from '../exchange/xchain.js';
import type { PlatformChain } from '../platform/pchain.js';
import { burnedInBlock } from './burnedFees.js';

/**
 * The address set of a P/X export when the plan asks for discovery: every owner the chains name up
 * to the epoch. UTXOs can only be asked for by address, so an owner nobody names is an owner whose
 * balance would be left behind. Sources (JSON shapes seen on avalanchego v1.14.0):
 * - the X-Chain's genesis allocations: the staking asset's CreateAssetTx (`avm.getTx`), whose
 *   `initialStates[].outputs[].addresses` are the genesis owners;
 * - the validator set at the pinned height: reward owners, and stake owners from the staking txs;
 * - every P-Chain block up to the pinned height and every X-Chain block up to its head
 *   (`getBlockByHeight {encoding: json}`): outputs, stake, owners of any transaction type.
 * Any `addresses` array of X-/P- strings anywhere in those documents counts, so new transaction
 * types need no code. Not discoverable through the API: P-Chain genesis allocations that were never
 * spent and are not staked (genesis UTXOs have no transaction), and X-Chain owners named only in
 * the DAG era before Cortina (getBlockByHeight covers the linear chain) — list those in the plan.
 * Blocks are read one request at a time and a retry starts over: fine for a local or test
 * network's history, hours for mainnet's (a checkpointed walk is future work).
 */

/** Bech32 part of an owner (`local1…`), the same on P and X. */
export type OwnerAddress = string;

/** Memory bound of the set (each entry ~100 bytes): an address space beyond it needs a disk-backed set. */
export const MAX_DISCOVERED_ADDRESSES = 250_000;

export class TooManyOwnersError extends Error {
  override readonly name = 'TooManyOwnersError';
}

export function collectAddresses(value: unknown, add: (owner: OwnerAddress) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) collectAddresses(item, add);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'addresses' && Array.isArray(child)) {
      for (const a of child) if (typeof a === 'string' && /^[XP]-[a-z0-9]+1[02-9ac-hj-np-z]+$/.test(a)) add(a.slice(2));
    } else collectAddresses(child, add);
  }
}

export interface DiscoveryProgress {
  pBlocks: number;
  xBlocks: number;
  addresses: number;
}

export async function discoverOwners(input: {
  pchain: PlatformChain;
  xchain?: ExchangeChain;
  pChainHeight: number;
  stakingAssetID: string;
  onProgress?: (p: DiscoveryProgress) => void;
  limit?: number;
}): Promise<{ owners: OwnerAddress[]; pBlocks: number; xBlocks: number; burned: { P: bigint; X: bigint } }> {
  const limit = input.limit ?? MAX_DISCOVERED_ADDRESSES;
  const owners = new Set<OwnerAddress>();
  const add = (owner: OwnerAddress): void => {
    owners.add(owner);
    if (owners.size > limit) throw new TooManyOwnersError(`more than ${limit} owners; list the addresses in the plan instead (chains.P.addresses / chains.X.addresses)`);
  };
  const progress = { pBlocks: 0, xBlocks: 0, addresses: 0 };
  const report = (): void => input.onProgress?.({ ...progress, addresses: owners.size });
  // The same blocks say what each transaction burned: the supply check counts it (burnedFees.ts).
  const burned = { P: 0n, X: 0n };

  for await (const v of input.pchain.validatorSet(input.pChainHeight, { stakeOutputs: true })) collectAddresses(v, add);
  for (let h = 1; h <= input.pChainHeight; h++) {
    const block = await input.pchain.blockJson(h);
    collectAddresses(block, add);
    burned.P += burnedInBlock(block, input.stakingAssetID);
    progress.pBlocks += 1;
    if (h % 100 === 0) report();
  }
  if (input.xchain) {
    collectAddresses(await input.xchain.txJson(input.stakingAssetID), add);
    const head = await input.xchain.height();
    for (let h = 1; h <= head; h++) {
      const block = await input.xchain.blockJson(h);
      collectAddresses(block, add);
      burned.X += burnedInBlock(block, input.stakingAssetID);
      progress.xBlocks += 1;
      if (h % 100 === 0) report();
    }
  }
  report();
  return { owners: [...owners].sort(), pBlocks: progress.pBlocks, xBlocks: progress.xBlocks, burned };
}
