import { createReadStream } from 'node:fs';
import { sha256File } from '../artifacts/atomicFile.js';
import { RpcResponseError } from '../chains/evm/rpc.js';
import { GenesisAllocRoot } from '../genesis/allocRoot.js';
import { EmbeddedGenesisReader } from '../genesis/primary/embeddedReader.js';
import { allocatedTotals, parsePrimaryGenesis, type PrimaryGenesis } from '../genesis/primary/index.js';
import { ratificationMessage } from '../keys/ratificationMessage.js';
import type { DialectName } from '../network/dialectName.js';
import { stakeWeightSchema } from '../plan/stake.js';
import type { AgentConfig } from './config.js';
import type { CHead } from '../chains/avax/heads.js';
import { cBlockAt } from './lastAccepted.js';
import { stagedGenesisPath } from './newNode.js';
import { liveOldNodeUri, readOldNodeRecord, rereadHaltedHeads } from './oldNode.js';

/**
 * What a validator's agent checks before its BLS key ratifies a genesis: that the genesis is the
 * file it staged, is for the network it is asked to sign for, stakes its own NodeID with its own
 * BLS key at the weight it is told, and carries exactly the C-Chain state its own node had at the
 * genesis height. The agent's own node and files are the evidence; nothing the coordinator says
 * about the genesis is taken on trust, so its key is no oracle for whoever can schedule on its queue.
 */

export interface RatificationRequest {
  runKey: string;
  genesisSha256: string;
  /** The network the ratification is for: must be the genesis's networkID. */
  networkId: number;
  /** This validator's genesis stake, a decimal string (nAVAX), compared exactly. */
  weight: string;
  dialect: DialectName;
  /** The C-Chain height the genesis was exported at. */
  cHeight: number;
}

/** What the agent found true, returned beside its signature. */
export interface GenesisChecked {
  nodeId: string;
  weight: string;
  cHeight: number;
  /** The C-Chain alloc root it recomputed, equal to its node's stateRoot at cHeight. */
  cRoot: string;
}

export type GenesisCheckName = 'request' | 'staged-genesis' | 'sha256' | 'format' | 'network-id' | 'staker' | 'weight' | 'bls-key' | 'c-height' | 'c-root';

export class GenesisRejectedError extends Error {
  override readonly name = 'GenesisRejectedError';
  constructor(
    readonly check: GenesisCheckName,
    detail: string,
  ) {
    super(`genesis refused by check ${check}: ${detail}`);
  }
}

function reject(check: GenesisCheckName, detail: string): never {
  throw new GenesisRejectedError(check, detail);
}

/** Every check, in order; the first that fails refuses the genesis, naming itself and both values. */
export async function checkGenesis(config: AgentConfig, request: RatificationRequest, self: { nodeId: string; blsPublicKey: string }): Promise<GenesisChecked> {
  const weight = requestedWeight(request);
  const path = await stagedGenesisPath(config, request.runKey);
  await checkStagedSha256(path, request);
  const { genesis, cRoot } = await readStagedGenesis(path);
  if (genesis.networkID !== request.networkId) reject('network-id', `the staged genesis is for network ${genesis.networkID}, not ${request.networkId}`);
  checkOwnStake(genesis, self, weight);
  const block = await ownCBlock(config, request.runKey, request.cHeight);
  if (cRoot !== block.stateRoot) {
    reject(
      'c-root',
      `the C-Chain alloc root ${cRoot} recomputed from the staged genesis is not ${block.stateRoot}, the stateRoot of this node's C-Chain block ${block.height} (${block.hash})`,
    );
  }
  return { nodeId: self.nodeId, weight: weight.toString(), cHeight: block.height, cRoot };
}

function requestedWeight(request: RatificationRequest): bigint {
  const weight = stakeWeightSchema.safeParse(request.weight);
  if (!weight.success) reject('request', `weight ${String(request.weight)}: ${weight.error.issues[0]?.message ?? 'not a stake weight'}`);
  if (!Number.isSafeInteger(request.cHeight) || request.cHeight < 0) reject('request', `cHeight ${String(request.cHeight)} is not a block height`);
  try {
    ratificationMessage(request.networkId, request.genesisSha256);
  } catch (err) {
    reject('request', (err as Error).message);
  }
  return BigInt(weight.data);
}

async function checkStagedSha256(path: string, request: RatificationRequest): Promise<void> {
  const staged = await sha256File(path).catch(() => undefined);
  if (staged === undefined) reject('staged-genesis', `no genesis is staged for run ${request.runKey} (${path}): stage it before asking for a signature`);
  const wanted = request.genesisSha256.replace(/^0x/, '').toLowerCase();
  if (staged !== wanted) reject('sha256', `the genesis staged for run ${request.runKey} has sha256 ${staged}, not ${wanted}`);
}

/**
 * The staged primary genesis and its C-Chain alloc root, in one streaming pass. The embedded
 * C-Chain is coreth's (Avalanche's and Lux's C-Chain): its accounts carry isMultiCoin, as the
 * genesis builder encoded them for this network.
 */
async function readStagedGenesis(path: string): Promise<{ genesis: PrimaryGenesis; cRoot: string }> {
  try {
    const alloc = await GenesisAllocRoot.create('coreth', `cChainGenesis of ${path}`);
    const reader = new EmbeddedGenesisReader((text) => alloc.write(text));
    for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 })) reader.write(chunk as string);
    const { genesis } = parsePrimaryGenesis(reader.end(), path);
    return { genesis, cRoot: alloc.end().stateRoot };
  } catch (err) {
    return reject('format', `the staged genesis cannot be read: ${(err as Error).message}`);
  }
}

function checkOwnStake(genesis: PrimaryGenesis, self: { nodeId: string; blsPublicKey: string }, weight: bigint): void {
  const index = genesis.initialStakers.findIndex((s) => s.nodeID === self.nodeId);
  if (index < 0) reject('staker', `the genesis's initialStakers do not include this validator, ${self.nodeId}`);
  // A genesis lists no weights: the node splits the staked allocations over the stakers in order.
  const staked = allocatedTotals(genesis).weights[index]!;
  if (staked !== weight) reject('weight', `the genesis stakes ${staked} on ${self.nodeId} (initialStakers[${index}]), not ${weight}`);
  const key = genesis.initialStakers[index]!.signer?.publicKey?.toLowerCase();
  if (key !== self.blsPublicKey.toLowerCase())
    reject('bls-key', `initialStakers[${index}] (${self.nodeId}) has BLS key ${key ?? 'none'}, not this validator's ${self.blsPublicKey}`);
}

/**
 * This node's C-Chain block at `cHeight`. A node halted for the run answers from what it had
 * accepted as it stopped (oldNode.ts), and the genesis must be of exactly that height: an earlier
 * one would drop the blocks after it. A node still running is asked for the block.
 */
async function ownCBlock(config: AgentConfig, runKey: string, cHeight: number): Promise<CHead> {
  let record = await readOldNodeRecord(config, runKey);
  // A genesis above the recorded height may be of a block accepted after the halt's last answered
  // read: the stopped node's own database says which (oldNode.ts rereadHaltedHeads).
  if (record?.halted && !record.reread && cHeight > (record.lastAccepted?.C?.height ?? -1)) {
    const recorded = record.lastAccepted?.C?.height;
    record = await rereadHaltedHeads(config, runKey).catch((err: unknown) =>
      reject(
        'c-height',
        `the genesis is of C-Chain height ${cHeight}, above the height ${recorded ?? 'none'} recorded as this node stopped, and its stopped database could not be read: ${(err as Error).message}`,
      ),
    );
  }
  if (record?.halted) {
    const last = record.lastAccepted?.C;
    if (!last)
      return reject(
        'c-height',
        `this node was halted for run ${runKey} without a read of its heads: what it accepted is unknown, so no genesis can be checked against it`,
      );
    if (cHeight < last.height)
      reject(
        'c-height',
        `the genesis is of C-Chain height ${cHeight}, below the height ${last.height} this node had accepted as it stopped (block ${last.hash}): it would drop blocks ${cHeight + 1}…${last.height}`,
      );
    const read = record.reread ? ', read again from its stopped database' : '';
    if (cHeight > last.height)
      reject(
        'c-height',
        `the genesis is of C-Chain height ${cHeight}, above the height ${last.height} this node had accepted as it stopped${read}: it never accepted that block`,
      );
    return last;
  }
  const uri = await liveOldNodeUri(config);
  if (!uri)
    return reject('c-height', `this node is neither running nor halted for run ${runKey}: there is no C-Chain block ${cHeight} to check the genesis against`);
  const block = await cBlockAt(uri, cHeight).catch((err: unknown) => {
    // The node answered (e.g. coreth's "cannot query unfinalized data"): a fact, not a fault to retry.
    if (err instanceof RpcResponseError) return reject('c-height', `this node has no C-Chain block ${cHeight}: ${err.rpcMessage}`);
    throw err;
  });
  return block ?? reject('c-height', `this node has no C-Chain block ${cHeight}`);
}
