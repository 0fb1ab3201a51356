import { setHandler, workflowInfo } from '@temporalio/workflow';
import { failure } from '../src/contract/failures.js';
import { keys } from './activities.js';
import { abortSignal, approveUpdate, confirmStepUpdate, ratifyUpdate, registerValidatorUpdate, rollbackUpdate, statusQuery } from './messages.js';
import { ratificationNetworkId } from '../src/plan/index.js';
import type { RegenesisRun } from './state.js';

/**
 * Human control of a run: status, abort, rollback, approvals, validator registration, ratification
 * and manual-step confirmations. Each update's validator refuses what the run cannot take (the
 * caller gets the reason and nothing is recorded in history); the handler then records it.
 */
export function installHandlers(run: RegenesisRun): void {
  const { status } = run;
  setHandler(statusQuery, () => status);

  setHandler(abortSignal, (reason: string) => {
    if (!status.committed) run.stop(`aborted: ${reason || 'no reason given'}`);
  });

  setHandler(
    rollbackUpdate,
    (reason: string) => {
      run.stop(`rollback requested: ${reason}`);
      return { accepted: true as const };
    },
    { validator: (reason) => run.checkRollback(reason) },
  );

  setHandler(
    approveUpdate,
    async (approval) => {
      if (run.signedApprovals) {
        // The signature covers this run and this genesis: an approval from another run or genesis fails here.
        const ok = await keys.verifyApproval({
          publicKey: run.approverKeyOf(approval.approver).publicKey,
          workflowId: workflowInfo().workflowId,
          runKey: run.runKey,
          genesisSha256: approval.genesisSha256,
          signature: approval.signature!,
        });
        if (!ok) throw failure('InvalidSignature', `signature: does not verify for approver ${approval.approver} over this run's genesis`);
      }
      return run.approve(approval);
    },
    { validator: (approval) => run.checkApproval(approval) },
  );

  setHandler(
    registerValidatorUpdate,
    async (registration) => {
      // Proof of possession and certificate checks need the BLS library: an activity, not workflow code.
      await keys.verifyValidatorKeys({ ...registration, dialect: run.dialect });
      return run.register(registration);
    },
    { validator: (registration) => run.checkRegistration(registration) },
  );

  setHandler(
    ratifyUpdate,
    async (ratification) => {
      const ok = await keys.verifyRatification({
        genesisSha256: status.genesisSha256!,
        networkId: ratificationNetworkId(run.plan),
        blsPublicKey: run.validatorOf(ratification.nodeId).blsPublicKey,
        signature: ratification.signature,
        dialect: run.dialect,
      });
      if (!ok)
        throw failure(
          'InvalidSignature',
          `signature: does not verify for ${ratification.nodeId} as a ratification of the genesis for network ${ratificationNetworkId(run.plan)}`,
        );
      return run.recordSignature(ratification);
    },
    { validator: (ratification) => run.checkRatification(ratification) },
  );

  setHandler(confirmStepUpdate, (confirmation) => run.confirm(confirmation), {
    validator: (confirmation) => run.checkConfirmation(confirmation),
  });
}
