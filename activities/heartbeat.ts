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

/**
 * Like `heartbeating`, for work with a cursor: every heartbeat carries the last cursor `work`
 * reported (starting from the one the previous attempt left), so the periodic beats never replace
 * the checkpoint with nothing and a retry reads it from `heartbeatDetails`.
 */
export async function heartbeatingCursor<C, T>(work: (resume: C | undefined, checkpoint: (cursor: C) => void) => Promise<T>, everyMs = 5_000): Promise<T> {
  const ctx = Context.current();
  let last = ctx.info.heartbeatDetails as C | undefined;
  const resume = last;
  ctx.heartbeat(last);
  const timer = setInterval(() => ctx.heartbeat(last), everyMs);
  try {
    return await work(resume, (cursor) => {
      last = cursor;
      ctx.heartbeat(cursor);
    });
  } finally {
    clearInterval(timer);
  }
}
