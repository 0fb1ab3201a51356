import { CancellationScope, patched } from '@temporalio/workflow';
import { PATCHES } from './patches.js';

export interface CompensationOutcome {
  /** Compensations that finished, in the order run. */
  ran: string[];
  /** Compensations that failed after their retries, with why: what an operator must still do. */
  failed: Array<{ name: string; error: string }>;
  /** Compensations not run because an earlier one failed: what they would discard is the way forward. */
  kept: string[];
}

interface Step {
  name: string;
  run: () => Promise<unknown>;
  /** Runs only while every compensation before it (in rollback order) finished. */
  onlyOnceRestored: boolean;
}

/**
 * The rollback branch: each step with effects registers how to undo itself; on failure, abort or
 * rollback the compensations run in reverse, in a non-cancellable scope so a cancelled run still
 * restores the old network. Past the commit point there is nothing left to undo.
 */
export class Saga {
  private readonly steps: Step[] = [];
  private committed = false;

  /**
   * `onlyOnceRestored`: for a compensation that discards what a failed restore still needs (the
   * export and genesis are the way forward when the old network could not be resumed).
   */
  add(name: string, run: () => Promise<unknown>, options: { onlyOnceRestored?: boolean } = {}): void {
    if (this.committed) throw new Error(`compensation ${name} registered after the commit point`);
    this.steps.push({ name, run, onlyOnceRestored: options.onlyOnceRestored ?? false });
  }

  get size(): number {
    return this.steps.length;
  }

  commit(): void {
    this.committed = true;
    this.steps.length = 0;
  }

  /**
   * Runs every registered compensation in reverse. Each one is attempted even when an earlier one
   * failed (a new network that would not stop must not keep the old one from being resumed),
   * except those that would discard what an incomplete restore still needs. Those run last, after
   * every restoring compensation, whenever they were registered: the final stage's export is
   * registered after the halt, and must outlive a resume of the old network that fails.
   */
  async compensate(): Promise<CompensationOutcome> {
    const outcome: CompensationOutcome = { ran: [], failed: [], kept: [] };
    const attemptEvery = patched(PATCHES.sagaAttemptsEveryCompensation.id);
    await CancellationScope.nonCancellable(async () => {
      for (const step of this.rollbackOrder()) {
        if (step.onlyOnceRestored && outcome.failed.length > 0 && patched(PATCHES.sagaKeepsArtifactsUnlessRestored.id)) {
          outcome.kept.push(step.name);
          continue;
        }
        if (!attemptEvery) {
          await step.run();
          outcome.ran.push(step.name);
          continue;
        }
        try {
          await step.run();
          outcome.ran.push(step.name);
        } catch (err) {
          outcome.failed.push({ name: step.name, error: innermostMessage(err) });
        }
      }
    });
    this.steps.length = 0;
    return outcome;
  }

  /** Reverse registration order; for runs that pass the marker, the discarding steps moved to the end. */
  private rollbackOrder(): Step[] {
    const reversed = [...this.steps].reverse();
    if (!reversed.some((s) => s.onlyOnceRestored) || !patched(PATCHES.sagaDiscardsLast.id)) return reversed;
    return [...reversed.filter((s) => !s.onlyOnceRestored), ...reversed.filter((s) => s.onlyOnceRestored)];
  }
}

/** Activity failures wrap the activity's own error: the innermost message says what. */
export function innermostMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(err);
}
