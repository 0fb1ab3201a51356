import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Workflow code is replayed, so everything it imports at run time must be deterministic and free of
 * I/O. This walks the value imports reachable from workflows/index.ts (type-only imports vanish at
 * compile time) and fails on any module outside the allowed set.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ALLOWED_PACKAGES = new Set(['@temporalio/workflow', '@temporalio/common', 'zod']);
const FORBIDDEN_GLOBALS = [/\bMath\.random\(/, /\bsetTimeout\(/, /\bsetInterval\(/, /\bprocess\.env\b/, /\brequire\(/];

function valueImports(source: string): string[] {
  const out: string[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(re)) if (!m[2]) out.push(m[3]!);
  for (const m of source.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push(m[1]!);
  for (const m of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out;
}

function walk(entry: string): { files: string[]; packages: Map<string, string> } {
  const files: string[] = [];
  const packages = new Map<string, string>();
  const queue = [entry];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    files.push(file);
    const source = readFileSync(file, 'utf8');
    for (const spec of valueImports(source)) {
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.set(spec, relative(root, file));
    }
  }
  return { files, packages };
}

/** Plain, I/O-free modules the workflows use at run time (plan rules, pure checks over manifests). */
const PURE_MODULES = new Set([
  'activities/policies.ts',
  'src/contract/failures.ts',
  'src/contract/run.ts',
  'src/plan/index.ts',
  'src/plan/schema.ts',
  'src/plan/parse.ts',
  'src/plan/error.ts',
  'src/plan/rules/index.ts',
  'src/plan/rules/genesis.ts',
  'src/plan/rules/exports.ts',
  'src/plan/rules/primary.ts',
  'src/plan/rules/launch.ts',
  'src/plan/rules/thrown.ts',
  'src/plan/timing.ts',
  'src/plan/versusNode.ts',
  'src/plan/approvers.ts',
  'src/plan/dialect.ts',
  'src/plan/stake.ts',
  'src/view/checklist.ts',
  'src/view/details.ts',
  'src/view/nextStep.ts',
  'src/state/stats.ts',
  'src/network/chainIds.ts',
  'src/network/hrp.ts',
  'src/chains/avax/cChainUrl.ts',
  'src/epoch/pinning.ts',
  'src/agent/queue.ts',
  'src/verify/crossChainSupply.ts',
  'src/verify/supplyGap.ts',
  'src/launch/stakeTally.ts',
  'src/launch/haltProof.ts',
  'src/launch/readiness.ts',
]);

describe('workflow determinism', () => {
  const { files, packages } = walk(join(root, 'workflows/index.ts'));

  it('imports only deterministic packages from workflow code', () => {
    const offending = [...packages].filter(([pkg]) => !ALLOWED_PACKAGES.has(pkg)).map(([pkg, file]) => `${file} imports ${pkg}`);
    expect(offending).toEqual([]);
  });

  it('reaches no activity implementation or Node API through relative imports', () => {
    const outside = files.map((f) => relative(root, f)).filter((f) => !(f.startsWith('workflows/') || PURE_MODULES.has(f)));
    expect(outside).toEqual([]);
  });

  it('uses no non-deterministic globals in the workflow sandbox', () => {
    const hits = files.flatMap((f) => {
      const source = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      return FORBIDDEN_GLOBALS.filter((re) => re.test(source)).map((re) => `${relative(root, f)}: ${re.source}`);
    });
    expect(hits).toEqual([]);
  });

  it('would catch a forbidden import (the check itself works)', () => {
    expect(valueImports("import { readFile } from 'node:fs';\nimport type { X } from 'y';")).toEqual(['node:fs']);
  });
});
