import { measuredFields, rate, round2 } from './figures.js';
import { gethRootBinary, timedGethStackTrie, type StackTrieResult } from './gethStackTrie.js';
import type { RootResult } from './phases.js';
import type { Measured } from './procs.js';
import { log } from './progress.js';
import type { RootRun } from './report.js';

/**
 * The state-root phase's own side: our `readAccounts` → `StateRootBuilder` and go-ethereum's
 * StackTrie (bench/gethroot) over the same partitions, alternating, `repeat` times each. The run
 * with the median time stands for each; every run's root must be the same.
 */

export interface RootRuns {
  ours: RootRun;
  stackTrie: RootRun & { command: string };
  /** Our rate / geth StackTrie's rate (= its seconds / ours), medians. */
  ratio: number;
  stateRoot: string;
}

function median<T extends { seconds: number }>(runs: T[]): T {
  return [...runs].sort((a, b) => a.seconds - b.seconds)[(runs.length - 1) >> 1]!;
}

function figures(accounts: number, run: { seconds: number } & Measured, runs: Array<{ seconds: number }>): RootRun {
  return { seconds: round2(run.seconds), rate: rate(accounts, run.seconds), runs: runs.map((r) => round2(r.seconds)), ...measuredFields(run) };
}

export async function measureStateRoots(
  accounts: number,
  files: string[],
  repeat: number,
  phase: (task: { phase: string } & Record<string, unknown>) => Promise<{ result: RootResult; measured: Measured }>,
  logDir: string,
): Promise<RootRuns> {
  const binary = gethRootBinary();
  const ours: Array<RootResult & Measured> = [];
  const stack: StackTrieResult[] = [];
  for (let run = 1; run <= repeat; run++) {
    log(`n=${accounts}: state root, run ${run} of ${repeat}: ours, then geth's StackTrie`);
    const r = await phase({ phase: 'root', files });
    ours.push({ ...r.result, ...r.measured });
    const g = await timedGethStackTrie(binary, files, logDir, run);
    stack.push(g);
    if (r.result.stateRoot !== g.stateRoot || r.result.accounts !== g.accounts) {
      throw new Error(
        `state roots differ: ours ${r.result.stateRoot} (${r.result.accounts} accounts), ` +
          `geth's StackTrie ${g.stateRoot} (${g.accounts} accounts)`,
      );
    }
    log(`  ours ${r.result.seconds.toFixed(2)} s, geth StackTrie ${g.seconds.toFixed(2)} s, roots equal`);
  }
  const o = median(ours);
  const g = median(stack);
  return {
    ours: figures(accounts, o, ours),
    stackTrie: { command: g.command, ...figures(accounts, g, stack) },
    ratio: round2(g.seconds / o.seconds),
    stateRoot: o.stateRoot,
  };
}
