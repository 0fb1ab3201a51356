import { readFileSync, statSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { JsonRpcClient } from '../src/chains/evm/rpc.js';
import { startAvalancheLocal } from '../src/nodes/avalanchego.js';
import { AtomicFile } from '../src/artifacts/atomicFile.js';
import { generateAlloc } from '../src/dev/syntheticAlloc.js';
import { buildEvmGenesis } from '../src/genesis/buildEvmGenesis.js';
import { postMergeChainConfig } from '../src/genesis/chainConfig.js';
import { type AllocEntry, writePrefilledGenesis } from '../test/rigs/prefilledGenesis.js';
import type { NodeStartState } from './options.js';
import { limitNodeMemory, onCleanup, procCpuSeconds, procPeakRssMb } from './procs.js';
import { log } from './progress.js';

/**
 * `--only nodestart`: what one new validator's host pays before the new network can make its first
 * block, measured on the node alone: avalanchego v1.14.0 started on a genesis whose C-Chain holds
 * N accounts, from spawn to P, X and C bootstrapped (the node builds and commits the whole genesis
 * state first), with the process's peak RSS as the kernel recorded it (VmHWM). In a real migration
 * each validator does this on its own host, at the same time as the others: this is the floor of
 * the stage-2 downtime's "new nodes healthy" part, whatever the coordinator does.
 */

export interface NodeStartResult {
  accounts: number;
  state: NodeStartState;
  genesisMegabytes: number;
  /** Spawn → P, X and C bootstrapped. */
  seconds: number;
  /** The node's peak resident memory (VmHWM), MB. */
  peakRssMb: number;
  /** CPU seconds the node used up to then (every core). */
  cpuSeconds: number;
  /** The C-Chain's account count check: the balance of the last prefilled account, read from the node. */
  lastAccountServed: boolean;
  /** GOMEMLIMIT the node ran with (`--node-memory-limit`), when one was set. */
  nodeMemoryLimit?: string;
}

/**
 * One size: a genesis written under `root` (plain funded accounts, or with `contracts` the bench's
 * generated state: every tenth account a contract with 10–100 slots), one node started on it
 * alone, then stopped and removed.
 */
export async function benchNodeStart(accounts: number, root: string, state: NodeStartState, nodeMemoryLimit?: string): Promise<NodeStartResult> {
  const dir = join(root, `nodestart-${state}-${accounts}`);
  await mkdir(dir, { recursive: true });
  const genesisFile = join(dir, 'genesis.json');
  const last = writePrefilledGenesis(genesisFile, accounts, state === 'contracts' ? await generatedAlloc(accounts, dir) : undefined);
  const genesisMegabytes = Math.round(statSync(genesisFile).size / 1e5) / 10;
  log(`nodestart: one avalanchego on a genesis of ${accounts} C-Chain accounts, ${state} (${genesisMegabytes} MB)`);
  const restoreLimit = limitNodeMemory(nodeMemoryLimit);
  let stop: (() => Promise<void>) | undefined;
  const forget = onCleanup(() => stop?.());
  try {
    const node = await startAvalancheLocal({
      dataDir: join(dir, 'node'),
      genesisFile,
      startTimeoutMs: 1_800_000,
    });
    stop = () => node.stop();
    const peakRssMb = Math.round(procPeakRssMb(node.pid));
    const cpuSeconds = Math.round(procCpuSeconds(node.pid));
    const lastAccountServed = await serves(node.cChainRpcUrl, last);
    const seconds = Math.round(node.startupMs / 100) / 10;
    log(`  bootstrapped in ${seconds} s (${cpuSeconds} CPU-s), peak RSS ${peakRssMb} MB`);
    return { accounts, state, genesisMegabytes, seconds, peakRssMb, cpuSeconds, lastAccountServed, ...(nodeMemoryLimit ? { nodeMemoryLimit } : {}) };
  } finally {
    forget();
    await stop?.();
    restoreLimit();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The bench's generated state of `accounts` accounts (src/dev/syntheticAlloc.ts) as a genesis allocation. */
async function generatedAlloc(accounts: number, dir: string): Promise<Record<string, AllocEntry>> {
  const generated = await generateAlloc({ accounts, seed: 1, partitions: 1 }, join(dir, 'alloc'));
  const evmGenesis = join(dir, 'evm-genesis.json');
  await buildEvmGenesis(
    generated.files.map((f) => f.path),
    { config: postMergeChainConfig(43_112), timestamp: 0, gasLimit: 30_000_000 },
    await AtomicFile.create(evmGenesis),
  );
  await rm(join(dir, 'alloc'), { recursive: true, force: true });
  const { alloc } = JSON.parse(readFileSync(evmGenesis, 'utf8')) as { alloc: Record<string, AllocEntry> };
  await rm(evmGenesis, { force: true });
  return alloc;
}

/** Whether the node serves `account` (the genesis's last) with its balance: the state was built whole. */
async function serves(rpcUrl: string, account: { address: string; balance: string }): Promise<boolean> {
  const served = await new JsonRpcClient(rpcUrl, { timeoutMs: 60_000 }).call<string>('eth_getBalance', [account.address, 'latest']);
  return BigInt(served) === BigInt(account.balance);
}
