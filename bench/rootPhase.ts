import type { ThreadFigure } from '../src/state/keySpanPass.js';
import { measuredFields, rate, round2 } from './figures.js';
import { gethRootBinary, timedGethGenesis, timedGethStackTrie, type GethGenesisResult, type StackTrieResult } from './gethStackTrie.js';
import type { GenesisResult, ReadBackResult, RootResult } from './phases.js';
import type { Measured } from './procs.js';
import { log } from './progress.js';
import type { RootRun, ThreadUse } from './report.js';

/**
 * The state-root phase's own side: our root-only pass (stateRootOfFiles, on as many threads as
 * production gives it, and on one) and go-ethereum's StackTrie (bench/gethroot, one core) over the
 * same partitions, alternating, `repeat` times each. The run with the median time stands for each;
 * every run's root must be the same. The genesis pass is measured the same way, on its threads and
 * on one, and must write the same bytes both ways.
 */

export interface RootRuns {
  ours: RootRun & ThreadUse;
  /** The same pass on one thread. */
  oursOneThread: RootRun & ThreadUse;
  stackTrie: RootRun & { command: string };
  /** Our rate / geth StackTrie's rate (= its seconds / ours), medians. */
  ratio: number;
  stateRoot: string;
}

type PhaseRunner<R> = (task: { phase: string } & Record<string, unknown>) => Promise<{ result: R; measured: Measured }>;

export function median<T extends { seconds: number }>(runs: T[]): T {
  return [...runs].sort((a, b) => a.seconds - b.seconds)[(runs.length - 1) >> 1]!;
}

function figures(accounts: number, run: { seconds: number } & Measured, runs: Array<{ seconds: number }>): RootRun {
  return { seconds: round2(run.seconds), rate: rate(accounts, run.seconds), runs: runs.map((r) => round2(r.seconds)), ...measuredFields(run) };
}

/**
 * Threads of a run: the process's peak RSS is shared by its threads, so what each costs is its
 * share of it, beside each thread's own V8 heap (ThreadFigure.heapPeakMb).
 */
export function threadUse(run: { threads: ThreadFigure[] } & Measured): ThreadUse {
  const threads = run.threads.length;
  return { threads, peakRssPerThreadMb: Math.round(run.peakRssMb / threads), perThread: run.threads };
}

export async function measureStateRoots(accounts: number, files: string[], repeat: number, phase: PhaseRunner<RootResult>, logDir: string): Promise<RootRuns> {
  const binary = gethRootBinary();
  const ours: Array<RootResult & Measured> = [];
  const single: Array<RootResult & Measured> = [];
  const stack: StackTrieResult[] = [];
  for (let run = 1; run <= repeat; run++) {
    log(`n=${accounts}: state root, run ${run} of ${repeat}: ours, ours on one thread, then geth's StackTrie`);
    const r = await phase({ phase: 'root', files });
    ours.push({ ...r.result, ...r.measured });
    const one = await phase({ phase: 'root', files, threads: 1 });
    single.push({ ...one.result, ...one.measured });
    const g = await timedGethStackTrie(binary, files, logDir, run);
    stack.push(g);
    for (const o of [r.result, one.result]) {
      if (o.stateRoot !== g.stateRoot || o.accounts !== g.accounts) {
        throw new Error(
          `state roots differ: ours ${o.stateRoot} (${o.accounts} accounts, ${o.threads.length} threads), geth's StackTrie ${g.stateRoot} (${g.accounts} accounts)`,
        );
      }
    }
    log(
      `  ours ${r.result.seconds.toFixed(2)} s (${r.result.threads.length} threads), one thread ${one.result.seconds.toFixed(2)} s, geth StackTrie ${g.seconds.toFixed(2)} s, roots equal`,
    );
  }
  const o = median(ours);
  const s = median(single);
  const g = median(stack);
  return {
    ours: { ...figures(accounts, o, ours), ...threadUse(o) },
    oursOneThread: { ...figures(accounts, s, single), ...threadUse(s) },
    stackTrie: { command: g.command, ...figures(accounts, g, stack) },
    ratio: round2(g.seconds / o.seconds),
    stateRoot: o.stateRoot,
  };
}

export interface GenesisRuns {
  ours: GenesisResult & Measured;
  oursOneThread: GenesisResult & Measured;
  geth: GethGenesisResult;
  runs: number[];
  runsOneThread: number[];
  runsGeth: number[];
  /** A validator agent's check of the genesis written (its alloc root recomputed, one thread): medians and runs. */
  readBack: ReadBackResult & Measured;
  runsReadBack: number[];
  /** One-thread seconds / ours, medians. */
  speedup: number;
  /** Our rate / the go-ethereum program's (= its seconds / ours), medians. */
  ratio: number;
}

/**
 * The genesis pass on its threads and on one, and go-ethereum's program doing the same work
 * (gethroot -genesis), alternating: medians of each; every run of ours writes the same bytes
 * (sha256), and every run's root is the same. `task.out` is left as our last run wrote it.
 */
export async function measureGenesis(
  accounts: number,
  task: { files: string[]; out: string } & Record<string, unknown>,
  repeat: number,
  phase: PhaseRunner<GenesisResult>,
  readBackPhase: PhaseRunner<ReadBackResult>,
  logDir: string,
): Promise<GenesisRuns> {
  const binary = gethRootBinary();
  const ours: Array<GenesisResult & Measured> = [];
  const readBacks: Array<ReadBackResult & Measured> = [];
  const single: Array<GenesisResult & Measured> = [];
  const geth: GethGenesisResult[] = [];
  for (let run = 1; run <= repeat; run++) {
    log(`n=${accounts}: genesis, run ${run} of ${repeat}: ours, ours on one thread, then go-ethereum's`);
    const r = await phase({ ...task, phase: 'genesis' });
    ours.push({ ...r.result, ...r.measured });
    const one = await phase({ ...task, phase: 'genesis', threads: 1 });
    single.push({ ...one.result, ...one.measured });
    const g = await timedGethGenesis(binary, task.files, `${task.out}.geth`, logDir, run);
    geth.push(g);
    if (r.result.sha256 !== one.result.sha256 || r.result.stateRoot !== one.result.stateRoot) {
      throw new Error(`genesis differs between ${r.result.threads.length} threads (${r.result.sha256}) and one (${one.result.sha256})`);
    }
    if (r.result.stateRoot !== g.stateRoot) throw new Error(`genesis roots differ: ours ${r.result.stateRoot}, go-ethereum's ${g.stateRoot}`);
    const back = await readBackPhase({ phase: 'readback', genesis: task.out });
    readBacks.push({ ...back.result, ...back.measured });
    if (back.result.stateRoot !== r.result.stateRoot)
      throw new Error(`the agent's read-back root ${back.result.stateRoot} differs from the genesis's ${r.result.stateRoot}`);
    log(
      `  ours ${r.result.seconds.toFixed(2)} s (${r.result.threads.length} threads), one thread ${one.result.seconds.toFixed(2)} s, go-ethereum ${g.seconds.toFixed(2)} s; agent's read-back ${back.result.seconds.toFixed(2)} s; roots equal`,
    );
  }
  const o = median(ours);
  const s = median(single);
  const g = median(geth);
  return {
    ours: o,
    oursOneThread: s,
    geth: g,
    runs: ours.map((r) => round2(r.seconds)),
    runsOneThread: single.map((r) => round2(r.seconds)),
    runsGeth: geth.map((r) => round2(r.seconds)),
    readBack: median(readBacks),
    runsReadBack: readBacks.map((r) => round2(r.seconds)),
    speedup: round2(s.seconds / o.seconds),
    ratio: round2(g.seconds / o.seconds),
  };
}
