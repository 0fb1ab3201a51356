import type { Plan } from './schema.js';

export interface ApproverKey {
  name: string;
  publicKey: string;
}

/** The plan's approvers that carry a public key. */
export function approverKeys(plan: Plan): ApproverKey[] {
  return (plan.launch?.approvals.approvers ?? []).filter((a): a is ApproverKey => typeof a === 'object');
}

/**
 * A launch is approved by signatures, so the plan must say whose: every approver with a key, names
 * and keys distinct, enough of them to reach `required`. Returns `field: reason`, or undefined.
 */
export function approverKeysIssue(plan: Plan): string | undefined {
  const approvals = plan.launch?.approvals;
  if (!approvals) return undefined;
  const field = 'plan.launch.approvals.approvers';
  const listed = approvals.approvers ?? [];
  if (listed.length === 0) return `${field}: a launch needs its approvers with their public keys ([{ "name", "publicKey" }]): approvals are signed`;
  const bare = listed.findIndex((a) => typeof a === 'string');
  if (bare >= 0) return `${field}.${bare}: ${String(listed[bare])} has no public key: approvals are signed, give { "name", "publicKey" }`;
  const keys = approverKeys(plan);
  const names = new Set(keys.map((k) => k.name));
  if (names.size !== keys.length) return `${field}: an approver is listed twice`;
  if (new Set(keys.map((k) => k.publicKey.toLowerCase())).size !== keys.length) return `${field}: two approvers share a public key`;
  if (keys.length < approvals.required) return `${field}: ${keys.length} approvers cannot give the ${approvals.required} approvals required`;
  return undefined;
}
