import type { RegenesisStatus } from '../contract/run.js';

/** What a run is waiting for a human to do, in words, and the exact command that does it. */
export interface NextStep {
  what: string;
  commands: string[];
}

/**
 * The pending human step of a run, from its status alone: the same text is printed by `status`
 * and `watch` and shown in the Web UI, so an operator never has to work out which message to send.
 */
export function nextStep(workflowId: string, status: RegenesisStatus): NextStep | undefined {
  const id = shellWord(workflowId);
  if (status.pendingStep) {
    return {
      what: `confirm the manual step ${status.pendingStep.step}: ${status.pendingStep.instruction}`,
      commands: [`regenesis confirm ${id} --step ${status.pendingStep.step} --operator <your name>`],
    };
  }
  if (status.phase === 'approve' && status.approvals && status.genesisSha256) {
    const { approvers, required, deadline } = status.approvals;
    return {
      what: `${status.reviewPage ? `review ${status.reviewPage}, then ` : ''}approve genesis ${status.genesisSha256} (${approvers.length} of ${required} approvals${deadline ? `, until ${deadline}` : ''})`,
      commands: [
        `regenesis approve ${id} --approver <your name> --genesis-sha256 ${status.genesisSha256} --key-file <your approver key>`,
        `regenesis abort ${id} --reason <why>`,
      ],
    };
  }
  if (status.phase === 'ratify' && status.ratification && status.genesisSha256 && status.ratification.collectedBy !== 'agents') {
    // Declared validators ratify by hand; a run migrated by agents collects its signatures itself.
    const r = status.ratification;
    // A signature under another family's DST does not verify: the command names the run's.
    const dialect = r.dialect ? ` --dialect ${r.dialect}` : '';
    return {
      what: `validators ratify genesis ${status.genesisSha256}: ${r.signedWeight} of ${r.totalWeight} signed, ${r.threshold} needed${r.deadline ? ` until ${r.deadline}` : ''}`,
      commands: [
        `regenesis sign --genesis-sha256 ${status.genesisSha256}${r.networkId === undefined ? '' : ` --network-id ${r.networkId}`} --signer-key-file <validator's signer.key>${dialect}`,
        `regenesis ratify ${id} --node-id <NodeID> --signature <the signature printed by sign>`,
      ],
    };
  }
  return undefined;
}

/** A workflow ID as one shell word: quoted only when it needs to be. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9._:@/+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
