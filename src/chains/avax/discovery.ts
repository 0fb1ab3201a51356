import type { ExchangeChain } from '../exchange/xchain.js';
import type { PlatformChain } from '../platform/pchain.js';
import { collectAddresses, type OwnerAddress, type PageSource } from './blockDigest.js';
import { walkPages } from './blockWalk.js';
import { OwnerLog, type DiscoveryCursor } from './discoveryLog.js';
import type { SortedOwners } from './ownerSet.js';

export { collectAddresses, type OwnerAddress } from './blockDigest.js';

/**
 * The address set of a P/X export when the plan asks for discovery: every owner the chains name up
 * to the epoch. UTXOs can only be asked for by address, so an owner nobody names is an owner whose
 * balance would be left behind. Sources (JSON shapes seen on avalanchego v1.14.0):
 * - the X-Chain's genesis allocations: the staking asset's CreateAssetTx (`avm.getTx`), whose
 *   `initialStates[].outputs[].addresses` are the genesis owners;
 * - the validator set at the pinned height: reward owners, and stake owners from the staking txs;
 * - every P-Chain block up to the pinned height and every X-Chain block up to its head: outputs,
 *   stake, owners of any transaction type. Read from the node's index in pages of 1024 where it
 *   has one (blockIndex.ts), else walked block by block, several in flight (blockWalk.ts).
 * Not discoverable through the API: P-Chain genesis allocations that were never spent and are not
 * staked (genesis UTXOs have no transaction), and X-Chain owners named only in the DAG era before
 * Cortina (the block index and getBlockByHeight cover the linear chain) — list those in the plan.
 * After every page the owners found and the heights reached are checkpointed (discoveryLog.ts),
 * so a retry resumes from the last page instead of from genesis. Owners are held as short IDs
 * (ownerSet.ts) and handed back in string order one at a time, never as an array of strings.
 */

/**
 * Memory bound of the owner set (ownerSet.ts): 26.7 bytes an owner measured at 5 and at 20 million
 * (510 MB at the bound, where a Set of the strings held ~130 bytes an owner), plus 8 bytes an owner
 * while the sorted order is computed; reading 20 million back in order peaked at 0.9 GB of RSS. An
 * address space beyond it needs a disk-backed set.
 */
export const MAX_DISCOVERED_ADDRESSES = 20_000_000;

export class TooManyOwnersError extends Error {
  override readonly name = 'TooManyOwnersError';
}

export interface DiscoveryProgress {
  pBlocks: number;
  xBlocks: number;
  addresses: number;
  /** Node requests for blocks so far in this attempt. */
  requests: number;
}

export interface DiscoveryInput {
  pchain: PlatformChain;
  xchain?: ExchangeChain;
  pChainHeight: number;
  stakingAssetID: string;
  /** How each chain's blocks are read; default the walk over `blockJson`. */
  pages?: { P: PageSource; X?: PageSource };
  /** The owner log (discoveryLog.ts); without it nothing survives the attempt. */
  logPath?: string;
  /** The last checkpoint of an earlier attempt. */
  resume?: DiscoveryCursor;
  /**
   * Leave the log on disk after success too: the caller drops it (`discardOwnerLog`) once the
   * owners file is written, so a crash in between still resumes at the end instead of at genesis.
   */
  keepLog?: boolean;
  /** Called after every page on disk with the cursor to resume from. */
  checkpoint?: (cursor: DiscoveryCursor) => void;
  signal?: AbortSignal;
  onProgress?: (p: DiscoveryProgress) => void;
  limit?: number;
}

export interface DiscoveryResult {
  /** Every owner once, iterated in string order (ownerSet.ts): streamed to the owners file, never held as strings. */
  owners: SortedOwners;
  pBlocks: number;
  xBlocks: number;
  burned: { P: bigint; X: bigint };
  /** Block requests made by this attempt, and the heights it resumed from (absent: from genesis). */
  requests: number;
  resumedFrom?: { P: number; X: number };
}

export async function discoverOwners(input: DiscoveryInput): Promise<DiscoveryResult> {
  const limit = input.limit ?? MAX_DISCOVERED_ADDRESSES;
  const { log, resumed } = await OwnerLog.open(input.logPath, input.resume);
  const cursor: DiscoveryCursor =
    resumed && input.resume ? structuredClone(input.resume) : { next: { P: 1, X: 1 }, burned: { P: '0', X: '0' }, bytes: 0, owners: 0 };
  const burned = { P: BigInt(cursor.burned.P), X: BigInt(cursor.burned.X) };
  const progress: DiscoveryProgress = { pBlocks: cursor.next.P - 1, xBlocks: cursor.next.X - 1, addresses: log.found.size, requests: 0 };
  const add = async (owner: OwnerAddress): Promise<void> => {
    if ((await log.add(owner)) && log.found.size > limit) {
      throw new TooManyOwnersError(`more than ${limit} owners; list the addresses in the plan instead (chains.P.addresses / chains.X.addresses)`);
    }
  };
  const addAll = async (document: unknown): Promise<void> => {
    const named: OwnerAddress[] = [];
    collectAddresses(document, (owner) => named.push(owner));
    for (const owner of named) await add(owner);
  };
  const report = (): void => input.onProgress?.({ ...progress, addresses: log.found.size });
  const pages = input.pages ?? {
    P: walkPages((h) => input.pchain.blockJson(h), input.stakingAssetID),
    ...(input.xchain ? { X: walkPages((h) => input.xchain!.blockJson(h), input.stakingAssetID) } : {}),
  };

  /** Reads `chain`'s blocks from its cursor to `to`, checkpointing after each page. */
  const readChain = async (chain: 'P' | 'X', source: PageSource, to: number): Promise<void> => {
    for await (const page of source(cursor.next[chain], to, input.signal)) {
      input.signal?.throwIfAborted();
      for (const block of page.blocks) {
        for (const owner of block.owners) await add(owner);
        burned[chain] += block.burned;
      }
      progress[chain === 'P' ? 'pBlocks' : 'xBlocks'] += page.blocks.length;
      progress.requests += page.requests;
      cursor.next[chain] = page.to + 1;
      cursor.burned[chain] = burned[chain].toString();
      cursor.bytes = await log.checkpoint();
      cursor.owners = log.found.size;
      input.checkpoint?.(structuredClone(cursor));
      report();
    }
  };

  try {
    // Validators and the X genesis are a few requests: read again on every attempt (the set keeps
    // owners once), so the cursor only needs to cover the block walks.
    for await (const v of input.pchain.validatorSet(input.pChainHeight, { stakeOutputs: true })) await addAll(v);
    await readChain('P', pages.P, input.pChainHeight);
    if (input.xchain && pages.X) {
      await addAll(await input.xchain.txJson(input.stakingAssetID));
      cursor.xHead ??= await input.xchain.height();
      await readChain('X', pages.X, cursor.xHead);
    }
    report();
  } catch (err) {
    await log.release();
    throw err;
  }
  if (input.keepLog) await log.release();
  else await log.discard();
  return {
    owners: log.found,
    pBlocks: progress.pBlocks,
    xBlocks: progress.xBlocks,
    burned,
    requests: progress.requests,
    ...(resumed ? { resumedFrom: { ...input.resume!.next } } : {}),
  };
}
