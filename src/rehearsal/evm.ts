import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crashPoint } from '../crashPoint.js';
import { gethInit, startGethNode, type GethNode } from '../nodes/geth.js';
import { recordPid } from '../nodes/pidFile.js';
import type { AccountRecord } from '../state/account.js';
import type { Hex } from '../state/hex.js';
import { JsonRpcClient } from '../chains/evm/rpc.js';
import { block0StateRoot, expectedVersusServed, readBackAccounts } from '../verify/nodeSamples.js';

/**
 * Boots a generated geth genesis on a private, isolated geth and compares what it serves at block 0
 * with the export: the state root, and balance / nonce / code / storage of sampled accounts.
 *
 * Measured with geth 1.16.7 (`geth init --state.scheme hash` then a node on the datadir):
 * - Starting needs `terminalTotalDifficulty` in the config ("Geth only supports PoS networks");
 *   `{chainId, terminalTotalDifficulty: 0}` alone is the minimal config that inits and starts.
 * - `geth init` refuses out-of-order forks (every enabled fork needs all earlier mandatory ones:
 *   homestead, eip150, eip155, eip158, byzantium, constantinople, petersburg, istanbul, berlin,
 *   london; cancunTime needs shanghaiTime) and each of cancunTime / pragueTime / osakaTime needs
 *   its blobSchedule entry.
 * - If `geth init` fails, a node started on that datadir silently boots the mainnet genesis, so the
 *   init exit code is checked before starting, and the root comparison catches anything else.
 * - With no consensus client and no peers the post-merge node never advances, so block 0 is served
 *   as is.
 */

export interface RehearsalOptions {
  genesisPath: string;
  /** Scratch directory: datadir, logs and the pid file of the running node. */
  workDir: string;
  expectedRoot: Hex;
  /** Accounts to compare field by field at block 0 (every slot of their storage is compared). */
  samples: AccountRecord[];
  startTimeoutMs?: number;
}

export interface RehearsalResult {
  block0Root: Hex;
  rootMatches: boolean;
  sampled: number;
  mismatches: string[];
}

export async function rehearseGethGenesis(options: RehearsalOptions): Promise<RehearsalResult> {
  const dataDir = join(options.workDir, 'datadir');
  const pidPath = join(options.workDir, 'geth.pid');
  await mkdir(options.workDir, { recursive: true });
  await gethInit({ dataDir, genesisPath: options.genesisPath, logPath: join(options.workDir, 'geth-init.log') });
  await crashPoint('rehearse-datadir-initialised');

  let node: GethNode | undefined;
  try {
    node = await startGethNode({
      dataDir,
      logPath: join(options.workDir, 'geth.log'),
      startTimeoutMs: options.startTimeoutMs,
      // Recorded before the node answers, so a compensation can find a node that hangs while starting.
      onSpawn: (pid) => recordPid(pidPath, pid),
    });
    const rpc = new JsonRpcClient(node.rpcUrl, { timeoutMs: 60_000 });
    const block0Root = await block0StateRoot(rpc);
    await crashPoint('rehearse-node-started');

    const differences = await readBackAccounts(rpc, '0x0', options.samples, { batchSize: 100 });
    return {
      block0Root,
      rootMatches: block0Root === options.expectedRoot.toLowerCase(),
      sampled: options.samples.length,
      mismatches: differences.map(expectedVersusServed),
    };
  } finally {
    if (node) await node.stop();
    await rm(pidPath, { force: true });
  }
}
