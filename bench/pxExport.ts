import * as avalanchejs from '@avalabs/avalanchejs';
import { MockActivityEnvironment } from '@temporalio/testing';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { platformActivities } from '../activities/platform.js';
import { RUN_FILES } from '../src/artifacts/layout.js';
import { LocalArtifactStore } from '../src/artifacts/store.js';
import { JsonRpcClient } from '../src/chains/evm/rpc.js';
import { avaxSigner, issueAccepted } from '../src/chains/platform/transfer.js';
import { EWOQ_KEY } from '../src/dev/localKeys.js';
import type { DiscoveredAddresses, PChainExport, SupplyGap, XChainExport } from '../src/manifests.js';
import { startAvalancheLocal } from '../src/nodes/avalanchego.js';
import { judgeSupplyGap } from '../src/verify/supplyGap.js';
import { onCleanup, runPhaseChild, type Measured } from './procs.js';
import { log } from './progress.js';

/**
 * `--only pxexport`: the P/X export at mainnet scale. A local avalanchego v1.14.0 (one node,
 * `--index-enabled`, `--proposervm-min-block-delay=0`) is filled through the wallet API with
 * BaseTxs of many outputs each, every output to a fresh owner: `xOwners` on the X-Chain and
 * `pOwners` on the P-Chain. Then the run's own activities read it, each in a process of its own
 * (so its peak RSS is its own) with the production worker's node flags: owner discovery, the P-Chain export, the X-Chain export, as a plan
 * with `discoverAddresses` and the local genesis's allocation owners runs them; and the supply
 * check (`judgeSupplyGap`, maxSupplyGap 0) on their manifests. Requests are counted at the client
 * (every fetch the child makes), by method.
 */

export interface PxExportStep {
  step: 'discover' | 'P' | 'X';
  seconds: number;
  /** UTXOs written (P, X) or owners found (discover). */
  records: number;
  recordsPerSecond: number;
  /** Addresses the export asked the node about. */
  addresses?: number;
  requests: number;
  requestsByMethod: Record<string, number>;
  requestsPerRecord: number;
  /** RSS of the child once its modules were loaded, and its peak (VmHWM), MiB. */
  startRssMb: number;
  peakRssMb: number;
  cpuSeconds: number;
  load: [number, number];
}

export interface PxExportResults {
  xOwners: number;
  pOwners: number;
  outputsPerTx: { X: number; P: number };
  fill: { seconds: number; xTxs: number; pTxs: number };
  pChainHeight: number;
  steps: PxExportStep[];
  /** Every read stayed pinned: the P-Chain head before and after each export was the pinned height. */
  pinned: boolean;
  /** Every filled owner's UTXO was exported: at least `xOwners` X and `pOwners` P UTXOs. */
  allFilledExported: boolean;
  /** Node flags of each step's process: the production worker's (--worker-node-flags). */
  nodeFlags: string;
  supplyCheck: { ok: boolean; gap: string; detail: string };
}

const { avm, pvm, TransferableOutput } = avalanchejs as any;

/** The local genesis's allocation owners: P-Chain genesis UTXOs no transaction names (the plan lists them). */
function localGenesisOwners(): string[] {
  const url = new URL('../test/fixtures/vectors/avalanchego-v1.14.0/genesis_local.json', import.meta.url);
  const genesis = JSON.parse(readFileSync(url, 'utf8')) as { allocations: Array<{ avaxAddr: string }> };
  return genesis.allocations.map((a) => a.avaxAddr.slice(2));
}

/**
 * Pays `owners` fresh owners on `chain` from the ewoq key, `perTx` outputs a transaction, each
 * transaction accepted before the next is built (it spends the previous one's change).
 */
async function fillOwners(uri: string, chain: 'X' | 'P', owners: number, perTx: number): Promise<number> {
  if (owners === 0) return 0;
  const { context, key, from, address, x, p } = await avaxSigner(uri, EWOQ_KEY);
  const api = chain === 'P' ? p : x;
  const pRpc = new JsonRpcClient(`${uri}/ext/bc/P`);
  const { maxCapacity, maxPerSecond } = await pRpc.call<{ maxCapacity: number; maxPerSecond: number }>('platform.getFeeConfig', [{}]);
  /**
   * The node's fee state is as of its last block, and its gas capacity refills with time: what the
   * node will allow when the transaction arrives is the capacity refilled up to now (the price,
   * left as it was, can only be higher than the node's).
   */
  const refilledFeeState = async () => {
    const state = (await p.getFeeState()) as { capacity: bigint; timestamp: string };
    const elapsed = BigInt(Math.max(0, Math.floor((Date.now() - Date.parse(state.timestamp)) / 1000) - 1));
    const capacity = state.capacity + elapsed * BigInt(maxPerSecond);
    return { ...state, capacity: capacity < BigInt(maxCapacity) ? capacity : BigInt(maxCapacity) };
  };
  const started = Date.now();
  let txs = 0;
  for (let done = 0; done < owners; txs++) {
    const n = Math.min(perTx, owners - done);
    // Amounts differ per output, so a UTXO counted twice or dropped shows in the supply check.
    const outputs = Array.from({ length: n }, (_, i) => TransferableOutput.fromNative(context.avaxAssetID, 1_000_000n + BigInt(done + i), [randomBytes(20)]));
    const { utxos } = await api.getUTXOs({ addresses: [address[chain]] });
    let tx: unknown;
    for (;;) {
      try {
        tx =
          chain === 'P'
            ? pvm.newBaseTx({ fromAddressesBytes: [from], outputs, utxos, feeState: await refilledFeeState() }, context)
            : avm.newBaseTx(context, [from], utxos, outputs);
        break;
      } catch (err) {
        // The P-Chain's gas capacity refills over time (~1,100 gas an output): wait for it.
        if (!/exceeds capacity/.test((err as Error).message)) throw err;
        await sleep(500);
      }
    }
    await issueAccepted(api, tx as Parameters<typeof issueAccepted>[1], key, 20);
    done += n;
    if (txs % 20 === 19 || done === owners) log(`  ${chain}: ${done} owners, ${(done / ((Date.now() - started) / 1000)).toFixed(0)}/s`);
  }
  return txs;
}

export interface PxExportTask {
  phase: 'pxexport';
  step: PxExportStep['step'];
  artifacts: string;
  runKey: string;
  rpcUrl: string;
  pChainHeight: number;
  addresses: string[];
}

/** Counts every request this process sends, by JSON-RPC method (or URL path for anything else). */
function countRequests(): Record<string, number> {
  const counts: Record<string, number> = {};
  const original = globalThis.fetch;
  globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    let name = typeof input === 'string' ? new URL(input).pathname : input instanceof URL ? input.pathname : input.url;
    if (typeof init?.body === 'string') {
      const m = /"method":"([^"]+)"/.exec(init.body);
      if (m) name = m[1]!;
    }
    counts[name] = (counts[name] ?? 0) + 1;
    return original(input, init);
  }) as typeof fetch;
  return counts;
}

/** One step in its own process (bench/child.ts): the activity as a worker would run it. */
export async function runPxExport(task: PxExportTask): Promise<{ manifest: unknown; step: Omit<PxExportStep, 'peakRssMb' | 'cpuSeconds' | 'load'> }> {
  const activities = platformActivities(new LocalArtifactStore(task.artifacts));
  const env = new MockActivityEnvironment();
  const pinned = { runKey: task.runKey, rpcUrl: task.rpcUrl, pChainHeight: task.pChainHeight, dialect: 'avalanchego' as const };
  const discovered = { discoveredPath: RUN_FILES.discoveredAddresses };
  const counts = countRequests();
  const startRssMb = process.memoryUsage().rss / 2 ** 20;
  const started = performance.now();
  let manifest: DiscoveredAddresses | PChainExport | XChainExport;
  let records: number;
  switch (task.step) {
    case 'discover': {
      const m = (await env.run(activities.discoverAddresses, { ...pinned, withX: true })) as DiscoveredAddresses;
      if (m.path !== discovered.discoveredPath) throw new Error(`discovery wrote ${m.path}, the bench reads ${discovered.discoveredPath}`);
      manifest = m;
      records = m.count;
      break;
    }
    case 'P': {
      const m = (await env.run(activities.exportPChain, {
        ...pinned,
        addresses: task.addresses.map((a) => `P-${a}`),
        ...discovered,
        stakeOwners: true,
      })) as PChainExport;
      manifest = m;
      records = m.utxos.count;
      break;
    }
    case 'X': {
      const m = (await env.run(activities.exportXChain, { ...pinned, addresses: task.addresses.map((a) => `X-${a}`), ...discovered })) as XChainExport;
      manifest = m;
      records = m.utxos.count;
      break;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const requests = Object.values(counts).reduce((a, b) => a + b, 0);
  const addresses = task.step === 'discover' ? undefined : task.addresses.length + (await discoveredCount(task));
  return {
    manifest,
    step: {
      step: task.step,
      seconds,
      records,
      recordsPerSecond: Math.round(records / seconds),
      ...(addresses !== undefined ? { addresses } : {}),
      requests,
      requestsByMethod: counts,
      requestsPerRecord: requests / Math.max(1, records),
      startRssMb: Math.round(startRssMb),
    },
  };
}

async function discoveredCount(task: PxExportTask): Promise<number> {
  const text = readFileSync(join(task.artifacts, task.runKey, RUN_FILES.discoveredAddresses), 'utf8');
  return text.split('\n').filter(Boolean).length;
}

export async function benchPxExport(
  opts: { xOwners: number; pOwners: number; xPerTx: number; pPerTx: number; nodeFlags: readonly string[] },
  work: string,
): Promise<PxExportResults> {
  log(`pxexport: local avalanchego with --index-enabled, filling ${opts.xOwners} X and ${opts.pOwners} P owners`);
  const dir = join(work, 'pxexport');
  const node = await startAvalancheLocal({ dataDir: join(dir, 'node'), indexEnabled: true, extraArgs: ['--proposervm-min-block-delay=0'] });
  const forget = onCleanup(() => node.stop());
  try {
    const t0 = Date.now();
    const xTxs = await fillOwners(node.uri, 'X', opts.xOwners, opts.xPerTx);
    const pTxs = await fillOwners(node.uri, 'P', opts.pOwners, opts.pPerTx);
    const fillSeconds = (Date.now() - t0) / 1000;
    const pRpc = new JsonRpcClient(node.chainUrl('P'));
    const pChainHeight = Number((await pRpc.call<{ height: string }>('platform.getHeight', [{}])).height);
    const cHeight = Number(BigInt(await new JsonRpcClient(node.cChainRpcUrl).call<string>('eth_blockNumber', [])));
    // The supply check needs the C-Chain's balances; nothing here touches the C-Chain, so they are its genesis alloc.
    if (cHeight !== 0) throw new Error(`the C-Chain moved (block ${cHeight}): its balances are no longer its genesis alloc`);

    const base = {
      phase: 'pxexport' as const,
      artifacts: join(dir, 'artifacts'),
      runKey: 'pxexport',
      rpcUrl: node.cChainRpcUrl,
      pChainHeight,
      addresses: localGenesisOwners(),
    };
    const steps: PxExportStep[] = [];
    const manifests: Record<string, unknown> = {};
    for (const step of ['discover', 'P', 'X'] as const) {
      const { result, measured } = await runPhaseChild<Awaited<ReturnType<typeof runPxExport>>>({ ...base, step }, { dir, nodeFlags: opts.nodeFlags });
      manifests[step] = result.manifest;
      steps.push(withMeasured(result.step, measured));
      const s = steps.at(-1)!;
      log(
        `  ${step}: ${s.records} ${step === 'discover' ? 'owners' : 'UTXOs'} in ${s.seconds.toFixed(1)} s (${s.recordsPerSecond}/s), ` +
          `${s.requests} requests, peak RSS ${s.peakRssMb} MB`,
      );
    }
    const pChain = manifests.P as PChainExport;
    const xChain = manifests.X as XChainExport;
    const pinned = [pChain, xChain].every((m) => m.headBefore === pChainHeight && m.headAfter === pChainHeight && m.pChainHeight === pChainHeight);
    const { gap } = judgeSupplyGap({
      assetID: pChain.stakingAssetID,
      pChain,
      xChain,
      cExportedWei: BigInt(pChain.cChainGenesisAlloc ?? '0'),
      discovered: manifests.discover as DiscoveredAddresses,
      maxGap: '0',
    });
    log(`  supply check: ${gap.ok ? 'passed' : 'FAILED'} (gap ${gap.gap ?? '?'})`);
    return {
      xOwners: opts.xOwners,
      pOwners: opts.pOwners,
      outputsPerTx: { X: opts.xPerTx, P: opts.pPerTx },
      fill: { seconds: fillSeconds, xTxs, pTxs },
      pChainHeight,
      steps,
      pinned,
      allFilledExported: xChain.utxos.count >= opts.xOwners && pChain.utxos.count >= opts.pOwners,
      nodeFlags: opts.nodeFlags.join(' '),
      supplyCheck: supplyOf(gap),
    };
  } finally {
    forget();
    await node.stop();
  }
}

function supplyOf(gap: SupplyGap): PxExportResults['supplyCheck'] {
  return { ok: gap.ok === true, gap: gap.gap ?? '', detail: gap.detail };
}

function withMeasured(step: Omit<PxExportStep, 'peakRssMb' | 'cpuSeconds' | 'load'>, measured: Measured): PxExportStep {
  return { ...step, peakRssMb: Math.round(measured.peakRssMb), cpuSeconds: Math.round(measured.cpuSeconds * 10) / 10, load: measured.load };
}
