import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { approvalMessage, parseApproverKey, verifyApproval } from '../keys/approverKey.js';

/**
 * The humans whose approval this host requires before its validator is halted: the agent's own
 * list, from a file on this host, never from the run. Without it, anyone who can schedule an
 * activity on the Temporal namespace could stop every validator; with it, a halt request must
 * carry signed approvals of that very run (workflow ID, run key) by enough of these keys.
 */
export interface HaltApprovers {
  required: number;
  approvers: Array<{ name: string; publicKey: string }>;
}

const fileSchema = z.strictObject({
  required: z.number().int().min(1),
  approvers: z.array(z.strictObject({ name: z.string().min(1), publicKey: z.string().min(1) })).min(1),
});

/** Reads and checks the approver file; every problem names the file and the field. */
export function readHaltApprovers(path: string): HaltApprovers {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`approver keys file ${path}: ${(err as Error).message}`);
  }
  const result = fileSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`approver keys file ${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const { required, approvers } = result.data;
  for (const [i, a] of approvers.entries()) parseApproverKey(a.publicKey, `approver keys file ${path}: approvers.${i}.publicKey`, 'public');
  if (new Set(approvers.map((a) => a.name)).size !== approvers.length) throw new Error(`approver keys file ${path}: approvers: a name is listed twice`);
  if (required > approvers.length) throw new Error(`approver keys file ${path}: required: ${required} is more than the ${approvers.length} approvers listed`);
  return { required, approvers };
}

/** An approval as the run kept it: who, of which genesis, and the signature. */
export interface CarriedApproval {
  approver: string;
  genesisSha256: string;
  signature?: string;
}

/**
 * The names of this host's approvers whose signature over this run is among `carried`: each
 * counted once, by the key this host lists for the name, never by anything the request says.
 */
export function approvedBy(list: HaltApprovers, run: { workflowId: string; runKey: string }, carried: readonly CarriedApproval[]): string[] {
  const valid = new Set<string>();
  for (const approval of carried) {
    const known = list.approvers.find((a) => a.name === approval.approver);
    if (!known || !approval.signature) continue;
    if (verifyApproval(known.publicKey, approvalMessage({ ...run, genesisSha256: approval.genesisSha256 }), approval.signature)) valid.add(known.name);
  }
  return [...valid];
}

export class HaltNotApprovedError extends Error {
  override readonly name = 'HaltNotApprovedError';
}

/** Refuses a halt that fewer than the required number of this host's approvers signed. */
export function assertHaltApproved(list: HaltApprovers | undefined, run: { workflowId: string; runKey: string }, carried: readonly CarriedApproval[]): void {
  if (!list) return;
  const by = approvedBy(list, run, carried);
  if (by.length >= list.required) return;
  throw new HaltNotApprovedError(
    `this host halts its validator only for a run approved by ${list.required} of its approvers (${list.approvers.map((a) => a.name).join(', ')}); ` +
      `workflow ${run.workflowId} run ${run.runKey} carries ${by.length} valid approval${by.length === 1 ? '' : 's'}${by.length > 0 ? ` (${by.join(', ')})` : ''}`,
  );
}
