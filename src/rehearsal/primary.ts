import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { JsonRpcClient } from '../chains/evm/rpc.js';
import { ExchangeChain } from '../chains/exchange/xchain.js';
import { startAvalancheLocal, type AvalancheNode } from '../nodes/avalanchego.js';
import { recordPid } from '../nodes/pidFile.js';
import { formatAddress, hrpForNetwork } from '../keys/address.js';
import type { NetworkReadBack, RehearsalNodeCost } from '../manifests.js';
import { processMemory } from '../nodes/procMemory.js';
import type { AccountRecord } from '../state/account.js';
import { hexToBytes, type Hex } from '../state/hex.js';
import { block0StateRoot, compareWithNode } from '../verify/nodeSamples.js';
import { balanceByOwner, type OwnerBalance } from '../chains/platform/balances.js';
import { avaxEndpoints } from '../chains/avax/api.js';
import { PlatformChain } from '../chains/platform/pchain.js';

/**
 * Boots a generated primary genesis on a fresh single avalanchego node (loopback, no peers) and
 * reads back what it serves against what was exported: the validator set (NodeID, BLS key, weight
 * as the node itself splits the stake), every exported owner's P- and X-Chain balance of the
 * primary asset, and the C-Chain's block-0 state root and sampled accounts.
 *
 * The node loads a copy of the genesis that differs in `startTime` only: avalanchego v1.14.0
 * refuses a genesis that starts in the future, so the copy starts now. (The plan never names a
 * standard network ID, on which avalanchego refuses any custom genesis.) Balances, stakers and the
 * embedded C-Chain genesis are the bytes of the real file.
 */

export const REHEARSAL_PID_FILE = 'avalanchego.pid';

export interface PrimaryRehearsalOptions {
  genesisPath: string;
  /** The genesis file's own networkID. */
  networkID: number;
  workDir: string;
  stakers: ReadonlyArray<{ nodeID: string; publicKey: string | null; weight: string }>;
  /** Every exported owner with what it held at the epoch (stake owners with their stake excluded). */
  balances: readonly OwnerBalance[];
  cChainRoot: Hex;
  samples: readonly AccountRecord[];
  /** Until the node serves P, X and C; default from the genesis size (rehearsalStartTimeoutMs). */
  startTimeoutMs?: number;
}

/**
 * How long a rehearsal node may take to start: 2 minutes, plus 5 s per MB of genesis. A node builds
 * the whole C-Chain genesis state before it answers: alone on an idle 2-core machine, 16 s for a
 * 18.5 MB genesis of 250k accounts and 102 s for 74 MB and a million (`npm run bench -- --only
 * nodestart`). The rehearsal node runs beside the old network's nodes, so it gets ~5× that; the
 * fixed 2 minutes used before left no margin at a million.
 */
export function rehearsalStartTimeoutMs(genesisBytes: number): number {
  return 120_000 + Math.ceil(genesisBytes / 1_000_000) * 5_000;
}

export interface PrimaryRehearsalResult extends NetworkReadBack {
  networkID: number;
  startTime: number;
  node: RehearsalNodeCost;
}

/**
 * Copies a genesis written by serializePrimaryGenesis with its top-level `"startTime"` replaced.
 * That line comes right after the allocations (nested keys are indented deeper, so they cannot
 * match); only the text since the last chunk, plus a line's worth before it, is searched.
 */
async function rehearsalCopy(source: string, target: string, startTime: number): Promise<void> {
  const startTimeLine = /\n\t"startTime": \d+,/;
  const input = createReadStream(source, { encoding: 'utf8', highWaterMark: 1 << 16 });
  await pipeline(
    input,
    async function* (chunks: AsyncIterable<string>) {
      let pending = '';
      let done = false;
      for await (const chunk of chunks) {
        if (done) {
          yield chunk;
          continue;
        }
        pending += chunk;
        const match = startTimeLine.exec(pending);
        if (match) {
          done = true;
          yield pending.replace(startTimeLine, `\n\t"startTime": ${startTime},`);
          continue;
        }
        // Keep a tail long enough to hold a line split across chunks; pass the rest on.
        const keep = 64;
        if (pending.length > keep) {
          yield pending.slice(0, pending.length - keep);
          pending = pending.slice(pending.length - keep);
        }
      }
      if (!done) throw new Error(`${source}: no top-level "startTime" line (not written by the coordinator?)`);
    },
    createWriteStream(target),
  );
}

export async function rehearsePrimaryGenesis(options: PrimaryRehearsalOptions): Promise<PrimaryRehearsalResult> {
  await mkdir(options.workDir, { recursive: true });
  const genesisCopy = join(options.workDir, 'genesis.json');
  const startTime = Math.floor(Date.now() / 1000) - 1;
  await rehearsalCopy(options.genesisPath, genesisCopy, startTime);

  let node: AvalancheNode | undefined;
  try {
    node = await startAvalancheLocal({
      dataDir: join(options.workDir, 'node'),
      genesisFile: genesisCopy,
      networkId: options.networkID,
      startTimeoutMs: options.startTimeoutMs ?? rehearsalStartTimeoutMs((await stat(genesisCopy)).size),
      // Recorded before the node answers, so a compensation can find a node that hangs while starting.
      onSpawn: (pid) => recordPid(join(options.workDir, REHEARSAL_PID_FILE), pid),
    });
    const served = await readBackPrimaryNetwork(node.uri, options);
    return { networkID: options.networkID, startTime, ...served, node: nodeCost(node) };
  } finally {
    if (node) await node.stop();
  }
}

/** What the node needed to start, read before it stops: its peak memory is gone with the process. */
function nodeCost(node: AvalancheNode): RehearsalNodeCost {
  const peak = processMemory(node.pid)?.peakResidentBytes;
  return { startSeconds: Math.round(node.startupMs / 100) / 10, ...(peak === undefined ? {} : { peakResidentBytes: peak }) };
}

export type ReadBackOptions = Pick<PrimaryRehearsalOptions, 'networkID' | 'stakers' | 'balances' | 'cChainRoot' | 'samples'>;

/**
 * Reads a primary network back against the exports: the validator set (NodeID, BLS key, weight as
 * the node splits the stake), every exported owner's P and X balance of the primary asset, the
 * C-Chain's block-0 root and sampled accounts. Serves the rehearsal and the post-launch check.
 */
export async function readBackPrimaryNetwork(uri: string, options: ReadBackOptions): Promise<NetworkReadBack> {
  const endpoints = avaxEndpoints(uri);
  const pchain = new PlatformChain(endpoints);
  const xchain = new ExchangeChain(endpoints);
  const mismatches: string[] = [];

  // Validators: the node's own split of the staked allocations must give each staker its weight.
  const served = new Map((await pchain.currentValidators()).map((v) => [String(v.nodeID), v]));
  for (const s of options.stakers) {
    const v = served.get(s.nodeID);
    if (!v) {
      mismatches.push(`validator ${s.nodeID}: not in the node's validator set`);
      continue;
    }
    if (String(v.weight) !== s.weight) mismatches.push(`validator ${s.nodeID}: weight ${String(v.weight)}, expected ${s.weight}`);
    const key = (v.signer?.publicKey as string | undefined)?.toLowerCase() ?? null;
    if (key !== (s.publicKey?.toLowerCase() ?? null)) mismatches.push(`validator ${s.nodeID}: BLS key ${key}, expected ${s.publicKey}`);
  }
  if (served.size !== options.stakers.length) mismatches.push(`the node serves ${served.size} validators, the genesis names ${options.stakers.length}`);

  // Balances of every exported owner, per chain, in the new network's primary asset.
  const assetID = await pchain.stakingAssetID();
  const hrp = hrpForNetwork(options.networkID, 'avalanchego');
  const address = (chain: 'P' | 'X', owner: string): string => formatAddress(chain, hrp, hexToBytes(owner));
  const owners = options.balances.map((b) => b.owner);
  const pServed = await balanceByOwner(pchain.utxos(owners.map((o) => address('P', o))), assetID);
  const xServed = await balanceByOwner(xchain.utxos(owners.map((o) => address('X', o))), assetID);
  for (const b of options.balances) {
    const p = pServed.get(b.owner) ?? 0n;
    const x = xServed.get(b.owner) ?? 0n;
    if (p !== b.pChain) mismatches.push(`${address('P', b.owner)}: P-Chain balance ${p}, exported ${b.pChain}`);
    if (x !== b.xChain) mismatches.push(`${address('X', b.owner)}: X-Chain balance ${x}, exported ${b.xChain}`);
  }

  // C-Chain: the embedded genesis is the exported state.
  const rpc = new JsonRpcClient(`${uri}/ext/bc/C/rpc`, { timeoutMs: 60_000 });
  const block0Root = await block0StateRoot(rpc);
  mismatches.push(...(await compareWithNode(rpc, '0x0', options.samples)));
  return {
    validators: served.size,
    owners: options.balances.length,
    block0Root,
    rootMatches: block0Root === options.cChainRoot.toLowerCase(),
    sampled: options.samples.length,
    mismatches,
  };
}
