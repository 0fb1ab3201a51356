import { ALLOCATION_FIELDS, type AllocationStyle } from '../../network/dialect.js';
import type { NormalizedGenesisInput } from './schema.js';
import type { GenesisAllocation, GenesisStaker, PrimaryGenesis, UnlockEntry } from './types.js';

/**
 * The genesis document of a checked input: allocations under the dialect's field names, stakers
 * as checked (canonical keys), and the luxd-only chain geneses only where given, so that a file
 * read back and rebuilt is the same bytes.
 */
export function genesisDocument(data: NormalizedGenesisInput, style: AllocationStyle, stakers: GenesisStaker[]): PrimaryGenesis {
  return {
    networkID: data.networkID,
    allocations: data.allocations.map((a) => allocationEntry(a, style)),
    startTime: data.startTime,
    initialStakeDuration: data.initialStakeDuration,
    initialStakeDurationOffset: data.initialStakeDurationOffset,
    initialStakedFunds: [...data.initialStakedFunds],
    initialStakers: stakers,
    ...(data.xChainGenesis !== undefined ? { xChainGenesis: data.xChainGenesis } : {}),
    cChainGenesis: data.cChainGenesis,
    ...(data.qChainGenesis !== undefined ? { qChainGenesis: data.qChainGenesis } : {}),
    message: data.message,
  };
}

/** One allocation under the style's address fields; an unlock without a locktime is written without one. */
function allocationEntry(a: NormalizedGenesisInput['allocations'][number], style: AllocationStyle): GenesisAllocation {
  const fields = ALLOCATION_FIELDS[style];
  return {
    [fields.evm]: a.evmAddress,
    [fields.utxo]: a.utxoAddress,
    initialAmount: a.initialAmount,
    unlockSchedule: a.unlockSchedule.map((u): UnlockEntry => (u.locktime === undefined ? { amount: u.amount } : { amount: u.amount, locktime: u.locktime })),
  } as unknown as GenesisAllocation;
}
