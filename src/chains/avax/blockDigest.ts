import { burnedInBlock } from './burnedFees.js';

/** Bech32 part of an owner (`local1…`), the same on P and X. */
export type OwnerAddress = string;

/** Every X-/P- address under an `addresses` key of a JSON document, whatever the transaction type. */
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

/**
 * What owner discovery keeps of one P- or X-Chain block, whichever way it was read (the block's
 * JSON, or its bytes from the node's index): the owners it names and the staking asset it burned.
 */
export interface BlockDigest {
  height: number;
  owners: OwnerAddress[];
  burned: bigint;
}

/** A page of consecutive blocks, `from` to `to` inclusive, in height order. */
export interface DigestPage {
  from: number;
  to: number;
  blocks: BlockDigest[];
  /** Node requests the page took (what the index saves shows here). */
  requests: number;
}

/** Where the blocks of one chain come from: the walk (walkPages) or the index (indexPages). */
export type PageSource = (from: number, to: number, signal?: AbortSignal) => AsyncIterable<DigestPage>;

/** The digest of a block as `getBlockByHeight {encoding: json}` serves it. */
export function digestOfJson(height: number, block: unknown, stakingAssetID: string): BlockDigest {
  const owners: OwnerAddress[] = [];
  collectAddresses(block, (owner) => owners.push(owner));
  return { height, owners, burned: burnedInBlock(block, stakingAssetID) };
}
