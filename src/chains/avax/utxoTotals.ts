import { writeJsonl, type JsonlSummary } from '../../state/jsonl.js';
import type { UtxoRecord } from './utxo.js';

export interface AssetTotal {
  assetID: string;
  /** Sum of fungible amounts, decimal string. */
  amount: string;
  /** Part of `amount` whose own locktime or stakeable locktime is after `asOf`. */
  locked: string;
  /** Part of `amount` inside stakeable.LockOut outputs (whatever the time). */
  stakeableLocked: string;
  utxos: number;
  /** UTXOs without an amount (mint rights, NFTs, properties). */
  nonFungibleUtxos: number;
}

/**
 * Per-asset totals over a UTXO stream, in memory proportional to the number of assets. `asOf`
 * (unix seconds) decides which amounts count as locked; give the chain's own timestamp.
 */
export class UtxoTotals {
  private readonly byAsset = new Map<string, { amount: bigint; locked: bigint; stakeable: bigint; utxos: number; nonFungible: number }>();
  constructor(private readonly asOf: bigint) {}

  add(record: UtxoRecord): void {
    let t = this.byAsset.get(record.assetID);
    if (!t) {
      t = { amount: 0n, locked: 0n, stakeable: 0n, utxos: 0, nonFungible: 0 };
      this.byAsset.set(record.assetID, t);
    }
    t.utxos += 1;
    if (record.amount === undefined) {
      t.nonFungible += 1;
      return;
    }
    const amount = BigInt(record.amount);
    t.amount += amount;
    if (record.stakeableLocktime !== undefined) t.stakeable += amount;
    const lockedUntil = [record.owners.locktime, record.stakeableLocktime ?? '0'].map(BigInt).reduce((a, b) => (a > b ? a : b));
    if (lockedUntil > this.asOf) t.locked += amount;
  }

  totals(): AssetTotal[] {
    return [...this.byAsset]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([assetID, t]) => ({
        assetID,
        amount: t.amount.toString(),
        locked: t.locked.toString(),
        stakeableLocked: t.stakeable.toString(),
        utxos: t.utxos,
        nonFungibleUtxos: t.nonFungible,
      }));
  }
}

/** Per-asset totals of a UTXO stream as of `asOf`, without writing it anywhere. */
export async function totalUtxos(utxos: AsyncIterable<UtxoRecord>, asOf: number): Promise<AssetTotal[]> {
  const totals = new UtxoTotals(BigInt(asOf));
  for await (const u of utxos) totals.add(u);
  return totals.totals();
}

/**
 * Streams UTXOs into a JSONL artifact while totalling them per asset as of `asOf`, so a chain's
 * balances and its export come from the same single read of the node.
 */
export async function exportUtxosWithTotals(
  path: string,
  utxos: AsyncIterable<UtxoRecord>,
  asOf: number,
): Promise<JsonlSummary & { assets: AssetTotal[]; asOf: number }> {
  const totals = new UtxoTotals(BigInt(asOf));
  const written = await writeJsonl(
    path,
    (async function* () {
      for await (const u of utxos) {
        totals.add(u);
        yield u;
      }
    })(),
  );
  return { ...written, assets: totals.totals(), asOf };
}
