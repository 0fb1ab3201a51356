import { randomBytes } from 'node:crypto';
import { Wallet } from 'ethers';
import type { JsonRpcClient } from '../src/chains/evm/rpc.js';
import type { Hex } from '../src/state/hex.js';
import { cHead, Sender } from '../test/helpers/cChain.js';
import { log } from './progress.js';

/**
 * Set-up of the downtime phase, not its figure: N distinct funded C-Chain accounts on the old
 * network, made by plain value transfers to fresh random addresses. One sender keeps at most 16
 * transactions pending (coreth's per-account slots, see Sender), so several wallets send side by
 * side to put more than 16 transfers in a block.
 */

/** How the old C-Chain got its accounts (`--downtime-fill`). */
export type FillResult = TransferFill | GenesisFill;

/** Accounts placed in the old network's genesis allocation (test/rigs/prefilledGenesis.ts). */
export interface GenesisFill {
  method: 'genesis';
  accounts: number;
  /** The rig's start: writing the genesis and six nodes building its state. */
  rigStartSeconds: number;
}

export interface TransferFill {
  method: 'transfers';
  accounts: number;
  wallets: number;
  seconds: number;
  accountsPerSecond: number;
  /** C-Chain blocks the fill took (head after − head before). */
  blocks: number;
}

/**
 * Wallets sending side by side, 16 pending each. Measured at 10k accounts on 2 cores: 8 wallets
 * filled 54 accounts/s (~112 a block, a block every ~2.1 s), 32 wallets 80–92/s (190–280 a block,
 * every 2.4–3 s): fuller but slower blocks, on two cores shared by six nodes and the senders.
 */
const FILL_WALLETS = 32;
/** Transfers handed to one Sender call: small enough for steady progress lines, a multiple of its 16. */
const CHUNK = 64;
/** What each new account receives (wei): any non-zero balance makes the account exist. */
const GIFT = 1_000_000_000n;
/** Generous gas money for one transfer (wei), whatever the base fee does under the fill's load. */
const FEE_BUDGET = 10n ** 17n;

/** Fills the chain from `funder` (ewoq's Sender); returns when every transfer is mined. */
export async function fillAccounts(rpc: JsonRpcClient, funder: Sender, chainId: bigint, accounts: number): Promise<TransferFill> {
  const wallets = Array.from({ length: Math.min(FILL_WALLETS, accounts) }, () => new Wallet(`0x${randomBytes(32).toString('hex')}`));
  const shares = wallets.map((_, i) => Math.floor(accounts / wallets.length) + (i < accounts % wallets.length ? 1 : 0));
  await funder.send(wallets.map((w, i) => ({ to: w.address, value: BigInt(shares[i]!) * (GIFT + FEE_BUDGET), gasLimit: 21_000n })));
  const firstBlock = await headNumber(rpc);
  const started = Date.now();
  const progress = new Progress(accounts, started);
  await Promise.all(wallets.map((w, i) => sendShare(new Sender(rpc, w, chainId), shares[i]!, progress)));
  const seconds = (Date.now() - started) / 1000;
  const blocks = (await headNumber(rpc)) - firstBlock;
  log(`  filled ${accounts} accounts in ${seconds.toFixed(0)} s (${(accounts / seconds).toFixed(0)}/s, ${blocks} blocks)`);
  return { method: 'transfers', accounts, wallets: wallets.length, seconds: hundredths(seconds), accountsPerSecond: hundredths(accounts / seconds), blocks };
}

/** One wallet's share, in chunks, each to a fresh random address (20 random bytes: no key needed). */
async function sendShare(sender: Sender, count: number, progress: Progress): Promise<void> {
  for (let done = 0; done < count; done += CHUNK) {
    const n = Math.min(CHUNK, count - done);
    const txs = Array.from({ length: n }, () => ({ to: `0x${randomBytes(20).toString('hex')}`, value: GIFT, gasLimit: 21_000n }));
    await sender.send(txs);
    progress.add(n);
  }
}

/** The head's number, to count the blocks the fill took. */
async function headNumber(rpc: JsonRpcClient): Promise<number> {
  return Number(BigInt((await cHead(rpc)).number as Hex));
}

/** A progress line every 10% or so: the fill of 100k accounts is long enough to want one. */
class Progress {
  private done = 0;
  private nextLog: number;
  constructor(
    private readonly total: number,
    private readonly started: number,
  ) {
    this.nextLog = Math.max(1000, Math.ceil(total / 10));
  }

  add(n: number): void {
    this.done += n;
    if (this.done < this.nextLog || this.done >= this.total) return;
    this.nextLog += Math.max(1000, Math.ceil(this.total / 10));
    const rate = this.done / ((Date.now() - this.started) / 1000);
    log(`  ${this.done} / ${this.total} accounts, ${rate.toFixed(0)}/s, ~${((this.total - this.done) / rate).toFixed(0)} s to go`);
  }
}

/** Two decimals, as the rest of bench-results.json (figures.ts's helper: importing it here would close a cycle through report.ts). */
function hundredths(n: number): number {
  return Number(n.toFixed(2));
}
