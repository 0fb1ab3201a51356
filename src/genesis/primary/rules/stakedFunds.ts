import type { GenesisIssue } from '../issues.js';
import { checkUtxoAddress, type AddressNetwork } from '../utxoAddress.js';

/** The staked owners (short IDs of the valid entries) and what refuses the list. */
export interface CheckedStakedFunds {
  staked: Set<string>;
  issues: GenesisIssue[];
}

/**
 * initialStakedFunds names whose allocations the initial stakers stake: upstream needs at least
 * one, each once (twice would stake it twice), each with an allocation to stake.
 */
export function checkStakedFunds(addresses: readonly string[], ownerIds: ReadonlyArray<string | undefined>, network: AddressNetwork): CheckedStakedFunds {
  const owners = new Set(ownerIds);
  const staked = new Set<string>();
  const issues: GenesisIssue[] = [];
  if (addresses.length === 0) issues.push({ field: 'input.initialStakedFunds', message: 'must not be empty' });
  addresses.forEach((address, i) => {
    const field = `input.initialStakedFunds[${i}]`;
    const { id, issues: refused } = checkUtxoAddress(address, field, network);
    issues.push(...refused);
    if (id === undefined) return;
    if (staked.has(id)) issues.push({ field, message: `${address} is listed twice` });
    else if (!owners.has(id)) issues.push({ field, message: `${address} has no allocation to stake` });
    staked.add(id);
  });
  return { staked, issues };
}
