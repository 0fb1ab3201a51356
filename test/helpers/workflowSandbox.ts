/**
 * Workflow code run outside Temporal's sandbox, with the few workflow APIs it calls standing in:
 * every activity call is recorded with its input, handlers are kept to be invoked directly, and
 * waits are already satisfied. That is enough to drive a run's state, its message handlers and its
 * steps from a unit test. In the test file:
 *
 *   vi.mock('@temporalio/workflow', async (importOriginal) => (await import('../helpers/workflowSandbox.js')).standInWorkflowApi(importOriginal));
 *
 * This module must not import '@temporalio/workflow' itself: that is the module it stands in for.
 */
export const sandbox = {
  calls: [] as Array<{ activity: string; input: Record<string, unknown> }>,
  handlers: new Map<string, (...args: unknown[]) => unknown>(),
  /** What an activity returns; an activity without an answer ends the step under test. */
  answers: {} as Record<string, (input: Record<string, unknown>) => unknown>,
  /**
   * Off (the default): every wait is already satisfied. On: a wait answers its predicate as it
   * stands, so one nobody satisfies times out at once, as it would at its deadline.
   */
  evaluateConditions: false,
};

export function resetSandbox(answers: typeof sandbox.answers = {}): void {
  sandbox.calls.length = 0;
  sandbox.handlers.clear();
  sandbox.answers = answers;
  sandbox.evaluateConditions = false;
}

export async function standInWorkflowApi(importOriginal: () => Promise<unknown>): Promise<Record<string, unknown>> {
  const real = (await importOriginal()) as Record<string, unknown>;
  const activity = (name: string) => async (input: Record<string, unknown>) => {
    sandbox.calls.push({ activity: name, input });
    const answer = sandbox.answers[name];
    if (!answer) throw new Error(`step ended at ${name}`);
    return answer(input);
  };
  return {
    ...real,
    proxyActivities: () => new Proxy({}, { get: (_, name) => activity(String(name)) }),
    setHandler: (definition: { name: string }, handler: (...args: unknown[]) => unknown) => void sandbox.handlers.set(definition.name, handler),
    condition: async (predicate?: () => boolean) => (sandbox.evaluateConditions && predicate ? predicate() : true),
    // A run under test is a new run: it takes every patched path.
    patched: () => true,
    sleep: async () => undefined,
    upsertSearchAttributes: () => undefined,
    setCurrentDetails: () => undefined,
    workflowInfo: () => ({ workflowId: 'run-under-test' }),
    CancellationScope: class {
      static nonCancellable<T>(fn: () => Promise<T>): Promise<T> {
        return fn();
      }
      cancel(): void {}
    },
  };
}
