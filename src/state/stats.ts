import type { AccountRecord } from './account.js';
import type { AccountBytes } from './accountBytes.js';
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
  /** Balances not yet in totalBalance: 16-bit limbs, most significant first. */
  private readonly limbs = new Float64Array(16);
  private limbAdds = 0;

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

  /**
   * The same from an account's bytes (read from a line or a record alike): the balance is added in
   * 16-bit limbs, so no BigInt is made per account.
   */
  addBytes(account: AccountBytes): void {
    this.accounts += 1;
    // Only the significant bytes: the ones before them are left over from earlier accounts.
    const balance = account.balance;
    const first = 32 - account.balanceLength;
    for (let i = 31, limb = 15; i >= first; i -= 2, limb--) this.limbs[limb]! += balance[i]! | (i > first ? balance[i - 1]! << 8 : 0);
    // Each limb stays exact in a double for 2^37 additions; folding every 2^20 keeps far from that.
    if (++this.limbAdds === 1 << 20) this.foldLimbs();
    if (account.code !== null && account.code.length > 0) {
      this.contracts += 1;
      this.codeBytes += account.code.length;
    }
    this.storageSlots += account.slotCount;
  }

  /** Moves the limbs' sum into totalBalance. */
  private foldLimbs(): void {
    let sum = 0n;
    for (let i = 0; i < 16; i++) sum = (sum << 16n) + BigInt(this.limbs[i]!);
    this.totalBalance += sum;
    this.limbs.fill(0);
    this.limbAdds = 0;
  }

  snapshot(): StateStats {
    this.foldLimbs();
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
