import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonRpcClient } from '../../src/chains/evm/rpc.js';
import { fillChain, type FillOptions } from '../../src/dev/fill.js';
import { LocalGethDevnet } from '../../src/operator/localDevnet.js';
import type { Hex } from '../../src/state/hex.js';
import { startTemporal } from './temporal.js';

/**
 * What the launch-path tests share: a temp directory, a `local` geth devnet named `network` (the
 * old network the run halts and the new one it launches) filled with some state, and a Temporal
 * dev server. `teardown` stops both and removes the directory.
 */
export interface DevnetFixture {
  work: string;
  devnetRoot: string;
  devnet: LocalGethDevnet;
  rpcUrl: string;
  env: TestWorkflowEnvironment;
  /** The old network's head once filled. */
  height: number;
  teardown(): Promise<void>;
}

export async function startDevnetFixture(options: { prefix: string; network: string; fill: FillOptions }): Promise<DevnetFixture> {
  const work = mkdtempSync(join(tmpdir(), `regenesis-${options.prefix}-`));
  const devnetRoot = join(work, 'devnets');
  const created = await LocalGethDevnet.create(devnetRoot, options.network);
  const [env] = await Promise.all([startTemporal(), fillChain(created.rpcUrl, options.fill)]);
  const height = Number(BigInt(await new JsonRpcClient(created.rpcUrl).call<Hex>('eth_blockNumber')));
  return {
    work,
    devnetRoot,
    devnet: created.devnet,
    rpcUrl: created.rpcUrl,
    env,
    height,
    teardown: async () => {
      await created.devnet.stopAll();
      await env.teardown();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
