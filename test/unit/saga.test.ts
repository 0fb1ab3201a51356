import { beforeEach, describe, expect, it, vi } from 'vitest';
import { resetSandbox } from '../helpers/workflowSandbox.js';

vi.mock('@temporalio/workflow', async (importOriginal) => (await import('../helpers/workflowSandbox.js')).standInWorkflowApi(importOriginal));
const { Saga } = await import('../../workflows/saga.js');

/**
 * The compensations of a two-stage agents launch, registered in the order the run registers them,
 * each recording that it ran; `failing` ones throw instead.
 */
function twoStageSaga(failing: ReadonlySet<string>) {
  const ran: string[] = [];
  const saga = new Saga();
  const step = (name: string, onlyOnceRestored = false) =>
    saga.add(
      name,
      async () => {
        ran.push(name);
        if (failing.has(name)) throw new Error(`${name} failed (injected)`);
      },
      { onlyOnceRestored },
    );
  step('discard-artifacts', true);
  step('stop-rehearsal');
  step('resume-old-network');
  step('discard-final-artifacts', true);
  step('stop-new-network');
  return { saga, ran };
}

describe('the rollback (workflows/saga.ts)', () => {
  beforeEach(() => resetSandbox());

  it('undoes in reverse, discarding artifacts only after every restoring compensation', async () => {
    const { saga, ran } = twoStageSaga(new Set());
    const outcome = await saga.compensate();
    expect(ran).toEqual(['stop-new-network', 'resume-old-network', 'stop-rehearsal', 'discard-final-artifacts', 'discard-artifacts']);
    expect(outcome).toEqual({ ran, failed: [], kept: [] });
  });

  it('keeps both exports when the old network could not be resumed: the final one is the halted state', async () => {
    const { saga, ran } = twoStageSaga(new Set(['resume-old-network']));
    const outcome = await saga.compensate();
    expect(ran).toEqual(['stop-new-network', 'resume-old-network', 'stop-rehearsal']);
    expect(outcome.failed).toEqual([{ name: 'resume-old-network', error: 'resume-old-network failed (injected)' }]);
    expect(outcome.kept).toEqual(['discard-final-artifacts', 'discard-artifacts']);
  });
});
