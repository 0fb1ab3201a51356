import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PATCHES } from '../../workflows/patches.js';

/** Every TypeScript file under `dir`, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const code = sources('workflows')
  .filter((path) => !path.endsWith('patches.ts'))
  .map((path) => ({ path, text: readFileSync(path, 'utf8') }));
const calls = code.flatMap(({ path, text }) => [...text.matchAll(/patched\(([^)]*)\)/g)].map((m) => ({ path, arg: m[1]! })));

describe('the list of patch markers (workflows/patches.ts)', () => {
  it('is the only source of a patched() marker: no literal or local constant names one', () => {
    expect(calls.length).toBeGreaterThan(0);
    const elsewhere = calls.filter((c) => !/^PATCHES\.\w+\.id$/.test(c.arg.trim()));
    expect(elsewhere).toEqual([]);
  });

  it('lists only markers the workflow still checks, each once, with what it protects', () => {
    const used = new Set(calls.map((c) => c.arg.trim().split('.')[1]));
    expect(Object.keys(PATCHES).filter((key) => !used.has(key))).toEqual([]);
    const ids = Object.values(PATCHES).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of Object.values(PATCHES)) {
      expect(p.protects.length).toBeGreaterThan(20);
      expect(p.since).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });
});
