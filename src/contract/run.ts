import type {
  DiscoveredAddresses,
  FreezePoint,
  GenesisManifest,
  PartitionManifest,
  PChainExport,
  PrimaryGenesisManifest,
  PublishedReport,
  QChainExportManifest,
  RehearsalReport,
  VerificationReport,
  XChainExport,
} from '../manifests.js';
import type { AgentIdentity } from '../agent/identity.js';
import type { LaunchReadiness } from '../launch/readiness.js';
import type { DialectName } from '../network/dialectName.js';

/**
 * The shape of a regenesis run as the world sees it: its phases and status, the payloads of the
 * messages it answers, and its result. Workflows, activities, the CLI and tests all read these; the
 * module imports nothing but types, so neither side's implementation is pulled in by the other.
 */

export type Phase =
  | 'validate'
  | 'preflight'
  | 'wait-epoch'
  | 'export'
  | 'genesis'
  | 'verify'
  | 'rehearse'
  | 'report'
  | 'approve'
  | 'halt'
  | 'final-heads'
  | 'delta-export'
  | 'final-genesis'
  | 'final-verify'
  | 'ratify'
  | 'migrate-validators'
  | 'launch'
  | 'post-verify'
  | 'committed'
  | 'completed'
  | 'rolling-back'
  | 'rolled-back'
  | 'rollback-incomplete';

export interface ChainProgress {
  partitionsTotal: number;
  partitionsDone: number;
  accountsExported: number;
}

export interface RegenesisStatus {
  phase: Phase;
  runKey?: string;
  /** The phases this run will pass through, from its plan, in order (absent in runs started before it was kept). */
  checklist?: Phase[];
  /** The phases entered so far, in order. */
  entered?: Phase[];
  /** When each of `entered` began (ISO, the workflow's clock), index for index. */
  enteredAt?: string[];
  /** While waiting for an epoch: which, where the chain is, and when (at the earliest) it seals. */
  epoch?: { target: number | null; current: number | null; headHeight: number | null; sealsAfter?: string };
  freeze?: FreezePoint;
  chains: Record<string, ChainProgress>;
  artifacts: string[];
  abortReason?: string;
  /** The review page (reports/review.html) of the genesis, once the report is published: read it before approving. */
  reviewPage?: string;
  /** The genesis awaiting approval and ratification, once written. */
  genesisSha256?: string;
  approvals?: { required: number; approvers: string[]; deadline?: string };
  /** Weights are decimal strings in the chain's smallest unit (nAVAX, wei): exact at any stake. */
  ratification?: {
    totalWeight: string;
    signedWeight: string;
    signers: string[];
    threshold: string;
    deadline?: string;
    /** `agents` when the validator agents sign by themselves: no human step. */
    collectedBy?: 'agents';
    /**
     * The node family whose signature rule (BLS DST) a ratification must follow: what a validator
     * passes to `regenesis sign --dialect`. Absent in the status of runs that did not show it yet.
     */
    dialect?: DialectName;
    /**
     * The network the ratification message names (src/keys/ratificationMessage.ts): what a
     * validator passes to `regenesis sign --network-id`. Absent in runs that did not show it yet.
     */
    networkId?: number;
  };
  /** The declared validators (manual and local operators), each weight a decimal string. */
  validators?: Array<{ nodeId: string; weight: string }>;
  /** A manual operator step waiting for confirmation: what to do, in words. */
  pendingStep?: { step: ManualStep; instruction: string };
  /**
   * A two-stage run after its halt: where the old network stopped (its last accepted blocks, proven
   * to stand still), what changed since stage 1, and the downtime so far.
   */
  finalStage?: FinalStageStatus;
  /** What the run is waiting for when no human is asked to act (e.g. the genesis start time). */
  waitingFor?: string;
  /**
   * Agents launches, after the rehearsal: whether the new validators' hosts can start the genesis
   * (memory, health timeout) as the rehearsal node did, with warnings for the approvers.
   */
  launchReadiness?: LaunchReadiness;
  stepsDone: string[];
  committed: boolean;
}

/** Stage 2 of a two-stage run, as the status and the launch report show it. */
export interface FinalStageStatus {
  /** When the first old validator was told to stop (ISO). */
  haltedAt: string;
  /** The old network's last accepted blocks, read twice from the API node after the halt. */
  heads?: { c: { height: number; hash: string; stateRoot: string; timestamp: number }; p: number; x?: number };
  /** The stage-1 freeze height the delta starts from, and how much changed up to the halt. */
  delta?: { fromHeight: number; toHeight: number; accountsChanged: number; validatorSetChanged: boolean; withinLimits: boolean };
  /** The genesis validators install: the final one, written from the state at the halt. */
  genesisSha256?: string;
  /** Seconds from the first halt to the new network's first block (from that block's own timestamp). */
  downtimeSeconds?: number;
  /**
   * The downtime by phase, in seconds (halt, final-heads, delta-export, final-genesis, final-verify,
   * ratify, launch, post-verify up to the first block): what an operator budgets for their network.
   */
  downtimeParts?: Array<{ phase: Phase; seconds: number }>;
}

export type ManualStep = 'halt-old-network' | 'install-genesis' | 'boot-new-network' | 'stop-new-network' | 'resume-old-network';

/**
 * What approvers sign in place of a genesis hash when they approve an emergency run's halt of the
 * old validators, which comes before there is a genesis: agents that halt only for approved runs
 * (`--approver-keys-file`) are shown these. The message still names the workflow and the run.
 */
export const EMERGENCY_HALT_SUBJECT = 'emergency-halt';

export interface Approval {
  approver: string;
  /** The sha256 of the genesis being approved (or EMERGENCY_HALT_SUBJECT); a stale hash is rejected. */
  genesisSha256: string;
  /**
   * The approver's signature (0x hex) over approvalMessage(workflow ID, run key, genesis sha256)
   * with the key the plan lists for it (`regenesis approve --key-file` makes it).
   */
  signature?: string;
}

export interface ValidatorRegistration {
  nodeId: string;
  blsPublicKey: string;
  proofOfPossession: string;
  /**
   * The stake, nAVAX/wei, as a decimal string. A safe integer number is still accepted: clients
   * written before weights were strings send one, and the histories of their runs replay it.
   */
  weight: string | number;
  /** PEM staker certificate (public); when given, the NodeID must be derived from it. */
  certificatePem?: string;
}

export interface Ratification {
  nodeId: string;
  /** BLS signature (96 bytes, 0x hex) over the genesis sha256. */
  signature: string;
}

export interface StepConfirmation {
  step: ManualStep;
  operator: string;
}

/** What the prepare steps produced (see Prepared), and the launch when there was one. */
export interface RegenesisCompleted extends Prepared {
  status: 'Completed';
  runKey: string;
  artifactsDir: string;
  /** Present when the plan had a launch section and the run passed its commit point. */
  launch?: LaunchOutcome;
}

export interface RegenesisRolledBack {
  status: 'RolledBack';
  runKey: string;
  failedPhase: Phase;
  reason: string;
  compensations: string[];
}

/** A rollback in which some compensation failed after its retries: the old network may not be whole. */
export interface RegenesisRollbackIncomplete extends Omit<RegenesisRolledBack, 'status'> {
  status: 'RollbackIncomplete';
  /** What did not finish, and why: the steps an operator must still take by hand. */
  failedCompensations: Array<{ name: string; error: string }>;
  /** Compensations not run because the restore did not finish: the export and genesis they would discard are kept. */
  kept?: string[];
}

export type RegenesisResult = RegenesisCompleted | RegenesisRolledBack | RegenesisRollbackIncomplete;

export interface LaunchOutcome {
  approvers: string[];
  /** Weights as decimal strings (runs completed before weights were exact returned numbers for declared validators). */
  ratification: { signers: string[]; signedWeight: string | number; totalWeight: string | number; aggregateSignature: string };
  /** With the agents operator: every new node, its API and how many peers it had connected. */
  newNetwork: {
    rpcUrl?: string;
    block0Root?: string;
    nodes?: Array<{ nodeId: string; uri: string; peers: number }>;
    /** The transfers the new network accepted before the commit point (agents operator). */
    transfers?: { cChain: { txHash: string; block: number }; xChain: { txID: string } };
  };
  postVerify: { ok: boolean; mismatches: string[] };
  /** A two-stage run: where the old network stopped, the delta since stage 1 and the downtime. */
  finalStage?: FinalStageStatus;
  /** Agents operator, after the commit point: the old validators whose agents will never resume them. */
  oldNetworkRetired?: OldNetworkRetired;
}

/** The old validators retired after the commit point, and those whose agent did not answer (retire by hand). */
export interface OldNetworkRetired {
  retired: string[];
  notRetired: Array<{ nodeId: string; reason: string }>;
}

/** What the prepare steps (LP-326 steps 1–7) produced. */
export interface Prepared {
  freeze: FreezePoint;
  exports: PartitionManifest[];
  genesis: GenesisManifest;
  verification: VerificationReport;
  rehearsal?: RehearsalReport;
  report: PublishedReport;
  /** With plan.chains.P: the P-Chain export, pinned to the epoch's P-Chain height. */
  pChain?: PChainExport;
  /** With plan.chains.X: the X-Chain export, pinned likewise. */
  xChain?: XChainExport;
  /** With plan.chains.P.discoverAddresses: the owners found on the chains. */
  discoveredAddresses?: DiscoveredAddresses;
  /** With plan.chains.Q (luxd): the Q-Chain export, pinned likewise. */
  qChain?: QChainExportManifest;
  /** With plan.genesis.primary: the new network's primary genesis around the C-Chain genesis. */
  primaryGenesis?: PrimaryGenesisManifest;
  /** With the agents operator: each genesis staker's agent as it identified itself at preflight. */
  agents?: AgentIdentity[];
  /**
   * Where these files are in the artifact store when it is not the run key's directory: the final
   * stage of a two-stage run writes its own (`<runKey>.final`), so stage 1 stays as approved.
   */
  artifactsKey?: string;
  /** A two-stage run: the old network's validator set at preflight, each with an agent that answered. */
  oldValidators?: string[];
}
