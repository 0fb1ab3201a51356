import type { PlanIssue } from '../error.js';

/**
 * A rule kept by a shared checker that throws (the LP-018 chain-ID map, the network modes) as a
 * list of issues, so it is collected with the others instead of ending the parse. The checker's
 * message may already start with the field; it is said once.
 */
export function issuesThrownBy(field: string, check: () => unknown): PlanIssue[] {
  try {
    check();
    return [];
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const prefix = `${field}: `;
    return [{ field, message: message.startsWith(prefix) ? message.slice(prefix.length) : message }];
  }
}
