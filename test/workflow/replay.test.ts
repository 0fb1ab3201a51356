import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Histories recorded from real runs (a committed launch, a manual-operator launch and rolled-back
 * runs) replay against the current workflow code. A change that would break a run in flight fails
 * here: such a change must go behind `patched()`. Re-record with `npm run record-histories` after a
 * deliberate, patched change. The replay runs in plain Node (scripts/replay-histories.ts): the
 * SDK's history parser does not load inside the test runner's module graph.
 */
const dir = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));
const script = fileURLToPath(new URL('../../scripts/replay-histories.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

describe('workflow replay of recorded histories', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('has completed and rolled-back histories to replay', () => {
    expect(files.filter((f) => f.startsWith('completed')).length).toBeGreaterThanOrEqual(1);
    expect(files.filter((f) => f.startsWith('rolled-back')).length).toBeGreaterThanOrEqual(1);
  });

  it('has a history of every workflow type the worker registers', async () => {
    const registered = Object.keys(await import('../../workflows/index.js')).sort();
    const recorded = new Set(
      files.map((f) => {
        const history = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
          events: Array<{ workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } } }>;
        };
        return history.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
      }),
    );
    expect(registered.filter((type) => !recorded.has(type))).toEqual([]);
  });

  it('replays every recorded history without a determinism error', () => {
    const run = spawnSync(tsx, [script, dir], { encoding: 'utf8', timeout: 300_000 });
    expect(run.stdout).toContain(`${files.length} replayed, 0 failed`);
    expect(run.status).toBe(0);
  });
});
