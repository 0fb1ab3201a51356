import { describe, expect, it } from 'vitest';
import {
  checkRelativePath,
  checkRunKey,
  contentKey,
  deltaPath,
  partitionPath,
  runFileKey,
  runFilesPrefix,
  runIndexKey,
  RUN_FILES,
} from '../../src/artifacts/layout.js';

describe('artifact layout', () => {
  it('keeps the names that docs, agents and recorded histories use', () => {
    expect(RUN_FILES).toMatchObject({
      manifest: 'manifest.json',
      cGenesis: 'genesis/C-genesis.json',
      primaryGenesis: 'genesis/genesis.json',
      samples: 'verify/samples.jsonl',
      report: 'reports/regenesis.json',
      reviewPage: 'reports/review.html',
      rehearsalReport: 'reports/rehearsal.json',
      pValidators: 'exports/P/validators.jsonl',
      discoveryLog: 'exports/addresses.found.jsonl',
    });
    expect(partitionPath(7)).toBe('exports/C/part-007.jsonl');
    expect(partitionPath(12, 'C-final')).toBe('exports/C-final/part-012.jsonl');
    expect(deltaPath(5, 9)).toBe('exports/C-delta/5-9.jsonl');
    expect(contentKey('ab'.repeat(32))).toBe(`sha256/${'ab'.repeat(32)}`);
    expect(runIndexKey('annual-1.final')).toBe('runs/annual-1.final/index.json');
    expect(runFilesPrefix('annual-1')).toBe('runs/annual-1/files/');
    expect(runFileKey('annual-1', partitionPath(3))).toBe('runs/annual-1/files/exports/C/part-003.jsonl');
    expect(() => runFileKey('annual-1', '../index.json')).toThrow(/must be a relative path/);
  });

  it('refuses a run key or a relative path that could leave its directory', () => {
    for (const key of ['', '..', 'a/b', '.hidden', 'a..b']) expect(() => checkRunKey(key)).toThrow(/only letters, digits/);
    for (const rel of ['', '/etc/passwd', 'a/../b', './a', 'a//b', 'a/', 'a\\b', '..']) expect(() => checkRelativePath(rel)).toThrow(/must be a relative path/);
    expect(checkRelativePath('exports/C/part-000.jsonl')).toBe('exports/C/part-000.jsonl');
    expect(() => contentKey('AB'.repeat(32))).toThrow(/is not a sha256/);
  });
});
