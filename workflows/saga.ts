import { CancellationScope, patched } from '@temporalio/workflow';

export interface CompensationOutcome {
  /** Compensations that finished, in the order run. */
  ran: string[];
  /** Compensations that failed after their retries, with why: what an operator must still do. */
  failed: Array<{ name: string; error: string }>;
}

/**
 * The rollback branch: each step with effects registers how to undo itself; on failure, abort or
 * rollback the compensations run in reverse, in a non-cancellable scope so a cancelled run still
 * restores the old network. Past the commit point there is nothing left to undo.
 */
export class Saga {
  private readonly steps: Array<{ name: string; run: () => Promise<unknown> }> = [];
  private committed = false;

  add(name: string, run: () => Promise<unknown>): void {
    if (this.committed) throw new Error(`compensation ${name} registered after the commit point`);
    this.steps.push({ name, run });
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
   * failed: a new network that would not stop must not keep the old one from being resumed.
   */
  async compensate(): Promise<CompensationOutcome> {
    const outcome: CompensationOutcome = { ran: [], failed: [] };
    const attemptEvery = patched('saga-attempts-every-compensation');
    await CancellationScope.nonCancellable(async () => {
      for (const step of [...this.steps].reverse()) {
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
}

/** Activity failures wrap the activity's own error: the innermost message says what. */
export function innermostMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(err);
}
