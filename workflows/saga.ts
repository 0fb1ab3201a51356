import { CancellationScope } from '@temporalio/workflow';

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

  /** Runs every registered compensation in reverse and returns their names in the order run. */
  async compensate(): Promise<string[]> {
    const ran: string[] = [];
    await CancellationScope.nonCancellable(async () => {
      for (const step of [...this.steps].reverse()) {
        await step.run();
        ran.push(step.name);
      }
    });
    this.steps.length = 0;
    return ran;
  }
}
