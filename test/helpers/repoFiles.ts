import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository's root, whichever test asks. */
export const REPO_ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');

/**
 * The files of the working tree below `folders`, relative to the root: tracked or new (not ignored),
 * and not deleted. Tests that hold every source file to a rule read these, so a file moved but not
 * yet committed is checked where it now is.
 */
export function repoFiles(...folders: string[]): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', ...folders], { cwd: REPO_ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f !== '' && existsSync(join(REPO_ROOT, f)));
}
