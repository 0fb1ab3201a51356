import { formatAddress, shortIdFromAddress } from '../../../keys/address.js';
import { bytesToHex, hexToBytes } from '../../../state/hex.js';
import type { GenesisIssue } from '../issues.js';
import type { AllocationInput } from '../types.js';

/** The EVM half of an allocation is informational upstream; a short ID does not determine it. */
const NO_EVM_ADDRESS = `0x${'00'.repeat(20)}`;

/** What one owner (a short ID, whatever the chain prefix or HRP it was read under) is carried into the genesis. */
export interface OwnerAccount {
  /** X-Chain balance: the allocation's initialAmount. */
  initialAmount: bigint;
  /** locktime → amount: stake, then (unless moved) P-Chain UTXOs; the allocation's unlockSchedule. */
  unlocks: Map<bigint, bigint>;
  /** locktime → amount of the owner's P-Chain UTXOs, held apart until the owner is known to stake or not. */
  pUtxos: Map<bigint, bigint>;
  /** Owns stake: listed in initialStakedFunds. */
  staked: boolean;
}

/** nAVAX (or nLUX) carried, by where it came from. */
export interface CarriedTotals {
  pChainUtxos: bigint;
  xChainUtxos: bigint;
  staked: bigint;
  movedToX: bigint;
}

/** Adds an amount under its locktime: amounts that unlock together are one unlock entry. */
export function addAt(into: Map<bigint, bigint>, amount: bigint, locktime: bigint): void {
  into.set(locktime, (into.get(locktime) ?? 0n) + amount);
}

/**
 * The owners of a P/X export, one account each, as the passes of fromExports.ts fill them, with
 * what each pass carried and what it refused. One ledger for all passes, because an owner's
 * allocation depends on all of them: stake decides whether its P-Chain balance is staked too.
 */
export class OwnerLedger {
  private readonly accounts = new Map<string, OwnerAccount>();
  readonly issues: GenesisIssue[] = [];
  readonly totals: CarriedTotals = { pChainUtxos: 0n, xChainUtxos: 0n, staked: 0n, movedToX: 0n };

  /** @param hrp the new network's HRP, under which every owner's allocation is written */
  constructor(private readonly hrp: string) {}

  /** Records what cannot be carried: the genesis is refused once every pass has run, naming all of it. */
  refuse(field: string, message: string): void {
    this.issues.push({ field, message });
  }

  /** The account of an address's owner, opened on first sight; undefined (and refused) if the address does not parse. */
  account(address: string, field: string): OwnerAccount | undefined {
    let id: string;
    try {
      id = bytesToHex(shortIdFromAddress(address, field));
    } catch (err) {
      this.refuse(field, (err as Error).message);
      return undefined;
    }
    const known = this.accounts.get(id);
    if (known) return known;
    const added = { initialAmount: 0n, unlocks: new Map(), pUtxos: new Map(), staked: false };
    this.accounts.set(id, added);
    return added;
  }

  /** Every account by its owner's short ID, in the order owners were first seen. */
  owners(): IterableIterator<[id: string, account: OwnerAccount]> {
    return this.accounts.entries();
  }

  /** An owner's address on the P-Chain of the new network, as messages about its P-Chain holdings name it. */
  pChainAddress(id: string): string {
    return formatAddress('P', this.hrp, hexToBytes(id));
  }

  /**
   * One allocation per owner, by short ID (so the file does not depend on the order the exports
   * were read in), unlocks by locktime; and the staked owners, as initialStakedFunds lists them.
   */
  allocations(): { allocations: AllocationInput[]; initialStakedFunds: string[] } {
    const ids = [...this.accounts.keys()].sort();
    const address = (id: string): string => formatAddress('X', this.hrp, hexToBytes(id));
    return {
      allocations: ids.map((id) => allocationOf(address(id), this.accounts.get(id)!)),
      initialStakedFunds: ids.filter((id) => this.accounts.get(id)!.staked).map(address),
    };
  }
}

/** An account as a genesis allocation: X balance unlocked, every unlock with its lock (none at 0). */
function allocationOf(utxoAddress: string, account: OwnerAccount): AllocationInput {
  return {
    evmAddress: NO_EVM_ADDRESS,
    utxoAddress,
    initialAmount: account.initialAmount,
    unlockSchedule: [...account.unlocks]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([locktime, amount]) => (locktime === 0n ? { amount } : { amount, locktime })),
  };
}
