import { addAt, type OwnerAccount, type OwnerLedger } from './ownerLedger.js';

/** What to do with P-Chain balances of stake owners: refuse them, or move the unlocked ones to the X-Chain. */
export type StakeOwnerBalances = 'refuse' | 'move-to-x';

/**
 * Pass 4: every owner's P-Chain holdings find their place. An owner who stakes nothing keeps them
 * as unlocks. A stake owner cannot: the genesis stakes every P-Chain allocation of a staked
 * owner, so its balance would be locked as stake. Such balances are refused, or, when the plan
 * says so, moved to the owner's X-Chain allocation where they stay spendable.
 */
export function settleStakeOwnerBalances(ledger: OwnerLedger, policy: StakeOwnerBalances | undefined, startTime: number): void {
  for (const [id, owner] of ledger.owners()) {
    if (!owner.staked) {
      for (const [locktime, amount] of owner.pUtxos) addAt(owner.unlocks, amount, locktime);
      continue;
    }
    if (owner.pUtxos.size === 0) continue;
    const field = `P-Chain UTXOs of ${ledger.pChainAddress(id)}`;
    if (policy === 'move-to-x') moveToX(ledger, owner, field, startTime);
    else {
      ledger.refuse(
        field,
        'this address also owns stake: the new genesis stakes every P-Chain allocation of a stake owner, so its balance would be locked as stake ' +
          '(move it before the epoch, or set plan.genesis.primary.stakeOwnerBalances to move-to-x)',
      );
    }
  }
}

/** A stake owner's P-Chain balance onto its X-Chain allocation; a lock still running at the new start cannot go (X carries no lock). */
function moveToX(ledger: OwnerLedger, owner: OwnerAccount, field: string, startTime: number): void {
  for (const [locktime, amount] of owner.pUtxos) {
    if (locktime > BigInt(startTime)) {
      ledger.refuse(field, `${amount} locked until ${locktime} cannot move to the X-Chain (an X-Chain allocation carries no lock)`);
      continue;
    }
    owner.initialAmount += amount;
    ledger.totals.movedToX += amount;
  }
}
