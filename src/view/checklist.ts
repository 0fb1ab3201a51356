import type { Phase, RegenesisStatus } from '../contract/run.js';

export type Mark = '✓' | '▶' | '·' | '✗';

const ROLLBACK_PHASES: readonly Phase[] = ['rolling-back', 'rolled-back', 'rollback-incomplete'];

/**
 * The run's checklist with a mark per phase: ✓ done, ▶ now, · still to come, ✗ where a rollback
 * started; then the rollback's own phase when there is one. The CLI and the Web UI details both
 * draw this, so the two never disagree about where a run is.
 */
export function checklistOf(status: RegenesisStatus): { marks: Array<{ phase: Phase; mark: Mark }>; rollback?: { phase: Phase; mark: Mark } } {
  const entered = status.entered ?? [status.phase];
  const checklist = status.checklist ?? [status.phase];
  const rolledBack = ROLLBACK_PHASES.includes(status.phase);
  // The phase a rollback started from: the last one of the checklist the run had entered.
  const failedAt = rolledBack ? [...entered].reverse().find((p) => checklist.includes(p)) : undefined;
  const marks = checklist.map((phase): { phase: Phase; mark: Mark } => {
    if (phase === failedAt) return { phase, mark: '✗' };
    if (phase === status.phase && phase !== 'completed') return { phase, mark: '▶' };
    return { phase, mark: entered.includes(phase) ? '✓' : '·' };
  });
  if (!rolledBack) return { marks };
  return { marks, rollback: { phase: status.phase, mark: status.phase === 'rolling-back' ? '▶' : '✓' } };
}
