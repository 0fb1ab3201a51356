import type { UtxoRecord } from '../../../chains/avax/utxo.js';
import { addAt, type OwnerAccount, type OwnerLedger } from './ownerLedger.js';
import { laterLock, soleOwner, stakingAssetAmount } from './records.js';

/** What the UTXO passes need of the export: the asset carried and when the new genesis starts. */
export interface UtxoPassContext {
  assetID: string;
  startTime: number;
}

/** How one chain's UTXOs are carried: what a lock still running at the new start means there, and where the amount goes. */
interface UtxoChain {
  name: 'X' | 'P';
  lockedPastStart: (locktime: string) => string;
  credit: (ledger: OwnerLedger, owner: OwnerAccount, amount: bigint, utxo: UtxoRecord) => void;
}

/**
 * X-Chain UTXOs become their owners' initialAmount, which the genesis puts on the X-Chain
 * unlocked: an output still locked at the new start would be unlocked early, so it is refused.
 */
const X_CHAIN: UtxoChain = {
  name: 'X',
  lockedPastStart: (locktime) => `is locked until ${locktime}, after the new genesis starts: an X-Chain allocation (initialAmount) carries no lock`,
  credit: (ledger, owner, amount) => {
    owner.initialAmount += amount;
    ledger.totals.xChainUtxos += amount;
  },
};

/**
 * P-Chain UTXOs are held per owner and lock (the later of the output's own locktime and its
 * stakeable lock) until the stake pass says whether the owner stakes. A genesis lock is a
 * stakeable lock: carrying a hard lock still running at the new start would let the owner stake
 * the funds early, so it is refused.
 */
const P_CHAIN: UtxoChain = {
  name: 'P',
  lockedPastStart: (locktime) =>
    `is locked (not stakeable) until ${locktime}, after the new genesis starts: a genesis allocation can only carry a stakeable lock`,
  credit: (ledger, owner, amount, utxo) => {
    addAt(owner.pUtxos, amount, laterLock(utxo.owners.locktime, utxo.stakeableLocktime ?? '0'));
    ledger.totals.pChainUtxos += amount;
  },
};

/** Pass 1: the X-Chain UTXOs into their owners' X-Chain balances. */
export function carryXUtxos(ledger: OwnerLedger, utxos: AsyncIterable<UtxoRecord>, context: UtxoPassContext): Promise<void> {
  return carryUtxos(ledger, utxos, X_CHAIN, context);
}

/** Pass 2: the P-Chain UTXOs into their owners' P-Chain holdings, settled by pass 4. */
export function carryPUtxos(ledger: OwnerLedger, utxos: AsyncIterable<UtxoRecord>, context: UtxoPassContext): Promise<void> {
  return carryUtxos(ledger, utxos, P_CHAIN, context);
}

/** Carries each UTXO of the staking asset with one owner to that owner, as its chain says; refuses the others. */
async function carryUtxos(ledger: OwnerLedger, utxos: AsyncIterable<UtxoRecord>, chain: UtxoChain, context: UtxoPassContext): Promise<void> {
  for await (const u of utxos) {
    const field = `${chain.name}-Chain UTXO ${u.utxoID}`;
    const amount = stakingAssetAmount(ledger, u, context.assetID, field);
    const address = soleOwner(ledger, u.owners, field);
    if (amount === undefined || address === undefined) continue;
    if (BigInt(u.owners.locktime) > BigInt(context.startTime)) {
      ledger.refuse(field, chain.lockedPastStart(u.owners.locktime));
      continue;
    }
    const owner = ledger.account(address, field);
    if (owner) chain.credit(ledger, owner, amount, u);
  }
}
