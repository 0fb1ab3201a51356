import type { WorkflowHandle } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { hexToBytes } from '../../src/state/hex.js';
import { approveUpdate, ratifyUpdate, statusQuery, type Phase } from '../../workflows/messages.js';
import { approval, type TestApprover } from './approvers.js';

/** Polls the status query until the run is in `phase`; fails fast if the run ends first. */
export async function untilPhase(handle: WorkflowHandle, phase: Phase, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await handle.query(statusQuery);
    if (status.phase === phase) return;
    if (status.phase === 'rolled-back' || status.phase === 'completed') throw new Error(`run ended in ${status.phase} before ${phase}`);
    if (Date.now() > deadline) throw new Error(`still in ${status.phase}, waiting for ${phase}`);
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
  await untilPhase(handle, 'ratify');
  await handle.executeUpdate(ratifyUpdate, { args: [{ nodeId: signer.nodeId, signature: signer.sign(hexToBytes(genesisSha256!)) }] });
}
