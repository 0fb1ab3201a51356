import type { WorkflowHandle } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { statusQuery, type Phase } from '../../workflows/messages.js';

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
