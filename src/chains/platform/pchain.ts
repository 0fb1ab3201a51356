import type { BlockHeader, BlockReader } from '../../epoch/blockTimestampSource.js';
import { AvaxService, parseSafeUint, parseUint, writeJsonl, type AvaxEndpoints, type JsonlSummary } from '../avax/api.js';
import { parseStakeOutputs, type StakeOutput } from './stake.js';
import { exportUtxosWithTotals, streamUtxos, UtxoTotals, type AssetTotal, type UtxoQuery, type UtxoRecord } from '../avax/utxo.js';

/**
 * P-Chain adapter over the node's `platform.*` JSON-RPC service (`<prefix>/bc/P`): the validator
 * set pinned to a P-Chain height, UTXO balances of an address set, and block timestamps for epoch
 * sources. Replies are checked field by field; numbers stay decimal strings (u64) in the records.
 *
 * Shapes seen on avalanchego v1.14.0:
 * - `platform.getValidatorsAt {height}` answers a bare map `{ "<NodeID>": { publicKey, weight } }`
 *   (no `validators` wrapper); older nodes answer `{ validators: { "<NodeID>": "<weight>" } }`.
 *   Its weight is the validator's stake plus its delegators' stake at that height.
 * - `platform.getCurrentValidators` describes the current set only (not a past height): nodeID,
 *   txID, start/endTime, weight (own stake), delegationFee as a float32 percentage ("6.2500"),
 *   signer {publicKey, proofOfPossession}, validation/delegation reward owners, potentialReward,
 *   delegatorCount/delegatorWeight; the delegators themselves only when nodeIDs are given.
 * - `platform.getBlockByHeight {encoding: json}`: Banff-and-later blocks carry `time`; the genesis
 *   block (height 0) does not.
 */

export interface RewardOwner {
  locktime: string;
  threshold: number;
  addresses: string[];
}

export interface DelegatorRecord {
  txID: string;
  nodeID: string;
  startTime: number;
  endTime: number;
  /** Delegated stake, nAVAX. */
  weight: string;
  rewardOwner: RewardOwner | null;
  potentialReward: string | null;
  /** Whose stake this is (the delegation tx's stake outputs); null when not read. */
  stakeOutputs: StakeOutput[] | null;
}

export interface ValidatorRecord {
  nodeID: string;
  /** The P-Chain height the set is pinned to. */
  height: number;
  /** Weight at `height` (own stake + delegations), from getValidatorsAt. */
  weight: string;
  /** BLS public key at `height`, from getValidatorsAt; null for a validator without a signer. */
  publicKey: string | null;
  /**
   * Where the staking details below come from: `current` — the current set, same BLS key;
   * `missing` — the validator has left since `height` (details null); `mismatch` — present now
   * with another BLS key (re-staked since), details are the current ones and must not be bound.
   */
  details: 'current' | 'missing' | 'mismatch';
  txID: string | null;
  startTime: number | null;
  endTime: number | null;
  /** Own stake, nAVAX. */
  stake: string | null;
  delegatorCount: number | null;
  delegatorWeight: string | null;
  /** As reported: a percentage printed from a float32. */
  delegationFee: string | null;
  /** The same fee in the genesis/tx unit (parts per million, 1_000_000 = 100 %). */
  delegationShares: number | null;
  signer: { publicKey: string; proofOfPossession: string } | null;
  validationRewardOwner: RewardOwner | null;
  delegationRewardOwner: RewardOwner | null;
  potentialReward: string | null;
  accruedDelegateeReward: string | null;
  /** Whose own stake this is (the staking tx's stake outputs); null without current details. */
  stakeOutputs: StakeOutput[] | null;
  delegators: DelegatorRecord[];
}

export interface ValidatorAtHeight {
  weight: bigint;
  publicKey: string | null;
}

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

interface ApiOwner {
  locktime?: unknown;
  threshold?: unknown;
  addresses?: unknown;
}

interface ApiValidator {
  txID?: unknown;
  nodeID?: unknown;
  startTime?: unknown;
  endTime?: unknown;
  weight?: unknown;
  delegationFee?: unknown;
  exactDelegationFee?: unknown;
  signer?: { publicKey?: unknown; proofOfPossession?: unknown } | null;
  validationRewardOwner?: ApiOwner | null;
  delegationRewardOwner?: ApiOwner | null;
  potentialReward?: unknown;
  accruedDelegateeReward?: unknown;
  delegatorCount?: unknown;
  delegatorWeight?: unknown;
  delegators?: Array<{ txID?: unknown; nodeID?: unknown; startTime?: unknown; endTime?: unknown; weight?: unknown; rewardOwner?: ApiOwner | null; potentialReward?: unknown }> | null;
}

const NODE_ID = /^NodeID-[1-9A-HJ-NP-Za-km-z]+$/;
const HEX = /^0x([0-9a-fA-F]{2})+$/;

function str(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new Error(`${what}: expected a string, got ${JSON.stringify(value)?.slice(0, 80)}`);
  return value;
}

function hex(value: unknown, what: string): string {
  if (typeof value !== 'string' || !HEX.test(value)) throw new Error(`${what}: expected 0x-hex, got ${JSON.stringify(value)?.slice(0, 80)}`);
  return value.toLowerCase();
}

function optUint(value: unknown, what: string): string | null {
  return value === undefined || value === null ? null : parseUint(value, what).toString();
}

function owner(value: ApiOwner | null | undefined, what: string): RewardOwner | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value.addresses) || value.addresses.some((a) => typeof a !== 'string')) {
    throw new Error(`${what}.addresses: expected an array of addresses`);
  }
  return {
    locktime: parseUint(value.locktime, `${what}.locktime`).toString(),
    threshold: parseSafeUint(value.threshold, `${what}.threshold`),
    addresses: [...(value.addresses as string[])],
  };
}

/**
 * The delegation fee in parts per million from the API's percentage. avalanchego prints
 * 100 × shares / 10^6 as a float32 with four decimals, so shares come back by rounding
 * percentage × 10^4 (float32 holds every such value below 100 % to well under 0.5 ppm).
 */
export function delegationSharesFromPercent(percent: string): number {
  if (!/^\d+(\.\d+)?$/.test(percent)) throw new Error(`delegationFee: ${JSON.stringify(percent)} is not a percentage`);
  const shares = Math.round(Number(percent) * 10_000);
  if (shares < 0 || shares > 1_000_000) throw new Error(`delegationFee: ${percent} % is outside 0..100 %`);
  return shares;
}

/** Normalises both reply shapes of platform.getValidatorsAt into nodeID → {weight, publicKey}. */
export function parseValidatorsAt(reply: unknown, what = 'platform.getValidatorsAt'): Map<string, ValidatorAtHeight> {
  if (reply === null || typeof reply !== 'object' || Array.isArray(reply)) throw new Error(`${what}: expected an object`);
  let map = reply as Record<string, unknown>;
  const wrapped = map.validators;
  if (wrapped !== null && typeof wrapped === 'object' && !Array.isArray(wrapped) && !Object.keys(map).some((k) => NODE_ID.test(k))) {
    map = wrapped as Record<string, unknown>;
  }
  const out = new Map<string, ValidatorAtHeight>();
  for (const [nodeID, value] of Object.entries(map)) {
    if (!NODE_ID.test(nodeID)) throw new Error(`${what}: key ${JSON.stringify(nodeID).slice(0, 60)} is not a NodeID`);
    if (typeof value === 'string' || typeof value === 'number') {
      out.set(nodeID, { weight: parseUint(value, `${what}[${nodeID}]`), publicKey: null });
    } else if (value !== null && typeof value === 'object') {
      const v = value as { weight?: unknown; publicKey?: unknown };
      out.set(nodeID, {
        weight: parseUint(v.weight, `${what}[${nodeID}].weight`),
        publicKey: v.publicKey === undefined || v.publicKey === null ? null : hex(v.publicKey, `${what}[${nodeID}].publicKey`),
      });
    } else {
      throw new Error(`${what}[${nodeID}]: expected a weight or {weight, publicKey}`);
    }
  }
  return out;
}

function toRecord(height: number, nodeID: string, at: ValidatorAtHeight, v: ApiValidator | undefined): ValidatorRecord {
  const base = { nodeID, height, weight: at.weight.toString(), publicKey: at.publicKey };
  if (!v) {
    return {
      ...base,
      details: 'missing',
      txID: null,
      startTime: null,
      endTime: null,
      stake: null,
      delegatorCount: null,
      delegatorWeight: null,
      delegationFee: null,
      delegationShares: null,
      signer: null,
      validationRewardOwner: null,
      delegationRewardOwner: null,
      potentialReward: null,
      accruedDelegateeReward: null,
      stakeOutputs: null,
      delegators: [],
    };
  }
  const w = `platform.getCurrentValidators[${nodeID}]`;
  const signer = v.signer
    ? { publicKey: hex(v.signer.publicKey, `${w}.signer.publicKey`), proofOfPossession: hex(v.signer.proofOfPossession, `${w}.signer.proofOfPossession`) }
    : null;
  const fee = v.delegationFee === undefined || v.delegationFee === null ? null : String(v.delegationFee);
  const exact = v.exactDelegationFee === undefined || v.exactDelegationFee === null ? null : parseSafeUint(v.exactDelegationFee, `${w}.exactDelegationFee`);
  const delegators = (v.delegators ?? [])
    .map((d, i): DelegatorRecord => ({
      txID: str(d.txID, `${w}.delegators[${i}].txID`),
      nodeID: str(d.nodeID, `${w}.delegators[${i}].nodeID`),
      startTime: parseSafeUint(d.startTime, `${w}.delegators[${i}].startTime`),
      endTime: parseSafeUint(d.endTime, `${w}.delegators[${i}].endTime`),
      weight: parseUint(d.weight, `${w}.delegators[${i}].weight`).toString(),
      rewardOwner: owner(d.rewardOwner, `${w}.delegators[${i}].rewardOwner`),
      potentialReward: optUint(d.potentialReward, `${w}.delegators[${i}].potentialReward`),
      stakeOutputs: null,
    }))
    .sort((a, b) => (a.txID < b.txID ? -1 : a.txID > b.txID ? 1 : 0));
  return {
    ...base,
    details: (signer?.publicKey ?? null) === at.publicKey ? 'current' : 'mismatch',
    txID: str(v.txID, `${w}.txID`),
    startTime: parseSafeUint(v.startTime, `${w}.startTime`),
    endTime: parseSafeUint(v.endTime, `${w}.endTime`),
    stake: parseUint(v.weight, `${w}.weight`).toString(),
    delegatorCount: v.delegatorCount === undefined ? null : parseSafeUint(v.delegatorCount, `${w}.delegatorCount`),
    delegatorWeight: optUint(v.delegatorWeight, `${w}.delegatorWeight`),
    delegationFee: fee,
    delegationShares: exact ?? (fee === null ? null : delegationSharesFromPercent(fee)),
    signer,
    validationRewardOwner: owner(v.validationRewardOwner, `${w}.validationRewardOwner`),
    delegationRewardOwner: owner(v.delegationRewardOwner, `${w}.delegationRewardOwner`),
    potentialReward: optUint(v.potentialReward, `${w}.potentialReward`),
    accruedDelegateeReward: optUint(v.accruedDelegateeReward, `${w}.accruedDelegateeReward`),
    stakeOutputs: null,
    delegators,
  };
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
    this.service = new AvaxService(endpoints.chain('P'), { timeoutMs: options.timeoutMs ?? 60_000 });
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
      for (const nodeID of batch) {
        const record = toRecord(height, nodeID, atHeight.get(nodeID)!, current.get(nodeID));
        if (options.stakeOutputs && record.txID !== null) {
          record.stakeOutputs = await this.stakeOutputs(record.txID);
          for (const d of record.delegators) d.stakeOutputs = await this.stakeOutputs(d.txID);
        }
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

  /** The stake outputs of a staking (validator or delegator) transaction: who gets the stake back. */
  async stakeOutputs(txID: string): Promise<StakeOutput[]> {
    return parseStakeOutputs(await this.service.call<unknown>('platform.getTx', { txID, encoding: 'json' }), txID);
  }

  /** The node's supply of the staking asset: minted so far plus the current stakers' potential rewards. */
  async currentSupply(): Promise<bigint> {
    const reply = await this.service.call<{ supply?: unknown }>('platform.getCurrentSupply');
    return parseUint(reply?.supply, 'platform.getCurrentSupply.supply');
  }

  /** The asset validators stake (AVAX on avalanchego, LUX on luxd): the primary network's own asset. */
  async stakingAssetID(): Promise<string> {
    const reply = await this.service.call<{ assetID?: unknown }>('platform.getStakingAssetID');
    return str(reply?.assetID, 'platform.getStakingAssetID.assetID');
  }

  /** Writes `validatorSet(height)` as JSONL; the summary rides along with the file's sha256. */
  async exportValidators(path: string, height: number, options: Omit<ValidatorSetOptions, 'summary'> = {}): Promise<JsonlSummary & { set: ValidatorSetSummary }> {
    let set: ValidatorSetSummary | undefined;
    const written = await writeJsonl(path, this.validatorSet(height, { ...options, summary: (s) => (set = s) }));
    return { ...written, set: set! };
  }

  /** Every UTXO of the addresses (`P-…`), each once; with `sourceChain`, the atomic UTXOs exported from it. */
  utxos(addresses: Iterable<string>, options: Omit<UtxoQuery, 'addresses'> = {}): AsyncGenerator<UtxoRecord> {
    return streamUtxos(this.service, 'platform.getUTXOs', 'P', { ...options, addresses });
  }

  /**
   * Streams the UTXOs to `path` (JSONL) and totals them per asset. Locked amounts are judged
   * against the chain's own timestamp, read first.
   */
  async exportUtxos(path: string, addresses: Iterable<string>, options: Omit<UtxoQuery, 'addresses'> = {}): Promise<JsonlSummary & { assets: AssetTotal[]; asOf: number }> {
    const asOf = await this.timestamp();
    return exportUtxosWithTotals(path, this.utxos(addresses, options), asOf);
  }

  /** Per-asset totals without writing a file. */
  async balances(addresses: Iterable<string>, options: Omit<UtxoQuery, 'addresses'> = {}): Promise<{ assets: AssetTotal[]; asOf: number }> {
    const asOf = await this.timestamp();
    const totals = new UtxoTotals(BigInt(asOf));
    for await (const u of this.utxos(addresses, options)) totals.add(u);
    return { assets: totals.totals(), asOf };
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
