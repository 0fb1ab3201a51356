import type { StakeOutput } from '../../../chains/platform/stake.js';
import type { ValidatorRecord } from '../../../chains/platform/validatorRecord.js';
import { addAt, type OwnerLedger } from './ownerLedger.js';
import { laterLock, soleOwner } from './records.js';

/** Stake per validator at the pinned height (own + delegated), as its transactions give it; decimal strings. */
export type StakeByNode = Array<{ nodeID: string; weight: string }>;

/**
 * Pass 3: each validator's and delegator's stake outputs, read from their staking transactions,
 * become unlocks of the stake's owners, who are then staked owners (initialStakedFunds): the new
 * initial stakers stake exactly what was staked at the epoch, and it returns to the same owners
 * when their staking period ends. A validator whose transactions do not add up to its weight at
 * the pinned height is refused: its stake would not be carried whole.
 */
export async function carryStake(ledger: OwnerLedger, validators: AsyncIterable<ValidatorRecord>, assetID: string): Promise<StakeByNode> {
  const stakeByNode: StakeByNode = [];
  for await (const v of validators) {
    const field = `validator ${v.nodeID}`;
    if (v.details !== 'current' || v.stakeOutputs === null) {
      ledger.refuse(field, `has no staking details at P-Chain height ${v.height} (${v.details}): whose stake it is cannot be read`);
      continue;
    }
    let stake = carryStakeOutputs(ledger, v.stakeOutputs, field, assetID);
    for (const d of v.delegators) {
      const delegator = `${field} delegator ${d.txID}`;
      if (d.stakeOutputs === null) ledger.refuse(delegator, 'its stake outputs were not read');
      else stake += carryStakeOutputs(ledger, d.stakeOutputs, delegator, assetID);
    }
    if (stake !== BigInt(v.weight)) {
      ledger.refuse(field, `its staking transactions hold ${stake}, its weight at P-Chain height ${v.height} is ${v.weight}`);
    }
    ledger.totals.staked += stake;
    stakeByNode.push({ nodeID: v.nodeID, weight: stake.toString() });
  }
  return stakeByNode;
}

/** One staking transaction's outputs onto their owners, each under its lock; returns how much it carried. */
function carryStakeOutputs(ledger: OwnerLedger, outputs: StakeOutput[], field: string, assetID: string): bigint {
  let sum = 0n;
  outputs.forEach((o, i) => {
    const at = `${field}.stake[${i}]`;
    if (o.assetID !== assetID) {
      ledger.refuse(at, `stakes asset ${o.assetID}, not the staking asset ${assetID}`);
      return;
    }
    const address = soleOwner(ledger, o.owners, at);
    const owner = address === undefined ? undefined : ledger.account(address, at);
    if (!owner) return;
    const amount = BigInt(o.amount);
    addAt(owner.unlocks, amount, laterLock(o.owners.locktime, o.stakeableLocktime));
    owner.staked = true;
    sum += amount;
  });
  return sum;
}
