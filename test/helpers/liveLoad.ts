import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Wallet } from 'ethers';
import type { JsonRpcClient } from '../../src/chains/evm/rpc.js';
import { formatAddress } from '../../src/keys/address.js';
import type { Hex } from '../../src/state/hex.js';
import { EWOQ_KEY } from '../../src/dev/localKeys.js';
import { sendAvax } from '../../src/chains/platform/transfer.js';
import { cHead } from './cChain.js';

/**
 * A counter contract: every call adds one to slot 0. Init code returns the 10-byte runtime
 * `PUSH1 0 SLOAD PUSH1 1 ADD PUSH1 0 SSTORE STOP`.
 */
const COUNTER_INIT = '0x6960005460010160005500600052600a6016f3';

/** One X-Chain send the generator made: to whom, and when the old network accepted it (ms), if it did. */
export interface XSend {
  to: Uint8Array;
  /** When it was issued, and when the node said it was accepted (ms). */
  issuedAt: number;
  acceptedAt?: number;
}

/**
 * Traffic on a live old network, from before its epoch until it refuses: C-Chain transfers to
 * fresh addresses and counter increments from a wallet of its own, and X-Chain sends from ewoq to
 * fresh addresses. It keeps what it touched so a test can read each address on both networks.
 */
export class LiveLoad {
  readonly wallet = Wallet.createRandom();
  readonly cRecipients: string[] = [];
  readonly xSends: XSend[] = [];
  readonly cTxs: Hex[] = [];
  counter?: string;
  private stopped = false;
  private loops: Promise<void>[] = [];
  private nonce: number | undefined;

  constructor(
    private readonly rpc: JsonRpcClient,
    private readonly apiUri: string,
    private readonly chainId: bigint,
  ) {}

  /** Deploys the counter (the wallet was funded by the caller), then sends until stop(). */
  async start(): Promise<void> {
    const deploy = await this.sign({ data: COUNTER_INIT, gasLimit: 200_000n });
    const receipt = await this.receipt(await this.rpc.call<Hex>('eth_sendRawTransaction', [deploy]), 60_000);
    if (!receipt?.contractAddress) throw new Error('the counter contract was not deployed');
    this.counter = receipt.contractAddress;
    this.loops = [this.loop(1_500, () => this.sendC()), this.loop(3_000, () => this.sendX())];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  /** Resolves once an X-Chain send issued after `since` (ms) has been accepted: the network took one more. */
  async untilXAcceptedAfter(since: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.xSends.some((s) => s.issuedAt > since && s.acceptedAt !== undefined)) {
      if (Date.now() > deadline) throw new Error(`no X-Chain send issued after ${new Date(since).toISOString()} was accepted within ${timeoutMs} ms`);
      await sleep(250);
    }
  }

  private async loop(everyMs: number, send: () => Promise<void>): Promise<void> {
    while (!this.stopped) {
      // A halted network refuses or never answers: that is the point, not a test failure.
      await send().catch(() => undefined);
      await sleep(everyMs);
    }
  }

  private async sendC(): Promise<void> {
    const to = Wallet.createRandom().address;
    this.cRecipients.push(to);
    const transfer = await this.sign({ to, value: 1_000_000_000n + BigInt(this.cRecipients.length), gasLimit: 21_000n });
    const increment = await this.sign({ to: this.counter!, gasLimit: 50_000n });
    try {
      for (const raw of [transfer, increment]) this.cTxs.push(await this.rpc.call<Hex>('eth_sendRawTransaction', [raw]));
    } catch (err) {
      // A refused transaction leaves its nonce unused: ask the node again rather than queue behind a gap.
      this.nonce = undefined;
      throw err;
    }
  }

  private async sendX(): Promise<void> {
    const send: XSend = { to: randomBytes(20), issuedAt: Date.now() };
    this.xSends.push(send);
    const issued = sendAvax(this.apiUri, 'X', EWOQ_KEY, [{ to: formatAddress('X', 'local', send.to), amount: 1_000n + BigInt(this.xSends.length) }]);
    await Promise.race([issued, sleep(20_000).then(() => Promise.reject(new Error('X send not accepted in 20 s')))]);
    send.acceptedAt = Date.now();
  }

  private async sign(tx: { to?: string; data?: string; value?: bigint; gasLimit: bigint }): Promise<string> {
    const head = await cHead(this.rpc);
    const tip = 2_000_000_000n;
    this.nonce ??= Number(BigInt(await this.rpc.call<Hex>('eth_getTransactionCount', [this.wallet.address, 'pending'])));
    return this.wallet.signTransaction({
      type: 2,
      chainId: this.chainId,
      nonce: this.nonce++,
      to: tx.to ?? null,
      data: tx.data ?? '0x',
      value: tx.value ?? 0n,
      gasLimit: tx.gasLimit,
      maxFeePerGas: 3n * BigInt(head.baseFeePerGas ?? '0x0') + tip,
      maxPriorityFeePerGas: tip,
    });
  }

  private async receipt(hash: Hex, timeoutMs: number): Promise<{ contractAddress?: string; blockNumber: Hex } | null> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.rpc.call<{ contractAddress?: string; blockNumber: Hex } | null>('eth_getTransactionReceipt', [hash]);
      if (r || Date.now() > until) return r;
      await sleep(250);
    }
  }
}
