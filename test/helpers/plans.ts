import type { PlanInput } from '../../src/plan/index.js';
import { approvers, type TestApprover } from './approvers.js';

/**
 * What a test states about its plan: any part of it, at any depth. Loose on purpose: a test of a
 * refusal writes the wrong value or leaves a required one out (`undefined` removes a field).
 */
export type PlanOverrides = { [field: string]: unknown };

/**
 * The smallest plan every run accepts: one EVM chain, the current epoch, a start time an hour after
 * the freeze. Each test states only what it is about on top of it.
 */
const BASE: PlanOverrides = {
  name: 'plan',
  chains: { C: { rpcUrl: 'http://127.0.0.1:8545' } },
  target: { epoch: 'current' },
  genesis: { chainId: 7777, startTime: { afterFreezeSeconds: 3600 } },
};

/**
 * Fields whose value is one of several shapes (an epoch or a height, a unix time or a relative one,
 * one operator or another): an override replaces them whole, since merging two shapes makes neither.
 */
const REPLACED = new Set(['target', 'genesis.startTime', 'launch.operator']);

/**
 * A plan: the base with `layers` merged over it in order (objects field by field, anything else
 * replaced). The base is copied, so a test that edits its plan in place leaves the next one's alone.
 */
export function planFor(...layers: PlanOverrides[]): PlanInput {
  return layers.reduce((plan, layer) => merge(plan, layer, ''), structuredClone(BASE)) as unknown as PlanInput;
}

/** `over` merged into `base`, recursively for plain objects outside REPLACED; `undefined` drops the field. */
function merge(base: PlanOverrides, over: PlanOverrides, path: string): PlanOverrides {
  const out: PlanOverrides = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const at = path ? `${path}.${key}` : key;
    if (value === undefined) delete out[key];
    else if (isObject(value) && isObject(out[key]) && !REPLACED.has(at)) out[key] = merge(out[key], value, at);
    else out[key] = value;
  }
  return out;
}

/** Plain data objects merge; arrays, strings and numbers are values a test replaces. */
function isObject(value: unknown): value is PlanOverrides {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A launch by the `local` operator on `network`, by one validator after one approval: the launch
 * the crash, fault and UI tests drive, as a layer for `planFor`.
 */
export function localLaunch(network: string, validator: PlanOverrides, approver: TestApprover = 'alice'): PlanOverrides {
  return { launch: { operator: { kind: 'local', network }, approvals: { required: 1, approvers: approvers(approver) }, validators: [validator] } };
}
