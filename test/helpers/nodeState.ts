import { JsonRpcClient } from '../../src/chains/evm/rpc.js';
import type { Hex } from '../../src/state/hex.js';

const EMPTY_CODE_HASH = '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470';

/** What the node itself says its state is at a height: what a run's genesis must reproduce. */
export interface NodeState {
  stateRoot: Hex;
  accounts: number;
  contracts: number;
  storageSlots: number;
  /** Decimal wei. */
  totalBalance: string;
}

interface DumpAccount {
  balance: string;
  codeHash: string;
  storage?: Record<string, string>;
}

/**
 * Reads the expected state from the running geth node: the root from the block header and the
 * totals from a plain walk of `debug_accountRange` here, so a test's expectation owes nothing to the
 * project's genesis builder or its export code (both of which it checks).
 */
export async function nodeStateAt(rpcUrl: string, height: number): Promise<NodeState> {
  const rpc = new JsonRpcClient(rpcUrl);
  const tag = `0x${height.toString(16)}`;
  const block = await rpc.call<{ stateRoot: Hex } | null>('eth_getBlockByNumber', [tag, false]);
  if (!block) throw new Error(`${rpcUrl} has no block ${height}`);
  const state: NodeState = { stateRoot: block.stateRoot, accounts: 0, contracts: 0, storageSlots: 0, totalBalance: '0' };
  let balance = 0n;
  let start = `0x${'00'.repeat(32)}`;
  for (;;) {
    // (block, start, max results, no code, no storage, incompletes)
    const page = await rpc.call<{ accounts: Record<string, DumpAccount>; next?: string }>('debug_accountRange', [tag, start, 256, true, false, true]);
    for (const account of Object.values(page.accounts)) {
      state.accounts += 1;
      if (account.codeHash !== EMPTY_CODE_HASH) state.contracts += 1;
      state.storageSlots += Object.keys(account.storage ?? {}).length;
      balance += BigInt(account.balance);
    }
    if (!page.next) break;
    start = `0x${Buffer.from(page.next, 'base64').toString('hex')}`; // a Go []byte: base64
  }
  state.totalBalance = balance.toString();
  return state;
}
