import type { WorkflowHandle } from '@temporalio/client';
import type { Approval } from '../contract/run.js';
import { approvalMessage, approverPublicKey, newApproverSecret, signApproval } from '../keys/approverKey.js';
import { statusQuery } from '../../workflows/messages.js';

/**
 * An approval as `regenesis approve --key-file` makes it: signed over the run (its workflow ID
 * and run key, read from the run) and the genesis. The demos and tests play approvers with this.
 */
export async function signedApproval(handle: WorkflowHandle, approver: string, secret: string, genesisSha256?: string): Promise<Approval> {
  const status = await handle.query(statusQuery);
  const sha = genesisSha256 ?? status.genesisSha256;
  if (!sha || !status.runKey) throw new Error(`${handle.workflowId} has no genesis to approve yet`);
  const message = approvalMessage({ workflowId: handle.workflowId, runKey: status.runKey, genesisSha256: sha });
  return { approver, genesisSha256: sha, signature: signApproval(secret, message) };
}

/** A demo's approver: a fresh key pair, its plan entry, and its approvals. */
export function demoApprover(name: string) {
  const secret = newApproverSecret('ed25519');
  return {
    entry: { name, publicKey: approverPublicKey(secret) },
    approval: (handle: WorkflowHandle, genesisSha256?: string) => signedApproval(handle, name, secret, genesisSha256),
  };
}
