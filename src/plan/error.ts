/** One mistake in a plan: the field it is in (`plan.chains.C.rpcUrl`) and why it is refused. */
export interface PlanIssue {
  field: string;
  message: string;
}

/**
 * A refused plan. `issues` lists every mistake found, so the Web UI can mark each field; the
 * message names each one as `field: reason`, so a log line or a terminal shows them all at once.
 */
export class PlanError extends Error {
  constructor(
    message: string,
    readonly issues: PlanIssue[],
  ) {
    super(message);
    this.name = 'PlanError';
  }

  /** The error for issues found together: one message that repeats none and leaves none out. */
  static of(issues: PlanIssue[]): PlanError {
    return new PlanError(issues.map((i) => `${i.field}: ${i.message}`).join('; '), issues);
  }
}
