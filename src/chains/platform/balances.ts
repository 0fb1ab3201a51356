import { shortIdFromAddress } from '../../keys/address.js';
import { bytesToHex } from '../../state/hex.js';
import type { ValidatorRecord } from './validatorRecord.js';
import type { UtxoRecord } from '../avax/utxo.js';

/**
 * What each owner held of the staking asset at the epoch, per chain, as the exports read it from
 * the node: what a new network built from them must serve. Stake owners appear with the balance
 * they held beside their stake (their stake is the validators' weight, checked separately).
 * Outputs with several owners are left out: a genesis refuses them before this is ever asked.
 * The rehearsal and the post-launch check compare a node against these, so the type lives here.
 */
export interface OwnerBalance {
  /** Short ID, 0x hex. */
  owner: string;
  pChain: bigint;
  xChain: bigint;
}

/** Sum of `assetID` per sole owner (short ID, 0x hex), as exported or as a node serves it. */
export async function balanceByOwner(utxos: AsyncIterable<UtxoRecord>, assetID: string): Promise<Map<string, bigint>> {
  const byOwner = new Map<string, bigint>();
  for await (const u of utxos) {
    if (u.assetID !== assetID || u.amount === undefined || u.owners.addresses.length !== 1) continue;
    const owner = bytesToHex(shortIdFromAddress(u.owners.addresses[0]!));
    byOwner.set(owner, (byOwner.get(owner) ?? 0n) + BigInt(u.amount));
  }
  return byOwner;
}

export async function exportedBalances(input: {
  assetID: string;
  pUtxos: AsyncIterable<UtxoRecord>;
  xUtxos?: AsyncIterable<UtxoRecord>;
  validators: AsyncIterable<ValidatorRecord>;
  /** plan.genesis.primary.stakeOwnerBalances = move-to-x: a stake owner's P balance is on X. */
  stakeOwnersOnX?: boolean;
}): Promise<OwnerBalance[]> {
  const owners = new Map<string, OwnerBalance>();
  const ownerOf = (id: string): OwnerBalance => {
    const known = owners.get(id);
    if (known) return known;
    const added = { owner: id, pChain: 0n, xChain: 0n };
    owners.set(id, added);
    return added;
  };
  const owner = (address: string): OwnerBalance => ownerOf(bytesToHex(shortIdFromAddress(address)));
  const add = (sums: Map<string, bigint>, chain: 'pChain' | 'xChain'): void => {
    for (const [id, amount] of sums) ownerOf(id)[chain] += amount;
  };
  add(await balanceByOwner(input.pUtxos, input.assetID), 'pChain');
  if (input.xUtxos) add(await balanceByOwner(input.xUtxos, input.assetID), 'xChain');
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
