import { parseHex, parseSafeUint, parseString, parseUint } from '../avax/api.js';
import type { StakeOutput } from './stake.js';
import type { ValidatorAtHeight } from './validatorsAt.js';

/**
 * One validator of a set pinned to a P-Chain height, with the staking details a genesis needs.
 * Only `platform.getCurrentValidators` serves those details, and only for the current set, so a
 * record joins the weight and BLS key at the height with the current details and says whether
 * the two still describe the same staking period.
 *
 * getCurrentValidators on avalanchego v1.14.0: nodeID, txID, start/endTime, weight (own stake),
 * delegationFee as a float32 percentage ("6.2500"), signer {publicKey, proofOfPossession},
 * validation/delegation reward owners, potentialReward, delegatorCount/delegatorWeight; the
 * delegators themselves only when nodeIDs are given. Replies are checked field by field; numbers
 * stay decimal strings (u64) in the records.
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

interface ApiOwner {
  locktime?: unknown;
  threshold?: unknown;
  addresses?: unknown;
}

/** One entry of platform.getCurrentValidators, unchecked. */
export interface ApiValidator {
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
  delegators?: Array<{
    txID?: unknown;
    nodeID?: unknown;
    startTime?: unknown;
    endTime?: unknown;
    weight?: unknown;
    rewardOwner?: ApiOwner | null;
    potentialReward?: unknown;
  }> | null;
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

/**
 * Joins a validator's weight and key at `height` with its current details (`v`, absent when it
 * has left since). Details are fixed for a staking period, so they hold for `height` unless the
 * BLS key differs, which means the validator re-staked: then `details` says `mismatch`.
 */
export function validatorRecord(height: number, nodeID: string, at: ValidatorAtHeight, v: ApiValidator | undefined): ValidatorRecord {
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
    ? {
        publicKey: parseHex(v.signer.publicKey, `${w}.signer.publicKey`),
        proofOfPossession: parseHex(v.signer.proofOfPossession, `${w}.signer.proofOfPossession`),
      }
    : null;
  const fee = v.delegationFee === undefined || v.delegationFee === null ? null : String(v.delegationFee);
  const exact = v.exactDelegationFee === undefined || v.exactDelegationFee === null ? null : parseSafeUint(v.exactDelegationFee, `${w}.exactDelegationFee`);
  const delegators = (v.delegators ?? [])
    .map(
      (d, i): DelegatorRecord => ({
        txID: parseString(d.txID, `${w}.delegators[${i}].txID`),
        nodeID: parseString(d.nodeID, `${w}.delegators[${i}].nodeID`),
        startTime: parseSafeUint(d.startTime, `${w}.delegators[${i}].startTime`),
        endTime: parseSafeUint(d.endTime, `${w}.delegators[${i}].endTime`),
        weight: parseUint(d.weight, `${w}.delegators[${i}].weight`).toString(),
        rewardOwner: owner(d.rewardOwner, `${w}.delegators[${i}].rewardOwner`),
        potentialReward: optUint(d.potentialReward, `${w}.delegators[${i}].potentialReward`),
        stakeOutputs: null,
      }),
    )
    .sort((a, b) => (a.txID < b.txID ? -1 : a.txID > b.txID ? 1 : 0));
  return {
    ...base,
    details: (signer?.publicKey ?? null) === at.publicKey ? 'current' : 'mismatch',
    txID: parseString(v.txID, `${w}.txID`),
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
