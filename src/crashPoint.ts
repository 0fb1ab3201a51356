import { rename } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Named places inside activities where a crash test can stop a worker on purpose, so that a kill
 * lands at that exact point every time instead of depending on a poll catching a short window.
 *
 * Off unless the worker's environment names a directory in `REGENESIS_CRASH_POINTS`. There, a
 * point is armed by a file `<name>.armed`; the first attempt to reach it renames the file to
 * `<name>.reached` (so exactly one attempt, on one worker, ever stops there) and then holds,
 * heartbeats still going, until the test kills the process. A retried attempt passes straight on.
 */
export const CRASH_POINTS_ENV = 'REGENESIS_CRASH_POINTS';

export type CrashPointName =
  | 'genesis-started'
  | 'genesis-partly-written'
  | 'verify-started'
  | 'verify-samples-written'
  | 'rehearse-datadir-initialised'
  | 'rehearse-node-started';

export async function crashPoint(name: CrashPointName): Promise<void> {
  const dir = process.env[CRASH_POINTS_ENV];
  if (!dir) return;
  try {
    await rename(join(dir, `${name}.armed`), join(dir, `${name}.reached`));
  } catch {
    return; // not armed, or already taken by an earlier attempt
  }
  await new Promise<never>(() => undefined);
}
