import type { AccountRecord } from '../state/account.js';
import { storageJson } from '../state/jsonl.js';

export interface GethGenesisHeader {
  config: Record<string, unknown>;
  /** Unix seconds of the new chain's block 0. */
  timestamp: number;
  gasLimit: number;
  extraData?: string;
  baseFeePerGas?: bigint;
}

export interface ByteSink {
  write(chunk: string): Promise<void>;
}

/**
 * Streams a geth-format genesis.json: the header, then one alloc entry per account as it arrives,
 * then the closing braces. The whole JSON is never built in memory, and the same accounts in the
 * same order always give the same bytes (fixed field order, storage sorted by slot).
 */
export class GethGenesisWriter {
  private accounts = 0;
  private opened = false;

  constructor(
    private readonly sink: ByteSink,
    private readonly header: GethGenesisHeader,
  ) {}

  private async open(): Promise<void> {
    await this.sink.write(genesisHead(this.header));
    this.opened = true;
  }

  /**
   * Appends one alloc entry, `"<address>":{"balance","nonce","code"?,"storage"?}`, built field by
   * field (the bytes JSON.stringify would give for that object, storage sorted by slot).
   */
  async add(record: AccountRecord): Promise<void> {
    if (!this.opened) await this.open();
    await this.sink.write(`${this.accounts === 0 ? '\n' : ',\n'}${allocEntry(record)}`);
    this.accounts += 1;
  }

  async finish(): Promise<number> {
    if (!this.opened) await this.open();
    await this.sink.write(GENESIS_TAIL);
    return this.accounts;
  }
}

/** Everything before the first alloc entry: the header fields in a fixed order, then `"alloc":{`. */
export function genesisHead(h: GethGenesisHeader): string {
  const head: Record<string, unknown> = {
    config: h.config,
    nonce: '0x0',
    timestamp: `0x${h.timestamp.toString(16)}`,
    extraData: h.extraData ?? '0x',
    gasLimit: `0x${h.gasLimit.toString(16)}`,
    difficulty: '0x0',
    mixHash: `0x${'00'.repeat(32)}`,
    coinbase: `0x${'00'.repeat(20)}`,
  };
  if (h.baseFeePerGas !== undefined) head.baseFeePerGas = `0x${h.baseFeePerGas.toString(16)}`;
  const json = JSON.stringify(head);
  return `${json.slice(0, -1)},"alloc":{`;
}

/** What follows the last alloc entry. */
export const GENESIS_TAIL = '\n}}\n';

/**
 * One alloc entry, `"<address>":{"balance","nonce","code"?,"storage"?}` without its separator,
 * built field by field (the bytes JSON.stringify would give for that object, storage sorted by
 * slot). Entries are separated by `,\n`, and the first one is preceded by `\n`.
 */
export function allocEntry(record: AccountRecord): string {
  const fields: string[] = [];
  if (record.balance !== undefined) fields.push(`"balance":${JSON.stringify(record.balance)}`);
  if (record.nonce !== undefined) fields.push(`"nonce":${JSON.stringify(record.nonce)}`);
  if (record.code !== undefined && record.code !== '0x') fields.push(`"code":${JSON.stringify(record.code)}`);
  const storage = record.storage ? storageJson(record.storage) : undefined;
  if (storage !== undefined) fields.push(`"storage":${storage}`);
  return `${JSON.stringify(record.address)}:{${fields.join(',')}}`;
}
