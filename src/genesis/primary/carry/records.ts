import type { UtxoRecord } from '../../../chains/avax/utxo.js';
import type { OwnerLedger } from './ownerLedger.js';

/** Output owners as exports read them: a locktime, a threshold and the addresses that may spend. */
interface Owners {
  threshold: number;
  addresses: string[];
}

/**
 * The one address that owns an output. A genesis allocation has exactly one owner, so a
 * multisig output cannot be carried without changing who may spend it: it is refused.
 */
export function soleOwner(ledger: OwnerLedger, owners: Owners, field: string): string | undefined {
  if (owners.addresses.length === 1 && owners.threshold === 1) return owners.addresses[0];
  ledger.refuse(field, `owned ${owners.threshold}-of-${owners.addresses.length}: a genesis allocation has exactly one owner`);
  return undefined;
}

/** A UTXO's amount of the staking asset; any other asset (or a non-fungible output) has no place in a primary genesis. */
export function stakingAssetAmount(ledger: OwnerLedger, utxo: UtxoRecord, assetID: string, field: string): bigint | undefined {
  if (utxo.assetID === assetID && utxo.amount !== undefined) return BigInt(utxo.amount);
  ledger.refuse(field, `holds asset ${utxo.assetID} (${utxo.type}): a primary genesis allocates only the staking asset ${assetID}`);
  return undefined;
}

/** An output is spendable when both its own lock and its stakeable lock have passed: the later of the two. */
export function laterLock(a: string, b: string): bigint {
  return BigInt(a) > BigInt(b) ? BigInt(a) : BigInt(b);
}
