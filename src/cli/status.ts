import type { WorkflowHandle } from '@temporalio/client';
import { readinessLines } from '../view/details.js';
import { nextStep } from '../view/nextStep.js';
import { renderRun } from './progress.js';
import { readSnapshot } from './snapshot.js';

/**
 * `regenesis status`: the run in a few readable lines (the same view `watch` draws), followed by
 * its artifacts; `--json` prints the raw status with the pending step and its commands.
 */
export async function printStatus(handle: WorkflowHandle, workflowId: string, options: { json: boolean }): Promise<void> {
  const snapshot = await readSnapshot(handle, workflowId);
  if (options.json) {
    const step = snapshot.status ? nextStep(workflowId, snapshot.status) : undefined;
    console.log(JSON.stringify({ workflowId, execution: snapshot.execution, status: snapshot.status, partitions: snapshot.partitions, nextStep: step }));
    return;
  }
  const lines = renderRun(snapshot);
  const status = snapshot.status;
  if (status?.genesisSha256) lines.push(`  genesis sha256: ${status.genesisSha256}`);
  if (status?.reviewPage) lines.push(`  review page: ${status.reviewPage}`);
  if (status?.launchReadiness) lines.push(...readinessLines(status.launchReadiness).map((l) => `  ${l}`));
  if (status?.artifacts.length) lines.push(`  artifacts (${status.artifacts.length}):`, ...status.artifacts.map((a) => `    ${a}`));
  if (!status && snapshot.execution !== 'RUNNING') lines.push(`  the run has ended; \`regenesis watch ${workflowId}\` prints its result`);
  console.log(lines.join('\n'));
}
