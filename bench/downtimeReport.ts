import type { DowntimeResult } from './downtimeFigures.js';

/**
 * The downtime phase in the stdout table and the targets: one row per size with every part's
 * seconds (what an operator budgets for their own network), and the issue's goal, met or not.
 * Plain rows and target objects, so report.ts formats them like the rest without a cycle.
 */

/** The issue's goal for stage 2 (halt → first new block) at 10k C-Chain accounts. */
export const DOWNTIME_GOAL_SECONDS = 60;

/** Counts with thousands separators, as the results table prints them. */
const k = (n: number) => n.toLocaleString('en-US');

/** The parts in the order a run passes them, as the table's columns. */
const PARTS = ['halt', 'final-heads', 'delta-export', 'final-genesis', 'final-verify', 'ratify', 'launch', 'post-verify'];

/** Header and one row per size: accounts, changed accounts, downtime, each part, and stage 1's full C export beside them. */
export function downtimeRows(results: readonly DowntimeResult[]): string[][] {
  const head = ['stage-2 downtime', 'C accounts', 'changed', 'total s', 'block 1 − halt', ...PARTS, 'stage-1 C export s', 'fill'];
  const rows = results.map((d) => {
    const part = (name: string) => d.parts.find((p) => p.phase === name)?.seconds.toFixed(1) ?? '';
    return [
      k(d.accounts),
      k(d.cAccounts.final),
      String(d.delta.accountsChanged),
      String(d.downtimeSeconds),
      `${d.firstBlock.minusHaltSeconds}`,
      ...PARTS.map(part),
      d.activities.stage1.exportPartition?.wallSeconds.toFixed(1) ?? '',
      d.fill.method === 'transfers' ? `${d.fill.accountsPerSecond.toFixed(0)} acc/s` : 'genesis',
    ];
  });
  return [head, ...rows];
}

/**
 * One target per size (the goal is set at 10k; larger sizes show how it scales against the same
 * bound). A figure the new node's own block 1 contradicts is not counted as met, whatever it says.
 */
export function downtimeTargets(results: readonly DowntimeResult[]): Array<{ name: string; target: string; value: string; met: boolean }> {
  return results.map((d) => ({
    name: `stage-2 downtime (halt → first new block), ${k(d.accounts)} C accounts filled${d.fill.method === 'genesis' ? ' (in the old genesis)' : ''}`,
    target: `≤ ${DOWNTIME_GOAL_SECONDS} s`,
    value: `${d.downtimeSeconds} s${d.firstBlock.matchesReported ? '' : ` (new node says ${d.firstBlock.minusHaltSeconds} s)`}`,
    met: d.downtimeSeconds <= DOWNTIME_GOAL_SECONDS && d.firstBlock.matchesReported,
  }));
}
