import type { Hex } from '../../state/hex.js';
import type { AllocationStyle, DialectName } from '../../network/dialect.js';

/**
 * The primary-network genesis (the file passed to the node with --genesis-file): avalanchego's
 * genesis.UnparsedConfig and luxd's equivalents. Field names and order follow the upstream structs;
 * only the two address fields of an allocation differ between dialects.
 */

/** A Go uint64 amount or unix time; kept as bigint so no value above 2^53 is ever rounded. */
export type Uint64 = bigint;

export interface UnlockEntry {
  amount: Uint64;
  /** Absent in some upstream files; Go reads absence as 0 (unlocked at genesis). */
  locktime?: Uint64;
}

interface AllocationAmounts {
  initialAmount: Uint64;
  unlockSchedule: UnlockEntry[];
}

export interface AvalanchegoAllocation extends AllocationAmounts {
  ethAddr: string;
  avaxAddr: string;
}
export interface LuxLegacyAllocation extends AllocationAmounts {
  ethAddr: string;
  luxAddr: string;
}
export interface LuxAllocation extends AllocationAmounts {
  evmAddr: string;
  utxoAddr: string;
}
export type GenesisAllocation = AvalanchegoAllocation | LuxLegacyAllocation | LuxAllocation;

export interface StakerSigner {
  publicKey: Hex;
  proofOfPossession: Hex;
}

export interface GenesisStaker {
  nodeID: string;
  rewardAddress: string;
  delegationFee: number;
  /** Optional upstream (`signer,omitempty`): a staker without one gets no BLS key. */
  signer?: StakerSigner;
}

/** The genesis document, as written to disk. */
export interface PrimaryGenesis {
  networkID: number;
  allocations: GenesisAllocation[];
  startTime: number;
  initialStakeDuration: number;
  initialStakeDurationOffset: number;
  initialStakedFunds: string[];
  initialStakers: GenesisStaker[];
  /** luxd only (luxfi/genesis ConfigOutput, omitempty): the X-Chain genesis as a JSON string. */
  xChainGenesis?: string;
  /** The C-Chain genesis as a JSON string (not an object), exactly as the node hashes it. */
  cChainGenesis: string;
  /** luxd only (ConfigOutput, omitempty): the Q-Chain (quantumvm) genesis as a JSON string. */
  qChainGenesis?: string;
  message: string;
}

/** A decimal string, a safe integer or a bigint. */
export type AmountInput = bigint | number | string;

export interface AllocationInput {
  /** 0x EVM address (ethAddr / evmAddr). */
  evmAddress: string;
  /** X-… or P-… bech32 address (avaxAddr / luxAddr / utxoAddr). */
  utxoAddress: string;
  initialAmount: AmountInput;
  unlockSchedule: Array<{ amount: AmountInput; locktime?: AmountInput }>;
}

/** One initial staker, as public key material only. */
export interface ValidatorInput {
  /** Required unless `certificate` is given; when both are, they must agree. */
  nodeID?: string;
  /** staker.crt as PEM or DER; the NodeID is derived from it. Private keys are refused. */
  certificate?: string | Uint8Array;
  rewardAddress: string;
  /** Parts per million (1,000,000 = 100%). */
  delegationFee: number;
  signer?: { publicKey: string; proofOfPossession: string };
  /**
   * Expected stake weight. Genesis files carry no weight: the node splits the initially staked
   * allocations evenly over the stakers, in order. When given, it must equal that split.
   */
  weight?: AmountInput;
}

export interface PrimaryGenesisInput {
  dialect: DialectName;
  /** Allocation field names; defaults to avaxAddr (avalanchego) or utxoAddr (luxd). */
  allocationStyle?: AllocationStyle;
  /** bech32 HRP every address must carry; defaults to the dialect's HRP for networkID. */
  hrp?: string;
  networkID: number;
  allocations: AllocationInput[];
  startTime: number;
  initialStakeDuration: number;
  initialStakeDurationOffset: number;
  initialStakedFunds: string[];
  /** Order matters upstream: staker i's stake ends i × initialStakeDurationOffset earlier. */
  validators: ValidatorInput[];
  xChainGenesis?: string;
  cChainGenesis: string;
  /** luxd only: the Q-Chain genesis (see chains/quantum). */
  qChainGenesis?: string;
  message: string;
}

export interface BuildOptions {
  /** Legacy files list stakers without a BLS signer; new genesis files must not. */
  allowStakersWithoutSigner?: boolean;
}
