import { setTimeout as sleep } from 'node:timers/promises';
import { cChainNodeEndpoints } from '../src/chains/avax/api.js';
import { readChainHeads, type ChainHeads } from '../src/chains/avax/heads.js';
import { JsonRpcClient } from '../src/chains/evm/rpc.js';
import { PlatformChain } from '../src/chains/platform/pchain.js';
import { failure } from '../src/contract/failures.js';
import { BlockTimestampEpochSource, evmBlockReader } from '../src/epoch/blockTimestampSource.js';
import { ProposerVmEpochSource } from '../src/epoch/proposervmSource.js';
import type { EpochSource, EpochStatus } from '../src/epoch/source.js';
import type { FreezePoint } from '../src/manifests.js';
import type { DialectName } from '../src/network/dialect.js';
import type { Plan } from '../src/plan/index.js';
import type { Hex } from '../src/state/hex.js';
import { asFailure } from './failures.js';

/*
 * Reads of the old chain's heads, epochs and validators (the `chainRead` stub): short, repeated by
 * the durable waits around them, and none writes anything.
 */

interface RpcBlock {
  number: Hex;
  hash: Hex;
  stateRoot: Hex;
  timestamp: Hex;
}

/** Where the chain stands against the target epoch; `current` resolves to the epoch in progress now. */
export async function epochStatus(input: { rpcUrl: string; epoch: Plan['epoch']; target: number | 'current' }): Promise<EpochStatus & { target: number }> {
  const source = epochSource(input.rpcUrl, input.epoch);
  if (input.target === 'current') {
    // Any epoch the source knows serves to learn the current one: the first it numbers.
    const now = await source.status(source instanceof ProposerVmEpochSource ? source.anchor.number : 0);
    const target = now.current.number;
    return { ...(await source.status(target)), target };
  }
  return { ...(await source.status(input.target)), target: input.target };
}

/** The plan's epoch source: the node's proposervm when it has one to ask, else block timestamps. */
function epochSource(rpcUrl: string, epoch: Plan['epoch']): EpochSource {
  if (epoch.source === 'proposervm') {
    const endpoints = cChainNodeEndpoints(rpcUrl);
    if (!endpoints) throw failure('InvalidPlan', `plan.epoch.source: ${rpcUrl} is not a C-Chain endpoint of an avalanchego/luxd node`);
    return new ProposerVmEpochSource({
      endpoints,
      chain: 'C',
      reader: evmBlockReader(rpcUrl),
      durationSeconds: epoch.durationSeconds,
    });
  }
  return new BlockTimestampEpochSource(evmBlockReader(rpcUrl), { durationSeconds: epoch.durationSeconds, anchorHeight: epoch.anchorHeight });
}

/** The freeze block's header, after checking the node still holds the state at that height. */
export async function freezeBlock(input: { rpcUrl: string; height: number }): Promise<FreezePoint> {
  const rpc = new JsonRpcClient(input.rpcUrl);
  try {
    const block = await rpc.call<RpcBlock | null>('eth_getBlockByNumber', [`0x${input.height.toString(16)}`, false]);
    if (!block) {
      throw failure('InvalidPlan', `plan.target.height: block ${input.height} does not exist yet`);
    }
    await rpc.call('eth_getBalance', [`0x${'00'.repeat(20)}`, block.number]);
    return {
      height: input.height,
      hash: block.hash,
      stateRoot: block.stateRoot,
      timestamp: Number(BigInt(block.timestamp)),
    };
  } catch (err) {
    throw asFailure(err, `freeze block ${input.height}`);
  }
}

/**
 * The P-Chain height of a network whose validators were just halted (an emergency run), read from
 * the API node behind the C-Chain URL: the P-Chain cannot move any more, so the P/X exports are
 * pinned to it instead of to an epoch.
 */
export async function haltedPChainHeight(input: { rpcUrl: string; dialect?: DialectName }): Promise<{ pChainHeight: number }> {
  const endpoints = cChainNodeEndpoints(input.rpcUrl, input.dialect);
  if (!endpoints) throw failure('InvalidPlan', `plan.chains.C.rpcUrl: ${input.rpcUrl} is not an avalanchego/luxd C-Chain endpoint`);
  try {
    return { pChainHeight: await new PlatformChain(endpoints).height() };
  } catch (err) {
    throw asFailure(err, 'P-Chain height after the halt');
  }
}

/**
 * Where the halted network stopped, as the API node serves it: every chain's last accepted block,
 * read twice `settleSeconds` apart. The workflow judges the two reads and the validators' own
 * last reads together (src/launch/haltProof.ts); this only reads.
 */
export async function finalHeads(input: {
  rpcUrl: string;
  dialect?: DialectName;
  withX: boolean;
  settleSeconds: number;
}): Promise<{ first: ChainHeads; second: ChainHeads }> {
  const endpoints = cChainNodeEndpoints(input.rpcUrl, input.dialect);
  if (!endpoints) throw failure('InvalidPlan', `plan.chains.C.rpcUrl: ${input.rpcUrl} is not an avalanchego/luxd C-Chain endpoint`);
  try {
    const first = await readChainHeads(endpoints, { withX: input.withX });
    await sleep(input.settleSeconds * 1000);
    return { first, second: await readChainHeads(endpoints, { withX: input.withX }) };
  } catch (err) {
    throw asFailure(err, 'last accepted blocks after the halt');
  }
}

/**
 * The old network's validators (primary network), as NodeIDs: the current set, or the set at
 * `pChainHeight` once the network is halted there. Every one of them must be halted through its
 * agent, or the old chain could go on without the new network carrying it.
 */
export async function oldValidators(input: { rpcUrl: string; dialect?: DialectName; pChainHeight?: number }): Promise<{ nodeIds: string[] }> {
  const endpoints = cChainNodeEndpoints(input.rpcUrl, input.dialect);
  if (!endpoints) throw failure('InvalidPlan', `plan.chains.C.rpcUrl: ${input.rpcUrl} is not an avalanchego/luxd C-Chain endpoint`);
  const chain = new PlatformChain(endpoints);
  try {
    const nodeIds =
      input.pChainHeight === undefined
        ? (await chain.currentValidators()).map((v) => String(v.nodeID))
        : [...(await chain.validatorsAt(input.pChainHeight)).keys()];
    return { nodeIds: nodeIds.sort() };
  } catch (err) {
    throw asFailure(err, "the old network's validator set");
  }
}
