import { parseUint } from './api.js';

/**
 * What the P- and X-Chain burned as fees, read from the blocks owner discovery already walks. The
 * node's supply (`platform.getCurrentSupply`) never shrinks by a fee — avalanchego v1.14.0 changes
 * it only when stakers are added (their potential reward) or leave unrewarded — so every fee paid
 * since genesis sits in the supply but with no owner. Per transaction (JSON as avalanchego serves
 * it): what its inputs consume (`inputs`, `importedInputs`) less what its outputs create
 * (`outputs`, `exportedOutputs`, `stake`), of the staking asset. Reward transactions have neither;
 * a balance given to an L1 validator counts as burned, which is what it becomes.
 */

const CONSUMED = ['inputs', 'importedInputs'];
const CREATED = ['outputs', 'exportedOutputs', 'stake'];

/** The first `amount` inside an input or output, however deep its lock wrappers nest it. */
function amountOf(value: unknown): bigint {
  if (value === null || typeof value !== 'object') return 0n;
  const record = value as Record<string, unknown>;
  // A number beyond 2^53 lost its digits in JSON.parse: refused (parseUint), never summed.
  if (record.amount !== undefined) return parseUint(record.amount, 'amount');
  for (const child of Object.values(record)) {
    const found = amountOf(child);
    if (found > 0n) return found;
  }
  return 0n;
}

function sumOf(tx: Record<string, unknown>, fields: readonly string[], assetID: string): bigint {
  let sum = 0n;
  for (const field of fields) {
    const entries = tx[field];
    if (!Array.isArray(entries)) continue;
    for (const entry of entries) {
      if (entry !== null && typeof entry === 'object' && (entry as { assetID?: unknown }).assetID === assetID) sum += amountOf(entry);
    }
  }
  return sum;
}

/** The staking asset burned by every transaction of a block (`getBlockByHeight {encoding: json}`). */
export function burnedInBlock(block: unknown, assetID: string): bigint {
  if (Array.isArray(block)) return block.reduce<bigint>((sum, item) => sum + burnedInBlock(item, assetID), 0n);
  if (block === null || typeof block !== 'object') return 0n;
  let sum = 0n;
  for (const [key, child] of Object.entries(block as Record<string, unknown>)) {
    if (key === 'unsignedTx' && child !== null && typeof child === 'object') {
      const tx = child as Record<string, unknown>;
      sum += sumOf(tx, CONSUMED, assetID) - sumOf(tx, CREATED, assetID);
    } else sum += burnedInBlock(child, assetID);
  }
  return sum;
}
