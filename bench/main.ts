import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { benchSize } from './benchSize.js';
import { benchDiscovery } from './discovery.js';
import { benchDowntime } from './downtime.js';
import { benchNodeStart } from './nodeStart.js';
import { benchPxExport } from './pxExport.js';
import { gethRootBinary } from './gethStackTrie.js';
import { parseOptions } from './options.js';
import { cleanupAll, installSignalCleanup, onCleanup } from './procs.js';
import { log } from './progress.js';
import { evaluateTargets, printTable, type BenchResults } from './report.js';
import { machineInfo, writeResults } from './results.js';

/**
 * `npm run bench`: the coordinator's hot paths against geth on the same synthetic state.
 *
 *   npm run bench -- --accounts 100000,1000000 --only root,export,genesis,history --out bench-results.json
 *   npm run bench -- --only discovery --blocks 10000   (owner discovery: block index against the walk)
 *   npm run bench -- --only downtime --downtime-accounts 10000   (stage 2 of a two-stage regenesis: halt → first new block)
 *   npm run bench -- --only pxexport --px-x-owners 100k --px-p-owners 10k   (P/X discovery, export and supply check at scale)
 *   npm run bench -- --only nodestart --node-start-accounts 1000000   (one avalanchego building an N-account genesis alone)
 *
 * Each size is measured on its own (benchSize.ts: generate, genesis, root, export, history) under a
 * work directory, and the results file is rewritten after every size. Every measured phase runs in
 * its own process; see docs/PERFORMANCE.md for how to read the results.
 */

/** Phases that start networks or nodes of their own rather than measure the state passes. */
const NETWORK_PHASES = new Set(['discovery', 'downtime', 'pxexport', 'nodestart']);

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  installSignalCleanup();
  const root = opts.workDir ?? mkdtempSync(join(tmpdir(), 'regenesis-bench-'));
  mkdirSync(root, { recursive: true });
  if (!opts.keep) onCleanup(() => rmSync(root, { recursive: true, force: true }));
  const profileDir = opts.cpuProf ? join(dirname(opts.out), 'bench-profiles') : undefined;
  const startedAt = new Date();
  const results: BenchResults = {
    startedAt: startedAt.toISOString(),
    machine: await machineInfo(),
    options: { ...opts, out: undefined, workDir: root },
    sizes: [],
    targets: [],
  };
  log(`work dir ${root}${opts.keep ? ' (kept)' : ''}`);
  // Built (or found) before any size, so a missing Go toolchain fails the run at once.
  if (opts.only.includes('root') || opts.only.includes('genesis')) log(`geth StackTrie: ${gethRootBinary()}`);
  try {
    if (opts.only.includes('discovery')) {
      results.discovery = await benchDiscovery(opts.blocks, root, opts.discoveryDelayMs);
      writeResults(opts.out, results);
    }
    if (opts.only.includes('pxexport')) {
      results.pxExport = await benchPxExport(
        { xOwners: opts.pxX, pOwners: opts.pxP, xPerTx: opts.pxOutputsPerTx, pPerTx: opts.pxPOutputsPerTx, nodeFlags: opts.workerNodeFlags },
        root,
      );
      writeResults(opts.out, results);
    }
    for (const accounts of opts.only.includes('downtime') ? opts.downtimeAccounts : []) {
      results.downtime ??= [];
      results.downtime.push(await benchDowntime(accounts, opts.downtimeFill, opts.nodeMemoryLimit));
      results.targets = evaluateTargets(results.sizes, results.downtime);
      writeResults(opts.out, results);
    }
    for (const accounts of opts.only.includes('nodestart') ? opts.nodeStartAccounts : []) {
      results.nodeStart ??= [];
      results.nodeStart.push(await benchNodeStart(accounts, root, opts.nodeStartState, opts.nodeMemoryLimit));
      writeResults(opts.out, results);
    }
    const statePhases = opts.only.filter((p) => !NETWORK_PHASES.has(p));
    for (const accounts of statePhases.length > 0 ? opts.accounts : []) {
      results.sizes.push(await benchSize(accounts, opts, root, profileDir));
      if (!opts.keep) rmSync(join(root, `n${accounts}`), { recursive: true, force: true });
      results.targets = evaluateTargets(results.sizes, results.downtime);
      writeResults(opts.out, results);
    }
  } finally {
    await cleanupAll();
  }
  results.finishedAt = new Date().toISOString();
  results.totalSeconds = Math.round((Date.now() - startedAt.getTime()) / 1000);
  results.targets = evaluateTargets(results.sizes, results.downtime);
  writeResults(opts.out, results);
  printTable(results);
  process.stdout.write(`\nresults: ${opts.out}${profileDir ? `, CPU profiles: ${profileDir}` : ''}\n`);
}

main().catch(async (err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await cleanupAll();
  process.exit(1);
});
