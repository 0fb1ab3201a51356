import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, repoFiles } from '../helpers/repoFiles.js';

/**
 * The repository must pass its tests when cloned alone: no source, test or script may reach a
 * path outside it (a vectors folder beside the checkout, say). Every relative path literal
 * (`'../…'`) is resolved against its file's folder and must stay inside the repository.
 */
const root = REPO_ROOT;
const tracked = repoFiles('src', 'test', 'activities', 'workflows', 'scripts', 'bin', '.ci').filter((f) => /\.(ts|mts|js|mjs|sh)$/.test(f) || f === '.ci/run');

describe('the repository stands alone', () => {
  it('reads nothing outside itself', () => {
    expect(tracked.length).toBeGreaterThan(50);
    const outside: string[] = [];
    for (const file of tracked) {
      const source = readFileSync(join(root, file), 'utf8');
      for (const m of source.matchAll(/['"`]((?:\.\.\/)+[^'"`$]*)['"`]/g)) {
        const target = resolve(root, dirname(file), m[1]!);
        if (relative(root, target).startsWith('..')) outside.push(`${file}: ${m[1]}`);
      }
      if (/\/shared\/vectors\b/.test(source) && file !== 'test/unit/standalone.test.ts') outside.push(`${file}: names shared/vectors`);
    }
    expect(outside).toEqual([]);
  });
});
