import type { BlockHeader, BlockReader } from '../../epoch/blockTimestampSource.js';
import { AvaxService, isMethodMissing, parseSafeUint, parseString, parseUint, type AvaxEndpoints } from '../avax/api.js';
import { writeJsonl, type JsonlSummary } from '../../state/jsonl.js';
import { exportUtxosWithTotals, totalUtxos, type AssetTotal } from '../avax/utxoTotals.js';
import { streamUtxos, type UtxoQuery } from '../avax/utxoPages.js';
import type { UtxoRecord } from '../avax/utxo.js';
import { cChainGenesisAllocOf, cChainIdOf } from './cChainGenesis.js';
import { parseStakeOutputs, type StakeOutput } from './stake.js';
import { validatorRecord, type ApiValidator, type ValidatorRecord } from './validatorRecord.js';
import { parseValidatorsAt, type ValidatorAtHeight } from './validatorsAt.js';

/**
 * P-Chain adapter over the node's `platform.*` JSON-RPC service (`<prefix>/bc/P`): the validator
 * set pinned to a P-Chain height (validatorsAt.ts, validatorRecord.ts), UTXO balances of an
 * address set, and block timestamps for epoch sources.
 *
 * `platform.getBlockByHeight {encoding: json}` on avalanchego v1.14.0: Banff-and-later blocks
 * carry `time`; the genesis block (height 0) does not.
 */

export interface ValidatorSetSummary {
  height: number;
  /** P-Chain height when the current-set details were read. */
  detailsHeight: number;
  validators: number;
  totalWeight: string;
  missingDetails: number;
  mismatchedDetails: number;
  /** Rewards the current stakers would receive (not minted yet, but counted in the node's supply). */
  potentialRewards: string;
}

export interface ValidatorSetOptions {
  subnetID?: string;
  /**
   * Also read whose stake each validator and delegator staked (one platform.getTx each): what a
   * primary genesis returns the stake to, and owners for discovery. Off, stakeOutputs stay null.
   */
  stakeOutputs?: boolean;
  summary?: (s: ValidatorSetSummary) => void;
}

/** platform.getTx requests in flight while the validator set's stake outputs are read. */
export const STAKE_READS_IN_FLIGHT = 8;

export interface PlatformChainOptions {
  /** Per-request timeout. Default 60 s (large validator sets and UTXO pages). */
  timeoutMs?: number;
  /** NodeIDs per getCurrentValidators call (each call carries their delegators). Default 100. */
  detailsBatch?: number;
}

export class PlatformChain {
  readonly service: AvaxService;
  private readonly subnetField: string;
  private readonly detailsBatch: number;

  constructor(
    readonly endpoints: AvaxEndpoints,
    options: PlatformChainOptions = {},
  ) {
    this.service = new AvaxService(endpoints.chain('P'), { timeoutMs: options.timeoutMs ?? 60_000, bigIntegersAsStrings: true });
    this.subnetField = endpoints.dialect.subnetFields[0] ?? 'subnetID';
    this.detailsBatch = options.detailsBatch ?? 100;
  }

  async height(): Promise<number> {
    const reply = await this.service.call<{ height?: unknown }>('platform.getHeight');
    return parseSafeUint(reply?.height, 'platform.getHeight.height');
  }

  /** The chain's current timestamp, unix seconds. */
  async timestamp(): Promise<number> {
    const reply = await this.service.call<{ timestamp?: unknown }>('platform.getTimestamp');
    const ms = typeof reply?.timestamp === 'string' ? Date.parse(reply.timestamp) : NaN;
    if (!Number.isFinite(ms)) throw new Error(`platform.getTimestamp: unparsable ${JSON.stringify(reply?.timestamp)}`);
    return Math.floor(ms / 1000);
  }

  private subnetArgs(subnetID?: string): Record<string, unknown> {
    return subnetID ? { [this.subnetField]: subnetID } : {};
  }

  async validatorsAt(height: number, subnetID?: string): Promise<Map<string, ValidatorAtHeight>> {
    if (!Number.isSafeInteger(height) || height < 0) throw new RangeError(`height must be a non-negative integer, got ${height}`);
    const reply = await this.service.call<unknown>('platform.getValidatorsAt', { height: String(height), ...this.subnetArgs(subnetID) });
    return parseValidatorsAt(reply);
  }

  async currentValidators(nodeIDs?: readonly string[], subnetID?: string): Promise<ApiValidator[]> {
    const reply = await this.service.call<{ validators?: unknown }>('platform.getCurrentValidators', {
      ...this.subnetArgs(subnetID),
      ...(nodeIDs && nodeIDs.length > 0 ? { nodeIDs } : {}),
    });
    if (!Array.isArray(reply?.validators)) throw new Error('platform.getCurrentValidators: reply has no validators array');
    return reply.validators as ApiValidator[];
  }

  /**
   * The validator set pinned to `height`, one record per validator in NodeID order: weights and
   * BLS keys as of `height`, staking details (times, fee, signer, reward owners, delegators) from
   * the current set, which is the only place the node serves them. A validator's details are fixed
   * for its staking period, so they are valid for `height` unless it has left or re-staked since;
   * such records say so in `details`. Details are fetched in NodeID batches, so memory stays at one
   * batch of delegators beyond the set's weight map.
   */
  async *validatorSet(height: number, options: ValidatorSetOptions = {}): AsyncGenerator<ValidatorRecord> {
    const atHeight = await this.validatorsAt(height, options.subnetID);
    const detailsHeight = await this.height();
    if (detailsHeight < height) throw new Error(`P-Chain height ${height} is ahead of the node (at ${detailsHeight})`);
    const nodeIDs = [...atHeight.keys()].sort();
    let total = 0n;
    let missing = 0;
    let mismatched = 0;
    let potential = 0n;
    for (let i = 0; i < nodeIDs.length; i += this.detailsBatch) {
      const batch = nodeIDs.slice(i, i + this.detailsBatch);
      const current = new Map<string, ApiValidator>();
      for (const v of await this.currentValidators(batch, options.subnetID)) {
        if (typeof v.nodeID === 'string') current.set(v.nodeID, v);
      }
      const records = batch.map((nodeID) => validatorRecord(height, nodeID, atHeight.get(nodeID)!, current.get(nodeID)));
      if (options.stakeOutputs) await this.readStakeOutputs(records);
      for (const record of records) {
        total += BigInt(record.weight);
        potential += BigInt(record.potentialReward ?? '0') + record.delegators.reduce((sum, d) => sum + BigInt(d.potentialReward ?? '0'), 0n);
        if (record.details === 'missing') missing += 1;
        if (record.details === 'mismatch') mismatched += 1;
        yield record;
      }
    }
    options.summary?.({
      height,
      detailsHeight,
      validators: nodeIDs.length,
      totalWeight: total.toString(),
      missingDetails: missing,
      mismatchedDetails: mismatched,
      potentialRewards: potential.toString(),
    });
  }

  /** A block as the node describes it in JSON (transactions, outputs, owners). */
  async blockJson(height: number): Promise<unknown> {
    const reply = await this.service.call<{ block?: unknown }>('platform.getBlockByHeight', { height: String(height), encoding: 'json' });
    if (!reply?.block) throw new Error(`platform.getBlockByHeight(${height}): no block`);
    return reply.block;
  }

  /**
   * The stake outputs of a batch's validators and their delegators, one platform.getTx each (the
   * node serves no other way), STAKE_READS_IN_FLIGHT at a time: a network with tens of thousands of
   * stakers is read in round trips / STAKE_READS_IN_FLIGHT, not one round trip after another. The
   * first failure, in staker order, is the one reported.
   */
  private async readStakeOutputs(records: ValidatorRecord[]): Promise<void> {
    const reads: Array<{ txID: string; set: (outputs: StakeOutput[]) => void }> = [];
    for (const record of records) {
      if (record.txID === null) continue;
      reads.push({ txID: record.txID, set: (outputs) => (record.stakeOutputs = outputs) });
      for (const d of record.delegators) reads.push({ txID: d.txID, set: (outputs) => (d.stakeOutputs = outputs) });
    }
    const results: Array<Promise<StakeOutput[]>> = [];
    let next = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      while (next < reads.length && !failed) {
        const at = next++;
        results[at] = this.stakeOutputs(reads[at]!.txID);
        results[at].catch(() => undefined);
        try {
          await results[at];
        } catch {
          failed = true;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(STAKE_READS_IN_FLIGHT, reads.length) }, worker));
    for (const [at, read] of reads.entries()) {
      const result = results[at];
      // Reads after a failure were never started: the failure comes first in staker order.
      if (result === undefined) break;
      read.set(await result);
    }
  }

  /** The stake outputs of a staking (validator or delegator) transaction: who gets the stake back. */
  async stakeOutputs(txID: string): Promise<StakeOutput[]> {
    return parseStakeOutputs(await this.service.call<unknown>('platform.getTx', { txID, encoding: 'json' }), txID);
  }

  /** The node's supply of the staking asset: minted so far plus the current stakers' potential rewards. */
  async currentSupply(): Promise<bigint> {
    const reply = await this.service.call<{ supply?: unknown }>('platform.getCurrentSupply');
    return parseUint(reply?.supply, 'platform.getCurrentSupply.supply');
  }

  /** The C-Chain's genesis allocation in wei (cChainGenesis.ts); undefined when the node names no C-Chain. */
  async cChainGenesisAlloc(): Promise<bigint | undefined> {
    const chains = await this.service.call<unknown>('platform.getBlockchains').catch((err: unknown) => {
      if (isMethodMissing(err)) return undefined;
      throw err;
    });
    const cChainID = cChainIdOf(chains);
    if (cChainID === undefined) return undefined;
    return cChainGenesisAllocOf(await this.service.call<unknown>('platform.getTx', { txID: cChainID, encoding: 'json' }));
  }

  /** The asset validators stake (AVAX on avalanchego, LUX on luxd): the primary network's own asset. */
  async stakingAssetID(): Promise<string> {
    const reply = await this.service.call<{ assetID?: unknown }>('platform.getStakingAssetID');
    return parseString(reply?.assetID, 'platform.getStakingAssetID.assetID');
  }

  /** Writes `validatorSet(height)` as JSONL; the summary rides along with the file's sha256. */
  async exportValidators(
    path: string,
    height: number,
    options: Omit<ValidatorSetOptions, 'summary'> = {},
  ): Promise<JsonlSummary & { set: ValidatorSetSummary }> {
    let set: ValidatorSetSummary | undefined;
    const written = await writeJsonl(path, this.validatorSet(height, { ...options, summary: (s) => (set = s) }));
    return { ...written, set: set! };
  }

  /** Every UTXO of the addresses (`P-…`), each once; with `sourceChain`, the atomic UTXOs exported from it. */
  utxos(addresses: Iterable<string> | AsyncIterable<string>, options: Omit<UtxoQuery, 'addresses'> = {}): AsyncGenerator<UtxoRecord> {
    return streamUtxos(this.service, 'platform.getUTXOs', 'P', { ...options, addresses });
  }

  /**
   * Streams the UTXOs to `path` (JSONL) and totals them per asset. Locked amounts are judged
   * against the chain's own timestamp, read first.
   */
  async exportUtxos(
    path: string,
    addresses: Iterable<string> | AsyncIterable<string>,
    options: Omit<UtxoQuery, 'addresses'> = {},
  ): Promise<JsonlSummary & { assets: AssetTotal[]; asOf: number }> {
    const asOf = await this.timestamp();
    return exportUtxosWithTotals(path, this.utxos(addresses, options), asOf);
  }

  /** Per-asset totals without writing a file. */
  async balances(
    addresses: Iterable<string> | AsyncIterable<string>,
    options: Omit<UtxoQuery, 'addresses'> = {},
  ): Promise<{ assets: AssetTotal[]; asOf: number }> {
    const asOf = await this.timestamp();
    return { assets: await totalUtxos(this.utxos(addresses, options), asOf), asOf };
  }

  /**
   * P-Chain blocks as an epoch source's BlockReader. The genesis block has no timestamp in its
   * JSON; pass the genesis time (the node's epoch-1 start before the first block, or the genesis
   * file's startTime) to read height 0.
   */
  blockReader(options: { genesisTimestamp?: number } = {}): BlockReader {
    const block = async (n: number): Promise<BlockHeader> => {
      const reply = await this.service.call<{ block?: { height?: unknown; time?: unknown } }>('platform.getBlockByHeight', {
        height: String(n),
        encoding: 'json',
      });
      const b = reply?.block;
      if (!b) throw new Error(`platform.getBlockByHeight(${n}): no block`);
      const number = parseSafeUint(b.height, `P block ${n}.height`);
      if (b.time === undefined || b.time === null) {
        if (n === 0 && options.genesisTimestamp !== undefined) return { number, timestamp: options.genesisTimestamp };
        throw new Error(`P block ${n} has no timestamp (genesis or pre-Banff block)`);
      }
      return { number, timestamp: parseSafeUint(b.time, `P block ${n}.time`) };
    };
    return { head: async () => block(await this.height()), block };
  }
}
