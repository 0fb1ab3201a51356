import type { UtxoRecord } from '../../chains/avax/utxo.js';
import type { ValidatorRecord } from '../../chains/platform/validatorRecord.js';
import { OwnerLedger } from './carry/ownerLedger.js';
import { carryStake, type StakeByNode } from './carry/stakePass.js';
import { settleStakeOwnerBalances, type StakeOwnerBalances } from './carry/stakeOwnerBalances.js';
import { carryPUtxos, carryXUtxos } from './carry/utxoPasses.js';
import { PrimaryGenesisError } from './errors.js';
import type { AllocationInput } from './types.js';

/**
 * Carries the primary asset of a pinned P/X export into genesis allocations, one per owner, in
 * four passes over one owner ledger (carry/):
 * 1. X-Chain UTXOs → `initialAmount` (the genesis puts it on the X-Chain, unlocked);
 * 2. P-Chain UTXOs → held with the output's lock (the later of its own locktime and its
 *    stakeable lock) until pass 4;
 * 3. stake (each validator's and delegator's stake outputs, read from their staking transactions)
 *    → `unlockSchedule` entries of the stake's owner, who is listed in `initialStakedFunds`: the
 *    new initial stakers stake exactly what was staked at the epoch, and it returns to the same
 *    owners when their staking period ends;
 * 4. P-Chain holdings → `unlockSchedule` entries of owners who stake nothing; a stake owner's are
 *    refused or, when the plan says so, moved to its X-Chain allocation.
 * What a primary genesis cannot express is refused, naming the record, never approximated:
 * assets other than the primary one, outputs with several owners or a threshold, X-Chain outputs
 * and hard-locked P-Chain outputs still locked when the new genesis starts, P-Chain balances of a
 * stake owner (the genesis would stake them too), and stake that does not add up to the
 * validator's weight at the pinned height. Every pass runs; the refusal names all of it.
 */

export interface ExportedPrimaryAsset {
  /** The asset carried: the source network's staking asset (AVAX, LUX). */
  assetID: string;
  /** bech32 HRP of the new network's addresses. */
  hrp: string;
  /** Start time of the new genesis: X-Chain locks up to it have expired there. */
  startTime: number;
  pUtxos: AsyncIterable<UtxoRecord>;
  xUtxos?: AsyncIterable<UtxoRecord>;
  validators: AsyncIterable<ValidatorRecord>;
  /**
   * What to do with P-Chain balances of stake owners (the genesis would stake them too): refuse
   * (default), or move the unlocked ones to the owner's X-Chain allocation, where they stay spendable.
   */
  stakeOwnerBalances?: StakeOwnerBalances;
}

export interface CarriedAllocations {
  allocations: AllocationInput[];
  initialStakedFunds: string[];
  /** nAVAX (or nLUX) placed, by where it came from; decimal strings. */
  carried: { pChainUtxos: string; xChainUtxos: string; staked: string; movedToX: string };
  /** Stake per validator at the pinned height (own + delegated), as the transactions give it. */
  stakeByNode: StakeByNode;
}

/** Runs the four passes in order (each needs the ones before it) and returns the ledger's allocations, or refuses them all at once. */
export async function allocationsFromExports(input: ExportedPrimaryAsset): Promise<CarriedAllocations> {
  const ledger = new OwnerLedger(input.hrp);
  const context = { assetID: input.assetID, startTime: input.startTime };
  if (input.xUtxos) await carryXUtxos(ledger, input.xUtxos, context);
  await carryPUtxos(ledger, input.pUtxos, context);
  const stakeByNode = await carryStake(ledger, input.validators, input.assetID);
  settleStakeOwnerBalances(ledger, input.stakeOwnerBalances, input.startTime);
  if (ledger.issues.length > 0) throw new PrimaryGenesisError(ledger.issues);
  const { pChainUtxos, xChainUtxos, staked, movedToX } = ledger.totals;
  return {
    ...ledger.allocations(),
    carried: { pChainUtxos: pChainUtxos.toString(), xChainUtxos: xChainUtxos.toString(), staked: staked.toString(), movedToX: movedToX.toString() },
    stakeByNode,
  };
}
