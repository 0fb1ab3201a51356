import { JsonRpcClient } from '../evm/rpc.js';
import { ExchangeChain } from '../exchange/xchain.js';
import { PlatformChain } from '../platform/pchain.js';
import type { Hex } from '../../state/hex.js';
import type { AvaxEndpoints } from './api.js';

/** A C-Chain block as the halt proof compares it: where the chain stopped, and the state it stopped in. */
export interface CHead {
  height: number;
  /** 0x hex, lower case. */
  hash: Hex;
  stateRoot: Hex;
  timestamp: number;
}

/** The last accepted block of every chain one node serves (X only where the node has an X-Chain). */
export interface ChainHeads {
  c: CHead;
  p: number;
  x?: number;
}

/** The node's last accepted C-Chain block (coreth resolves `latest` to its last accepted block). */
export async function lastAcceptedCHead(rpcUrl: string, timeoutMs = 10_000): Promise<CHead> {
  return parseCHead(await new JsonRpcClient(rpcUrl, { timeoutMs }).call<unknown>('eth_getBlockByNumber', ['latest', false]), rpcUrl);
}

/** A C-Chain block header's head fields; `number` 0x-quantities are read exactly. */
export function parseCHead(block: unknown, where: string): CHead {
  const b = (block ?? {}) as Record<string, unknown>;
  const quantity = (name: string): number => {
    const v = b[name];
    const n = typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v) ? Number(BigInt(v)) : NaN;
    if (!Number.isSafeInteger(n)) throw new Error(`C-Chain block from ${where}: ${name} ${String(v)} is not a block quantity`);
    return n;
  };
  const word = (name: string): Hex => {
    const v = b[name];
    if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(v)) throw new Error(`C-Chain block from ${where}: ${name} ${String(v)} is not a 32-byte hash`);
    return v.toLowerCase() as Hex;
  };
  return { height: quantity('number'), hash: word('hash'), stateRoot: word('stateRoot'), timestamp: quantity('timestamp') };
}

/** Every chain's last accepted height on one node, read side by side. */
export async function readChainHeads(endpoints: AvaxEndpoints, options: { withX: boolean; timeoutMs?: number }): Promise<ChainHeads> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const [c, p, x] = await Promise.all([
    lastAcceptedCHead(endpoints.chain('C', 'rpc'), timeoutMs),
    new PlatformChain(endpoints, { timeoutMs }).height(),
    options.withX ? new ExchangeChain(endpoints, { timeoutMs }).height() : undefined,
  ]);
  return { c, p, ...(x === undefined ? {} : { x }) };
}
