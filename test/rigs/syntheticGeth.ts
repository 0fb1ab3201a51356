import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AtomicFile } from '../../src/artifacts/atomicFile.js';
import { generateAlloc } from '../../src/dev/syntheticAlloc.js';
import { buildEvmGenesis } from '../../src/genesis/buildEvmGenesis.js';
import { postMergeChainConfig } from '../../src/genesis/chainConfig.js';
import type { Hex } from '../../src/state/hex.js';
import type { StateStats } from '../../src/state/stats.js';
import { gethInit, startGethNode, type GethNode } from '../../src/nodes/geth.js';

export interface SyntheticGeth {
  node: GethNode;
  /** Block 0's state root: the state a regenesis at height 0 must reproduce. */
  stateRoot: Hex;
  stats: StateStats;
  stop(): Promise<void>;
}

/**
 * A geth node whose block 0 holds a generated state of `accounts` accounts (src/dev/syntheticAlloc.ts:
 * every tenth a contract with 10–100 slots), initialised with preimages so it can be exported. Tens of
 * thousands of accounts take seconds, where filling a dev chain by transactions takes minutes.
 */
export async function startSyntheticGeth(options: { dir: string; accounts: number; seed?: number; chainId?: number }): Promise<SyntheticGeth> {
  const alloc = await generateAlloc({ accounts: options.accounts, seed: options.seed ?? 1, partitions: 1 }, join(options.dir, 'alloc'));
  const genesisPath = join(options.dir, 'genesis.json');
  const genesis = await buildEvmGenesis(
    alloc.files.map((f) => f.path),
    // Block 0 is stamped now: a plan's genesis start time is checked against the freeze block's time.
    { config: postMergeChainConfig(options.chainId ?? 31_337), timestamp: Math.floor(Date.now() / 1000), gasLimit: 30_000_000 },
    await AtomicFile.create(genesisPath),
  );
  const dataDir = join(options.dir, 'datadir');
  await gethInit({ dataDir, genesisPath, logPath: join(options.dir, 'geth-init.log'), preimages: true });
  await rm(join(options.dir, 'alloc'), { recursive: true, force: true });
  const node = await startGethNode({ dataDir, logPath: join(options.dir, 'geth.log') });
  return { node, stateRoot: genesis.stateRoot, stats: genesis.stats, stop: () => node.stop() };
}
