import type { AccountRecord } from './account.js';
import type { Hex } from './hex.js';

/** Totals of a stream of accounts: what verification compares between export and genesis. */
export interface StateStats {
  accounts: number;
  contracts: number;
  storageSlots: number;
  /** Sum of all balances in wei, decimal string (JSON-safe). */
  totalBalance: string;
  codeBytes: number;
}

export function emptyStats(): StateStats {
  return { accounts: 0, contracts: 0, storageSlots: 0, totalBalance: '0', codeBytes: 0 };
}

/** Accumulates stats without re-parsing the running total on every account. */
export class StatsAccumulator {
  private accounts: number;
  private contracts: number;
  private storageSlots: number;
  private totalBalance: bigint;
  private codeBytes: number;

  constructor(from: StateStats = emptyStats()) {
    this.accounts = from.accounts;
    this.contracts = from.contracts;
    this.storageSlots = from.storageSlots;
    this.totalBalance = BigInt(from.totalBalance);
    this.codeBytes = from.codeBytes;
  }

  add(record: AccountRecord): void {
    this.accounts += 1;
    this.totalBalance += BigInt(record.balance);
    if (record.code !== undefined && record.code !== '0x') {
      this.contracts += 1;
      this.codeBytes += (record.code.length - 2) / 2;
    }
    if (record.storage) this.storageSlots += Object.keys(record.storage).length;
  }

  snapshot(): StateStats {
    return {
      accounts: this.accounts,
      contracts: this.contracts,
      storageSlots: this.storageSlots,
      totalBalance: this.totalBalance.toString(),
      codeBytes: this.codeBytes,
    };
  }
}

export function sumStats(parts: readonly StateStats[]): StateStats {
  const total = { ...emptyStats(), totalBalance: 0n };
  for (const p of parts) {
    total.accounts += p.accounts;
    total.contracts += p.contracts;
    total.storageSlots += p.storageSlots;
    total.totalBalance += BigInt(p.totalBalance);
    total.codeBytes += p.codeBytes;
  }
  return { ...total, totalBalance: total.totalBalance.toString() };
}

/** Lists the fields on which two stats differ, for a verification report. */
export function diffStats(expected: StateStats, actual: StateStats): string[] {
  const out: string[] = [];
  for (const field of ['accounts', 'contracts', 'storageSlots', 'totalBalance', 'codeBytes'] as const) {
    if (String(expected[field]) !== String(actual[field])) {
      out.push(`${field}: expected ${expected[field]}, got ${actual[field]}`);
    }
  }
  return out;
}

export type { Hex };
