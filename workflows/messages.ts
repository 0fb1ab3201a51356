import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Approval, ManualStep, Ratification, RegenesisStatus, StepConfirmation, ValidatorRegistration } from '../src/contract/run.js';

export type * from '../src/contract/run.js';

/** Every message a regenesis run answers to, in one place (queries, signals; updates come here too). */

export const statusQuery = defineQuery<RegenesisStatus>('status');
export const abortSignal = defineSignal<[reason: string]>('abort');

export const approveUpdate = defineUpdate<{ approvals: number; required: number }, [Approval]>('approve');
export const registerValidatorUpdate = defineUpdate<{ validators: number }, [ValidatorRegistration]>('registerValidator');
export const ratifyUpdate = defineUpdate<{ signedWeight: string; totalWeight: string }, [Ratification]>('ratify');
export const confirmStepUpdate = defineUpdate<{ confirmed: ManualStep }, [StepConfirmation]>('confirmStep');
export const rollbackUpdate = defineUpdate<{ accepted: true }, [reason: string]>('rollback');

/** Typed search attributes: make runs findable in the Web UI's list (registered by the worker). */
export const searchAttributes = {
  network: defineSearchAttributeKey('RegenesisNetwork', SearchAttributeType.KEYWORD),
  phase: defineSearchAttributeKey('RegenesisPhase', SearchAttributeType.KEYWORD),
  kind: defineSearchAttributeKey('RegenesisKind', SearchAttributeType.KEYWORD),
};
