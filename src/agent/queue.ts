/**
 * Every validator host runs one agent, polling a task queue of its own named from its NodeID
 * (Temporal's worker-specific task queue pattern): an activity scheduled there can only run on that
 * host, next to that validator's keys and node. Plain data only: workflows import it.
 */
export function agentTaskQueue(nodeId: string): string {
  return `regenesis-agent-${nodeId}`;
}
