import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWorkflowBundle } from '../src/workflowBundle.js';

/**
 * Builds the workflow bundle once for the whole integration run: every test worker loads it
 * instead of bundling the workflow code again (webpack, several seconds of CPU each time).
 */
export default async function setup(): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'regenesis-test-bundle-'));
  const out = join(dir, 'workflow-bundle.js');
  await writeWorkflowBundle(out);
  process.env.REGENESIS_TEST_WORKFLOW_BUNDLE = out;
  return () => rmSync(dir, { recursive: true, force: true });
}
