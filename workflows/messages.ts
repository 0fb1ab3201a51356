import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { FreezePoint } from '../src/manifests.js';
import type { Prepared } from './prepare.js';

/** Every message a regenesis run answers to, in one place (queries, signals; updates come here too). */

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
  epoch?: { target: number | null; current: number | null; headHeight: number | null };
  freeze?: FreezePoint;
  chains: Record<string, ChainProgress>;
  artifacts: string[];
  abortReason?: string;
  /** The genesis awaiting approval and ratification, once written. */
  genesisSha256?: string;
  approvals?: { required: number; approvers: string[]; deadline?: string };
  /** Weights are numbers for declared validators, decimal strings (nAVAX, exact) for genesis stakers. */
  ratification?: { totalWeight: number | string; signedWeight: number | string; signers: string[]; threshold: string; deadline?: string };
  validators?: Array<{ nodeId: string; weight: number }>;
  /** A manual operator step waiting for confirmation: what to do, in words. */
  pendingStep?: { step: ManualStep; instruction: string };
  /** What the run is waiting for when no human is asked to act (e.g. the genesis start time). */
  waitingFor?: string;
  stepsDone: string[];
  committed: boolean;
}

export type ManualStep = 'halt-old-network' | 'install-genesis' | 'boot-new-network' | 'stop-new-network' | 'resume-old-network';

export interface Approval {
  approver: string;
  /** The sha256 of the genesis being approved; a stale hash is rejected. */
  genesisSha256: string;
}

export interface ValidatorRegistration {
  nodeId: string;
  blsPublicKey: string;
  proofOfPossession: string;
  weight: number;
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
}

export type RegenesisResult = RegenesisCompleted | RegenesisRolledBack | RegenesisRollbackIncomplete;

export interface LaunchOutcome {
  approvers: string[];
  ratification: { signers: string[]; signedWeight: number | string; totalWeight: number | string; aggregateSignature: string };
  /** With the agents operator: every new node, its API and how many peers it had connected. */
  newNetwork: {
    rpcUrl?: string;
    block0Root?: string;
    nodes?: Array<{ nodeId: string; uri: string; peers: number }>;
    /** The transfers the new network accepted before the commit point (agents operator). */
    transfers?: { cChain: { txHash: string; block: number }; xChain: { txID: string } };
  };
  postVerify: { ok: boolean; mismatches: string[] };
}

export const statusQuery = defineQuery<RegenesisStatus>('status');
export const abortSignal = defineSignal<[reason: string]>('abort');

export const approveUpdate = defineUpdate<{ approvals: number; required: number }, [Approval]>('approve');
export const registerValidatorUpdate = defineUpdate<{ validators: number }, [ValidatorRegistration]>('registerValidator');
export const ratifyUpdate = defineUpdate<{ signedWeight: number | string; totalWeight: number | string }, [Ratification]>('ratify');
export const confirmStepUpdate = defineUpdate<{ confirmed: ManualStep }, [StepConfirmation]>('confirmStep');
export const rollbackUpdate = defineUpdate<{ accepted: true }, [reason: string]>('rollback');

/** Typed search attributes: make runs findable in the Web UI's list (registered by the worker). */
export const searchAttributes = {
  network: defineSearchAttributeKey('RegenesisNetwork', SearchAttributeType.KEYWORD),
  phase: defineSearchAttributeKey('RegenesisPhase', SearchAttributeType.KEYWORD),
  kind: defineSearchAttributeKey('RegenesisKind', SearchAttributeType.KEYWORD),
};
