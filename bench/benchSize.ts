import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startTemporalDevServer } from '../src/dev/temporal.js';
import { freePort } from '../src/nodes/ports.js';
import type { GeneratedAlloc } from '../src/dev/syntheticAlloc.js';
import { measuredFields, rate, round2 } from './figures.js';
import {
  block0Root,
  memAvailableMb,
  serveDatadir,
  timedGethDump,
  timedGethInit,
  type GethDumpResult,
  type GethInitResult,
  type StateScheme,
} from './gethTools.js';
import type { BenchOptions, Phase } from './options.js';
import type { ExportResult, GenesisResult, HistoryResult, ReadBackResult, RootResult } from './phases.js';
import { onCleanup, runPhaseChild, type Measured } from './procs.js';
import { measureGenesis, measureStateRoots, threadUse } from './rootPhase.js';
import { log } from './progress.js';
import type { SizeResults } from './report.js';

/**
 * One state size, measured: generate the state as export partitions (JSONL), write the genesis from
 * them (genesis), compute the state root from them (root) and compare with `geth init` of that
 * genesis, export the initialised datadir over RPC and compare with an offline `geth dump`
 * (export), and run one whole regenesis workflow against that node (history). Every measured phase
 * runs in its own process, so its peak RSS and CPU are its own. Everything lives under
 * `<root>/n<accounts>`.
 */
export async function benchSize(accounts: number, opts: BenchOptions, root: string, profileDir: string | undefined): Promise<SizeResults> {
  const work = join(root, `n${accounts}`);
  mkdirSync(work, { recursive: true });
  const logs = join(work, 'logs');
  mkdirSync(logs, { recursive: true });
  const child = { dir: logs, nodeFlags: profileDir ? ['--cpu-prof', '--cpu-prof-dir', join(profileDir, `n${accounts}`)] : [] };
  const want = (p: Phase) => opts.only.includes(p);
  const out: SizeResults = { accounts };
  const phase = <R>(task: { phase: string } & Record<string, unknown>) => runPhaseChild<R>(task, child);

  // The partitioning of the generated files only matters for reading them; the first export
  // partition count keeps them identical to what that export writes.
  log(`n=${accounts}: generating the state (seed ${opts.seed})`);
  const gen = await phase<GeneratedAlloc & { seconds: number }>({
    phase: 'generate',
    accounts,
    seed: opts.seed,
    partitions: opts.partitions[0]!,
    dir: join(work, 'partitions'),
  });
  const files = gen.result.files.map((f) => f.path);
  out.alloc = {
    ...gen.result.stats,
    partitionBytes: gen.result.files.reduce((n, f) => n + f.bytes, 0),
    generateSeconds: gen.result.seconds,
  };
  log(`  ${gen.result.stats.contracts} contracts, ${gen.result.stats.storageSlots} slots, ${(out.alloc.partitionBytes / 2 ** 20).toFixed(0)} MiB of JSONL`);

  const needGeth = want('root') || want('export') || want('history');
  const genesisPath = join(work, 'genesis.json');
  log(`n=${accounts}: genesis${want('genesis') ? ' (measured)' : ''}`);
  const genesisTask = { files, out: genesisPath, chainId: 7777, timestamp: Math.floor(Date.now() / 1000) };
  let genesis: { result: GenesisResult };
  if (want('genesis')) {
    const runs = await measureGenesis(accounts, genesisTask, opts.repeat, phase<GenesisResult>, phase<ReadBackResult>, logs);
    genesis = { result: runs.ours };
    const o = runs.ours;
    const one = runs.oursOneThread;
    out.genesis = {
      seconds: round2(o.seconds),
      bytes: o.bytes,
      rate: rate(accounts, o.seconds),
      mbPerSecond: Math.round(o.bytes / 2 ** 20 / o.seconds),
      stateRoot: o.stateRoot,
      sha256: o.sha256,
      ...measuredFields(o),
      ...threadUse(o),
      runs: runs.runs,
      oneThread: { seconds: round2(one.seconds), rate: rate(accounts, one.seconds), runs: runs.runsOneThread, ...measuredFields(one), ...threadUse(one) },
      speedup: runs.speedup,
      geth: {
        command: runs.geth.command,
        seconds: round2(runs.geth.seconds),
        rate: rate(accounts, runs.geth.seconds),
        runs: runs.runsGeth,
        bytes: runs.geth.bytes,
        ...measuredFields(runs.geth),
      },
      ratio: runs.ratio,
      // A validator agent's check of this genesis before it signs (its alloc root, one thread).
      agentReadBack: {
        seconds: round2(runs.readBack.seconds),
        rate: rate(accounts, runs.readBack.seconds),
        runs: runs.runsReadBack,
        ...measuredFields(runs.readBack),
      },
    };
  } else {
    genesis = await phase<GenesisResult>({ phase: 'genesis', ...genesisTask });
  }
  if (!needGeth) return out;

  const roots = want('root') ? await measureStateRoots(accounts, files, opts.repeat, phase<RootResult>, logs) : undefined;

  const dataDir = join(work, 'geth');
  const inits: GethInitResult[] = [];
  const schemes: StateScheme[] = opts.gethScheme === 'both' ? ['hash', 'path'] : [opts.gethScheme];
  // The export and the regenesis run need a hash-scheme datadir (the nodes we start use it).
  if (!schemes.includes('hash')) schemes.push('hash');
  let gethRoot = '';
  for (const scheme of schemes) {
    const dir = scheme === 'hash' ? dataDir : join(work, `geth-${scheme}`);
    log(`n=${accounts}: geth init --state.scheme ${scheme} --cache.preimages`);
    // geth builds the whole genesis state in memory: measured ~2.5 GB at 100k accounts and ~18.6 GB
    // at 1M (5.5M slots), i.e. roughly 2 GB + 17 MB per thousand accounts of this mix.
    const needMb = Math.round(2000 + (accounts / 1000) * 17);
    const availableMb = Math.round(memAvailableMb());
    if (availableMb > 0 && availableMb < needMb) {
      log(`  warning: geth init may need ~${needMb} MB, ${availableMb} MB available; it runs under GOMEMLIMIT and may be slow or killed`);
    }
    const init = await timedGethInit(genesisPath, dir, scheme, logs);
    inits.push(init);
    const r = await block0Root(dir);
    if (scheme === 'hash') gethRoot = r;
    else rmSync(dir, { recursive: true, force: true });
  }
  const timedInit = inits.find((i) => i.scheme === (opts.gethScheme === 'path' ? 'path' : 'hash'))!;
  if (roots) {
    out.root = {
      ours: { ...roots.ours, stateRoot: roots.stateRoot },
      oursOneThread: roots.oursOneThread,
      gethStackTrie: roots.stackTrie,
      geth: inits.map((i) => ({
        scheme: i.scheme,
        command: `geth ${i.args.join(' ')}`,
        seconds: i.wallSeconds,
        rate: rate(accounts, i.wallSeconds),
        cpuSeconds: i.cpuSeconds,
        peakRssMb: Math.round(i.peakRssMb),
        goMemLimit: i.goMemLimit,
        load: i.load,
      })),
      gethBlock0Root: gethRoot,
      rootsEqual: roots.stateRoot === gethRoot && genesis.result.stateRoot === gethRoot,
      ratio: round2(timedInit.wallSeconds / roots.ours.seconds),
      ratioStackTrie: roots.ratio,
    };
    log(
      `  ours ${roots.ours.seconds.toFixed(2)} s, geth StackTrie ${roots.stackTrie.seconds.toFixed(2)} s, geth init ${timedInit.wallSeconds.toFixed(1)} s, roots ${out.root.rootsEqual ? 'equal' : 'DIFFER'}`,
    );
  } else if (genesis.result.stateRoot !== gethRoot) {
    throw new Error(`genesis root ${genesis.result.stateRoot} differs from geth's block 0 root ${gethRoot}`);
  }

  if (want('export')) {
    log(`n=${accounts}: geth dump (offline)`);
    const dumpPath = join(work, 'geth-dump.jsonl');
    let dump: GethDumpResult;
    try {
      dump = await timedGethDump(dataDir, dumpPath, logs);
    } finally {
      rmSync(dumpPath, { force: true });
    }
    // A fresh node for every export run: each starts with cold caches, like the offline dump.
    const runs: Array<{ result: ExportResult; measured: Measured; partitions: number; node: { peakRssMb: number; cpuSeconds: number } }> = [];
    for (const partitions of opts.partitions) {
      const node = await serveDatadir(dataDir);
      try {
        log(`n=${accounts}: export over RPC, ${partitions} partitions`);
        const r = await phase<ExportResult>({
          phase: 'export',
          rpcUrl: node.node.rpcUrl,
          partitions,
          pageSize: opts.pageSize,
          artifactsDir: join(work, 'export'),
        });
        runs.push({ ...r, partitions, node: node.usage() });
        log(`  ${r.result.seconds.toFixed(1)} s, ${rate(r.result.accounts, r.result.seconds)} accounts/s`);
      } finally {
        await node.stop();
      }
    }
    const headline = runs[0]!;
    out.export = {
      ours: runs.map((r) => ({
        partitions: r.partitions,
        pageSize: opts.pageSize,
        seconds: r.result.seconds,
        rate: rate(r.result.accounts, r.result.seconds),
        accounts: r.result.accounts,
        bytes: r.result.bytes,
        matchesSource: r.result.contentSha256 === gen.result.contentSha256,
        ...measuredFields(r.measured),
        gethNode: { peakRssMb: Math.round(r.node.peakRssMb), cpuSeconds: r.node.cpuSeconds },
      })),
      geth: {
        command: `geth ${dump.args.join(' ')} > file`,
        seconds: dump.wallSeconds,
        rate: rate(dump.accounts, dump.wallSeconds),
        accounts: dump.accounts,
        bytes: dump.bytes,
        cpuSeconds: dump.cpuSeconds,
        peakRssMb: Math.round(dump.peakRssMb),
        load: dump.load,
      },
      ratio: round2(rate(headline.result.accounts, headline.result.seconds) / rate(dump.accounts, dump.wallSeconds)),
    };
    rmSync(join(work, 'export'), { recursive: true, force: true });
  }

  if (want('history')) {
    const temporal = await startTemporalDevServer({ stateDir: join(work, 'temporal'), port: await freePort(), uiPort: await freePort() });
    const forgetTemporal = onCleanup(() => temporal.stop());
    try {
      // The production worker: a workflow bundle built beforehand in another process (as the worker
      // image does) and the image's node flags. With --bundle-at-start, also a worker that builds
      // its bundle itself and runs without flags.
      const workflowBundlePath = join(work, 'workflow-bundle.js');
      await phase({ phase: 'bundle', out: workflowBundlePath });
      out.history = await historyRun(workflowBundlePath, opts.workerNodeFlags);
      if (opts.bundleAtStart) out.historyBundleAtStart = await historyRun(undefined, []);
    } finally {
      forgetTemporal();
      await temporal.stop();
    }

    async function historyRun(workflowBundlePath: string | undefined, workerNodeFlags: string[]): Promise<NonNullable<SizeResults['history']>> {
      log(`n=${accounts}: one regenesis run on a Temporal dev server${workflowBundlePath ? '' : ' (worker builds its workflow bundle at start)'}`);
      const node = await serveDatadir(dataDir);
      try {
        const task = {
          phase: 'history',
          temporalAddress: temporal.address,
          rpcUrl: node.node.rpcUrl,
          partitions: opts.partitions[0]!,
          artifactsDir: join(work, 'artifacts'),
          rehearsal: opts.historyRehearsal,
          chainId: 7777,
          workflowBundlePath,
        };
        const r = await runPhaseChild<HistoryResult>(task, { ...child, nodeFlags: [...workerNodeFlags, ...child.nodeFlags] });
        log(
          `  ${r.result.events} events, ${r.result.payloadBytes} payload bytes, ${r.result.seconds.toFixed(1)} s, worker peak ${Math.round(r.measured.peakRssMb)} MB`,
        );
        return {
          events: r.result.events,
          eventsWithoutWorkflowTasks: r.result.eventsWithoutWorkflowTasks,
          payloadBytes: r.result.payloadBytes,
          historyBytes: r.result.historyBytes,
          seconds: r.result.seconds,
          partitions: opts.partitions[0]!,
          rehearsal: opts.historyRehearsal,
          prebuiltBundle: workflowBundlePath !== undefined,
          workerNodeFlags: workerNodeFlags.join(' '),
          rootMatches: r.result.stateRoot === gethRoot,
          eventTypes: r.result.eventTypes,
          workerStartupPeakRssMb: r.result.workerStartupPeakRssMb,
          runPeakRssMb: r.result.runPeakRssMb,
          ...measuredFields(r.measured),
        };
      } finally {
        await node.stop();
        rmSync(join(work, 'artifacts'), { recursive: true, force: true });
      }
    }
  }
  return out;
}
