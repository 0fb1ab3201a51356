import * as avalanchejs from '@avalabs/avalanchejs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { avaxEndpoints } from '../src/chains/avax/api.js';
import { WALK_CONCURRENCY } from '../src/chains/avax/blockWalk.js';
import { discoverOwners } from '../src/chains/avax/discovery.js';
import { discoverySources } from '../src/chains/avax/discoverySources.js';
import { ExchangeChain } from '../src/chains/exchange/xchain.js';
import { PlatformChain } from '../src/chains/platform/pchain.js';
import { avaxSigner, issueAccepted } from '../src/chains/platform/transfer.js';
import { EWOQ_KEY } from '../src/dev/localKeys.js';
import { startAvalancheLocal } from '../src/nodes/avalanchego.js';
import { FaultProxy } from '../test/rigs/faultProxy.js';
import { log } from './progress.js';

/**
 * `--only discovery`: owner discovery over ≥ `blocks` P/X blocks of a local avalanchego v1.14.0
 * started with `--index-enabled` and `--proposervm-min-block-delay=0` (so one transfer makes one
 * block without waiting a second), read once from the block index and once walked. Every block
 * pays a fresh owner; both reads must find the same owners and fees.
 */

export interface DiscoveryRead {
  /** Delay the proxy added to every request (0: straight to the node on loopback). */
  delayMs: number;
  /** `index`, `walk ×8` (the fallback), `walk ×1` (one request at a time, as discovery read before). */
  mode: string;
  seconds: number;
  blocksPerSecond: number;
  requestsPerBlock: number;
  owners: number;
}

export interface DiscoveryResults {
  pBlocks: number;
  xBlocks: number;
  fillSeconds: number;
  reads: DiscoveryRead[];
  sameOwnersAndFees: boolean;
}

const { avm, pvm, TransferableOutput } = avalanchejs as any;

/** One transfer a block, each to a fresh address, ~1 in 10 on the P-Chain, until `blocks` are made. */
async function fillBlocks(uri: string, blocks: number): Promise<void> {
  const { context, key, from, address, x, p } = await avaxSigner(uri, EWOQ_KEY);
  const started = Date.now();
  for (let i = 0; i < blocks; i++) {
    const onP = i % 10 === 9;
    const api = onP ? p : x;
    const { utxos } = await api.getUTXOs({ addresses: [onP ? address.P : address.X] });
    const outputs = [TransferableOutput.fromNative(context.avaxAssetID, 1_000_000n, [randomBytes(20)])];
    const tx = onP
      ? pvm.newBaseTx({ fromAddressesBytes: [from], outputs, utxos, feeState: await p.getFeeState() }, context)
      : avm.newBaseTx(context, [from], utxos, outputs);
    await issueAccepted(api, tx, key, 2);
    if ((i + 1) % 1000 === 0) log(`  ${i + 1} blocks, ${((i + 1) / ((Date.now() - started) / 1000)).toFixed(0)}/s`);
  }
}

/**
 * Reads through a proxy that delays every request by `delayMs` too (test/rigs/faultProxy.ts): a
 * node across a network, where requests in flight and requests saved count, not our CPU.
 */
export async function benchDiscovery(blocks: number, work: string, delayMs: number): Promise<DiscoveryResults> {
  log(`discovery: local avalanchego with --index-enabled, filling ${blocks} P/X blocks`);
  const node = await startAvalancheLocal({ dataDir: join(work, 'discovery-node'), indexEnabled: true, extraArgs: ['--proposervm-min-block-delay=0'] });
  try {
    const t0 = Date.now();
    await fillBlocks(node.uri, blocks);
    const fillSeconds = (Date.now() - t0) / 1000;
    const reads: DiscoveryRead[] = [];
    const found = [];
    const proxy = new FaultProxy(node.uri, { keepPath: true });
    await proxy.start();
    proxy.rule = () => ({ kind: 'delay', ms: delayMs });
    try {
      for (const delay of delayMs > 0 ? [0, delayMs] : [0]) {
        const endpoints = avaxEndpoints(delay === 0 ? node.uri : proxy.url);
        const pchain = new PlatformChain(endpoints);
        const xchain = new ExchangeChain(endpoints);
        const stakingAssetID = await pchain.stakingAssetID();
        const pChainHeight = await pchain.height();
        const chains = { pchain, xchain, stakingAssetID };
        const ways = [
          { mode: 'index', read: 'index', options: {} },
          { mode: `walk ×${WALK_CONCURRENCY}`, read: 'walk', options: { index: false } },
          { mode: 'walk ×1', read: 'walk', options: { index: false, walk: { concurrency: 1 } } },
        ] as const;
        for (const { mode, read: wanted, options } of ways) {
          const start = process.hrtime.bigint();
          const sources = await discoverySources(endpoints, chains, options);
          if (sources.read.P !== wanted || sources.read.X !== wanted) throw new Error(`discovery read ${JSON.stringify(sources.read)}, wanted ${wanted}`);
          const result = await discoverOwners({ ...chains, pChainHeight, pages: sources.pages });
          const seconds = Number(process.hrtime.bigint() - start) / 1e9;
          const read = result.pBlocks + result.xBlocks;
          reads.push({
            delayMs: delay,
            mode,
            seconds,
            blocksPerSecond: Math.round(read / seconds),
            requestsPerBlock: result.requests / read,
            owners: result.owners.size,
          });
          log(`  ${mode}${delay ? ` (+${delay} ms a request)` : ''}: ${read} blocks in ${seconds.toFixed(1)} s, ${result.requests} block requests`);
          found.push(result);
        }
      }
    } finally {
      await proxy.stop();
    }
    const [a] = found;
    const listed = (owners: Iterable<string>): string => [...owners].join();
    const sameOwnersAndFees = found.every((b) => listed(a!.owners) === listed(b.owners) && a!.burned.P === b.burned.P && a!.burned.X === b.burned.X);
    return { pBlocks: found[0]!.pBlocks, xBlocks: found[0]!.xBlocks, fillSeconds, reads, sameOwnersAndFees };
  } finally {
    await node.stop();
  }
}
