import { parseEvmAddress } from '../../../keys/address.js';
import { issuesThrownBy, type GenesisIssue } from '../issues.js';
import type { NormalizedGenesisInput } from '../schema.js';
import { checkUtxoAddress, type AddressNetwork } from '../utxoAddress.js';

type Allocation = NormalizedGenesisInput['allocations'][number];

const U64_MAX = 2n ** 64n - 1n;

/** What an allocation locks on the P-Chain: the sum of its unlock schedule. */
export function lockedOf(allocation: Allocation): bigint {
  return allocation.unlockSchedule.reduce((sum, u) => sum + u.amount, 0n);
}

/** The allocations checked: each one's owner as a short ID (undefined where refused), and the issues. */
export interface CheckedAllocations {
  ownerIds: Array<string | undefined>;
  issues: GenesisIssue[];
}

/** Every allocation's rules, issues in allocation order; owners are what staked funds must name. */
export function checkAllocations(allocations: readonly Allocation[], network: AddressNetwork): CheckedAllocations {
  const checked = allocations.map((allocation, i) => checkAllocation(allocation, `input.allocations[${i}]`, network));
  return { ownerIds: checked.map((c) => c.id), issues: checked.flatMap((c) => c.issues) };
}

/** One allocation: both addresses parse, the X/P one on this network, and it creates something. */
function checkAllocation(allocation: Allocation, at: string, network: AddressNetwork): { id?: string; issues: GenesisIssue[] } {
  const owner = checkUtxoAddress(allocation.utxoAddress, `${at}.utxoAddress`, network);
  const issues = [
    ...issuesThrownBy(`${at}.evmAddress`, () => parseEvmAddress(allocation.evmAddress, `${at}.evmAddress`)),
    ...owner.issues,
    ...emptyUnlocks(allocation, at),
    ...allocatesNothing(allocation, at),
  ];
  return { ...(owner.id !== undefined ? { id: owner.id } : {}), issues };
}

/** An unlock of zero creates no UTXO upstream: it is a mistake, not a lock. */
function emptyUnlocks(allocation: Allocation, at: string): GenesisIssue[] {
  return allocation.unlockSchedule.flatMap((unlock, j) =>
    unlock.amount === 0n ? [{ field: `${at}.unlockSchedule[${j}].amount`, message: 'must be non-zero (an empty unlock creates nothing)' }] : [],
  );
}

/** An allocation of nothing names an owner that receives nothing: a sign the input is wrong. */
function allocatesNothing(allocation: Allocation, at: string): GenesisIssue[] {
  if (allocation.initialAmount !== 0n || lockedOf(allocation) !== 0n) return [];
  return [{ field: at, message: 'allocates nothing (initialAmount and unlockSchedule are both zero)' }];
}

/** avalanchego refuses a genesis with no supply, and a supply it cannot count in a uint64. */
export function supplyIssues(allocations: readonly Allocation[]): GenesisIssue[] {
  const issues: GenesisIssue[] = [];
  if (allocations.length === 0) issues.push({ field: 'input.allocations', message: 'must not be empty (initial supply must be > 0)' });
  const supply = allocations.reduce((sum, a) => sum + a.initialAmount + lockedOf(a), 0n);
  if (supply > U64_MAX) issues.push({ field: 'input.allocations', message: `total supply ${supply} overflows uint64` });
  return issues;
}

/** Each staker stakes a slice of the locked amounts: fewer units than stakers leaves one with none. */
export function lockedCoversStakers(data: Pick<NormalizedGenesisInput, 'allocations' | 'validators'>): GenesisIssue[] {
  const totalLocked = data.allocations.reduce((sum, a) => sum + lockedOf(a), 0n);
  if (totalLocked >= BigInt(data.validators.length)) return [];
  return [{ field: 'input.allocations', message: `total locked amount ${totalLocked} is below the number of stakers (${data.validators.length})` }];
}
