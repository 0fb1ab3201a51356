import type { AccountRecord } from '../state/account.js';
import type { Hex } from '../state/hex.js';
import { EMPTY_CODE_HASH, keccak256Hex, keccakReady } from '../state/keccak.js';
import { StateRootBuilder, type AccountEncoding } from '../state/stateRoot.js';

/**
 * The alloc root of a geth genesis read back as GethGenesisWriter writes it: the header up to
 * `"alloc":{` on the first line, then one account per line in trie-key order, then `}}`. Text is
 * fed in pieces as it arrives and each account goes straight into the same StateRootBuilder the
 * genesis was built with, so a genesis of any size is read in O(one account) memory. A file in
 * another shape (the alloc on one line, accounts out of key order) is refused, not sorted in memory.
 */

interface AllocEntry {
  balance?: string;
  nonce?: string;
  code?: string;
  storage?: Record<string, string>;
}

const ALLOC_OPENS = '"alloc":{';

export class GenesisAllocRoot {
  private pending = '';
  private line = 0;
  private stage: 'header' | 'accounts' | 'closed' = 'header';
  private readonly builder: StateRootBuilder;

  private constructor(
    encoding: AccountEncoding,
    private readonly source: string,
  ) {
    this.builder = new StateRootBuilder(encoding);
  }

  /** `source` names the genesis in errors (e.g. `cChainGenesis of <file>`). */
  static async create(encoding: AccountEncoding, source: string): Promise<GenesisAllocRoot> {
    await keccakReady();
    return new GenesisAllocRoot(encoding, source);
  }

  write(text: string): void {
    const data = this.pending + text;
    let start = 0;
    for (let end = data.indexOf('\n'); end >= 0; end = data.indexOf('\n', start)) {
      this.takeLine(data.slice(start, end));
      start = end + 1;
    }
    this.pending = data.slice(start);
  }

  end(): { stateRoot: Hex; accounts: number } {
    if (this.pending !== '') this.takeLine(this.pending);
    if (this.stage !== 'closed') this.refuse('ends before its alloc is closed');
    return { stateRoot: this.builder.root(), accounts: this.builder.accounts };
  }

  private takeLine(text: string): void {
    this.line += 1;
    if (this.stage === 'header') {
      if (!text.startsWith('{') || !text.endsWith(ALLOC_OPENS)) this.refuse(`line 1 is not a genesis header ending in ${ALLOC_OPENS}`);
      this.stage = 'accounts';
    } else if (this.stage === 'closed') {
      if (text.trim() !== '') this.refuse('has text after its alloc');
    } else if (text === '}}') {
      this.stage = 'closed';
    } else {
      this.builder.add(this.recordOf(text));
    }
  }

  private recordOf(text: string): AccountRecord {
    let parsed: Record<string, AllocEntry>;
    try {
      parsed = JSON.parse(`{${text.endsWith(',') ? text.slice(0, -1) : text}}`) as Record<string, AllocEntry>;
    } catch {
      return this.refuse(`line ${this.line} is not one alloc entry`);
    }
    const addresses = Object.keys(parsed);
    if (addresses.length !== 1) return this.refuse(`line ${this.line} holds ${addresses.length} accounts, not one`);
    const address = addresses[0]!.toLowerCase() as Hex;
    const entry = parsed[addresses[0]!]!;
    return {
      key: keccak256Hex(address),
      address,
      balance: (entry.balance ?? '0x0') as Hex,
      nonce: (entry.nonce ?? '0x0') as Hex,
      codeHash: entry.code && entry.code !== '0x' ? keccak256Hex(entry.code as Hex) : EMPTY_CODE_HASH,
      ...(entry.code && entry.code !== '0x' ? { code: entry.code as Hex } : {}),
      ...(entry.storage ? { storage: entry.storage as Record<Hex, Hex> } : {}),
    };
  }

  private refuse(why: string): never {
    throw new Error(`${this.source}: ${why} (the form the run's genesis writer writes: one account per line, in trie-key order)`);
  }
}
