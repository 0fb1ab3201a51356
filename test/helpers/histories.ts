import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { toolPath } from '../../src/tools.js';
import type { RegenesisResult } from '../../workflows/messages.js';

/**
 * With REGENESIS_RECORD_HISTORIES=DIR (`npm run record-histories`), keeps a finished run's history
 * as a fixture of the replay test, named by outcome and test.
 */
export async function recordHistory(env: TestWorkflowEnvironment, handle: WorkflowHandle): Promise<void> {
  const dir = process.env.REGENESIS_RECORD_HISTORIES;
  if (!dir) return;
  const result = (await handle.result()) as RegenesisResult;
  mkdirSync(dir, { recursive: true });
  // The CLI's JSON is the history format Temporal's tools exchange (and historyFromJSON reads).
  const shown = spawnSync(toolPath('temporal'), ['workflow', 'show', '--workflow-id', handle.workflowId, '--address', env.address, '--output', 'json'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (shown.status !== 0) throw new Error(`temporal workflow show failed: ${shown.stderr}`);
  const test = (expect.getState().currentTestName ?? 'run')
    .split(' > ')
    .pop()!
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 60);
  const outcome = result.status === 'Completed' ? 'completed' : `rolled-back-${result.failedPhase}`;
  writeFileSync(join(dir, `${outcome}--${test}.json`), shown.stdout);
}
