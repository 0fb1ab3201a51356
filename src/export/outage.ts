import { setTimeout as sleep } from 'node:timers/promises';
import { redactUrl } from '../chains/evm/rpc.js';

export const DEFAULT_MAX_OUTAGE_SECONDS = 600;

/** The source node has been unreachable or failing for longer than the plan allows. */
export class NodeUnreachableError extends Error {
  override readonly name = 'NodeUnreachableError';
}

/**
 * Times a source node's outage within one export attempt: transport failures are waited out with
 * backoff (reporting liveness, so the worker is not taken for dead) until the node has failed for
 * longer than the plan allows; then NodeUnreachableError names the node, so the run stops and rolls
 * back instead of retrying for as long as the activity's retry policy would.
 */
export class OutageClock {
  private since: number | undefined;
  private failures = 0;

  constructor(
    private readonly endpoint: string,
    private readonly maxOutageMs: number,
  ) {}

  recovered(): void {
    this.since = undefined;
    this.failures = 0;
  }

  async waitOrGiveUp(err: Error, alive: () => void, signal?: AbortSignal): Promise<void> {
    const now = Date.now();
    this.since ??= now;
    this.failures += 1;
    const down = now - this.since;
    if (down >= this.maxOutageMs) {
      throw new NodeUnreachableError(
        `source node ${redactUrl(this.endpoint)} unreachable or failing for ${Math.round(down / 1000)} s ` +
          `(${this.failures} failed reads, limit ${Math.round(this.maxOutageMs / 1000)} s); last error: ${err.message}`,
      );
    }
    alive();
    const backoff = Math.min(250 * 2 ** (this.failures - 1), 10_000, this.maxOutageMs - down);
    await sleep(backoff, undefined, { signal }).catch(() => undefined);
  }
}
