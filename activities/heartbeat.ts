import { Context } from '@temporalio/activity';

/**
 * Heartbeats while `work` runs. Long steps without a natural cursor (genesis pass, node start and
 * stop) still heartbeat, so a worker killed mid-step is noticed within the heartbeat timeout and
 * the step retried elsewhere, instead of waiting out its whole start-to-close timeout.
 */
export async function heartbeating<T>(work: () => Promise<T>, everyMs = 5_000): Promise<T> {
  const ctx = Context.current();
  ctx.heartbeat();
  const timer = setInterval(() => ctx.heartbeat(), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
