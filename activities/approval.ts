import { failure } from '../src/contract/failures.js';
import { approvalMessage, verifyApproval } from '../src/keys/approverKey.js';

/** Signature checks of approvals: curve arithmetic stays out of workflow code. */
export function approvalActivities() {
  return {
    /** Whether `signature` is the approver's over this run's approval message; a malformed key is the plan's fault. */
    async verifyApproval(input: { publicKey: string; workflowId: string; runKey: string; genesisSha256: string; signature: string }): Promise<boolean> {
      const message = approvalMessage(input);
      try {
        return verifyApproval(input.publicKey, message, input.signature);
      } catch (err) {
        throw failure('InvalidPlan', `plan.launch.approvals.approvers: ${(err as Error).message}`);
      }
    },
  };
}
