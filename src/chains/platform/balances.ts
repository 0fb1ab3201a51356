import { shortIdFromAddress } from '../../keys/address.js';
import { bytesToHex } from '../../state/hex.js';
import type { OwnerBalance } from './rehearsal.js';
import type { ValidatorRecord } from './pchain.js';
import type { UtxoRecord } from './utxo.js';

/**
 * What each owner held of the staking asset at the epoch, per chain, as the exports read it from
 * the node: what a new network built from them must serve. Stake owners appear with the balance
 * they held beside their stake (their stake is the validators' weight, checked separately).
 * Outputs with several owners are left out: a genesis refuses them before this is ever asked.
 */
export async function exportedBalances(input: {
  assetID: string;
  pUtxos: AsyncIterable<UtxoRecord>;
  xUtxos?: AsyncIterable<UtxoRecord>;
  validators: AsyncIterable<ValidatorRecord>;
  /** plan.genesis.primary.stakeOwnerBalances = move-to-x: a stake owner's P balance is on X. */
  stakeOwnersOnX?: boolean;
}): Promise<OwnerBalance[]> {
  const owners = new Map<string, OwnerBalance>();
  const owner = (address: string): OwnerBalance => {
    const id = bytesToHex(shortIdFromAddress(address));
    let b = owners.get(id);
    if (!b) owners.set(id, (b = { owner: id, pChain: 0n, xChain: 0n }));
    return b;
  };
  const add = async (utxos: AsyncIterable<UtxoRecord>, chain: 'pChain' | 'xChain'): Promise<void> => {
    for await (const u of utxos) {
      if (u.assetID !== input.assetID || u.amount === undefined || u.owners.addresses.length !== 1) continue;
      owner(u.owners.addresses[0]!)[chain] += BigInt(u.amount);
    }
  };
  await add(input.pUtxos, 'pChain');
  if (input.xUtxos) await add(input.xUtxos, 'xChain');
  for await (const v of input.validators) {
    const outputs = [...(v.stakeOutputs ?? []), ...v.delegators.flatMap((d) => d.stakeOutputs ?? [])];
    for (const o of outputs) {
      if (o.owners.addresses.length !== 1) continue;
      const b = owner(o.owners.addresses[0]!);
      if (input.stakeOwnersOnX) {
        b.xChain += b.pChain;
        b.pChain = 0n;
      }
    }
  }
  return [...owners.values()].sort((a, b) => (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0));
}
