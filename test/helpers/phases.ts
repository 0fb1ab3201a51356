import type { WorkflowHandle } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { ratificationMessage } from '../../src/keys/ratificationMessage.js';
import { approveUpdate, ratifyUpdate, statusQuery, type Phase, type RegenesisStatus } from '../../workflows/messages.js';
import { approval, type TestApprover } from './approvers.js';

/** Polls the status query until the run is in `phase`; fails fast if the run ends first. */
export async function untilPhase(handle: WorkflowHandle, phase: Phase, timeoutMs = 180_000): Promise<RegenesisStatus> {
  return untilStatus(handle, `phase ${phase}`, (status) => status.phase === phase, timeoutMs);
}

/**
 * Polls the status query until `ready` holds, and fails with what it waited for and where the run
 * was when the deadline passes or the run ends first: a stuck run fails its test in minutes, with a
 * reason, instead of burning the whole test timeout.
 */
export async function untilStatus(
  handle: WorkflowHandle,
  what: string,
  ready: (status: RegenesisStatus) => boolean,
  timeoutMs = 180_000,
): Promise<RegenesisStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A query fails while no worker is there to answer it (e.g. just after a test killed one).
    const status = await handle.query(statusQuery).catch((err: unknown) => {
      if (Date.now() > deadline) throw new Error(`${handle.workflowId} did not answer its status query, waiting for ${what}: ${String(err)}`);
      return undefined;
    });
    if (!status) continue;
    if (ready(status)) return status;
    if (status.phase === 'rolled-back' || status.phase === 'rollback-incomplete' || status.phase === 'completed') {
      throw new Error(`${handle.workflowId} ended in ${status.phase}${status.abortReason ? ` (${status.abortReason})` : ''} before ${what}`);
    }
    if (Date.now() > deadline) throw new Error(`${handle.workflowId} still in ${status.phase} after ${timeoutMs / 1000}s, waiting for ${what}`);
    await sleep(200);
  }
}

/** Plays the approver and one validator: approve the run's genesis, then ratify it with `signer`'s BLS key. */
export async function approveAndRatify(
  handle: WorkflowHandle,
  signer: { nodeId: string; sign(message: Uint8Array): string },
  approver: TestApprover = 'alice',
): Promise<void> {
  await untilPhase(handle, 'approve');
  const { genesisSha256 } = await handle.query(statusQuery);
  await handle.executeUpdate(approveUpdate, { args: [await approval(handle, approver)] });
  const ratifying = await untilPhase(handle, 'ratify');
  await handle.executeUpdate(ratifyUpdate, { args: [{ nodeId: signer.nodeId, signature: signer.sign(ratificationOf({ ...ratifying, genesisSha256 })) }] });
}

/** The bytes a validator signs to ratify the genesis a run shows: the message of its network and sha256. */
export function ratificationOf(status: Pick<RegenesisStatus, 'genesisSha256' | 'ratification'>): Uint8Array {
  if (!status.genesisSha256 || status.ratification?.networkId === undefined) throw new Error('the run shows no genesis or network to ratify yet');
  return ratificationMessage(status.ratification.networkId, status.genesisSha256.replace(/^0x/, ''));
}
