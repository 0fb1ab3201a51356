import type { Wallet } from 'ethers';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import type { JsonRpcClient } from '../../src/chains/evm/rpc.js';
import type { Hex } from '../../src/state/hex.js';

/** C-Chain (coreth) helpers for tests: the head block, and a sender that waits for its transactions. */

export interface CBlock {
  number: Hex;
  timestamp: Hex;
  stateRoot: Hex;
  baseFeePerGas?: Hex;
}

export async function cHead(rpc: JsonRpcClient): Promise<CBlock> {
  return rpc.call<CBlock>('eth_getBlockByNumber', ['latest', false]);
}

/** Signs and sends transactions from `wallet` with explicit nonces; waits until all are mined. */
export class Sender {
  private nonce: bigint | undefined;
  constructor(
    private readonly rpc: JsonRpcClient,
    private readonly wallet: Wallet,
    private readonly chainId: bigint,
  ) {}

  async send(txs: Array<{ to?: string; data?: string; value?: bigint; gasLimit: bigint }>): Promise<Hex[]> {
    this.nonce ??= BigInt(await this.rpc.call<Hex>('eth_getTransactionCount', [this.wallet.address, 'pending']));
    const hashes: Hex[] = [];
    // coreth keeps 16 pending transactions per account; larger windows would queue and stall.
    for (let i = 0; i < txs.length; i += 16) {
      const head = await cHead(this.rpc);
      const tip = 2_000_000_000n;
      const maxFee = 2n * BigInt(head.baseFeePerGas ?? '0x0') + tip;
      for (const tx of txs.slice(i, i + 16)) {
        const signed = await this.wallet.signTransaction({
          type: 2,
          chainId: this.chainId,
          nonce: Number(this.nonce++),
          to: tx.to ?? null,
          data: tx.data ?? '0x',
          value: tx.value ?? 0n,
          gasLimit: tx.gasLimit,
          maxFeePerGas: maxFee,
          maxPriorityFeePerGas: tip,
        });
        hashes.push(await this.rpc.call<Hex>('eth_sendRawTransaction', [signed]));
      }
      await this.waitForNonce(this.nonce, 120_000);
    }
    for (const h of hashes) {
      const r = await this.rpc.call<{ status: Hex } | null>('eth_getTransactionReceipt', [h]);
      expect(r?.status, `receipt of ${h}`).toBe('0x1');
    }
    return hashes;
  }

  private async waitForNonce(nonce: bigint, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (BigInt(await this.rpc.call<Hex>('eth_getTransactionCount', [this.wallet.address, 'latest'])) < nonce) {
      if (Date.now() > deadline) throw new Error(`nonce ${nonce} not mined within ${timeoutMs} ms`);
      await sleep(200);
    }
  }
}
