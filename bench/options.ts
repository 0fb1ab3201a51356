import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { WORKER_NODE_OPTIONS } from '../src/config.js';
import type { StateScheme } from './gethTools.js';

/** The bench's command line: which sizes and phases to measure, and how. */

/** How the downtime phase puts its accounts on the old C-Chain: transfers on the running network, or its genesis. */
export const DOWNTIME_FILLS = ['transfers', 'genesis'] as const;
export type DowntimeFill = (typeof DOWNTIME_FILLS)[number];
/** What the nodestart phase's genesis holds besides its count: plain funded accounts, or the bench's contract mix. */
export const NODE_START_STATES = ['plain', 'contracts'] as const;
export type NodeStartState = (typeof NODE_START_STATES)[number];

/** A GOMEMLIMIT value the Go runtime accepts: a whole number and a unit, e.g. 2GiB. */
function goMemLimit(value: string): string {
  if (!/^\d+(B|KiB|MiB|GiB|TiB)$/.test(value)) throw new Error(`--node-memory-limit: a size such as 2GiB or 1536MiB, got ${value}`);
  return value;
}

export const PHASES = ['root', 'export', 'genesis', 'history', 'discovery', 'downtime', 'pxexport', 'nodestart'] as const;
/** What `--only` means when not given: the state phases (discovery, downtime and pxexport fill networks of their own, minutes). */
const DEFAULT_PHASES = ['root', 'export', 'genesis', 'history'];
export type Phase = (typeof PHASES)[number];

export interface BenchOptions {
  accounts: number[];
  only: Phase[];
  out: string;
  seed: number;
  partitions: number[];
  pageSize: number;
  workDir?: string;
  keep: boolean;
  gethScheme: StateScheme | 'both';
  historyRehearsal: boolean;
  bundleAtStart: boolean;
  workerNodeFlags: string[];
  cpuProf: boolean;
  /** P/X blocks of the discovery phase. */
  blocks: number;
  discoveryDelayMs: number;
  /** Runs of each side of the state-root comparison; the medians are reported. */
  repeat: number;
  /** C-Chain accounts of the old network in the downtime phase, one two-stage regenesis each. */
  downtimeAccounts: number[];
  /** How the downtime phase puts its accounts on the old C-Chain: plain transfers, or the old genesis. */
  downtimeFill: DowntimeFill;
  /** GOMEMLIMIT of the downtime and nodestart phases' avalanchego processes, when given (e.g. `2GiB`). */
  nodeMemoryLimit?: string;
  /** C-Chain accounts of the genesis one node builds alone (nodestart), one start each. */
  nodeStartAccounts: number[];
  /** What that genesis holds: plain funded accounts, or the bench's contract mix. */
  nodeStartState: NodeStartState;
  /** Fresh owners the pxexport phase pays on the X- and P-Chain, and outputs per transaction on each. */
  pxX: number;
  pxP: number;
  pxOutputsPerTx: number;
  pxPOutputsPerTx: number;
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function counts(value: string): number[] {
  return list(value).map((s) => {
    const n = Number(s.replace(/_/g, '').replace(/k$/i, '000').replace(/m$/i, '000000'));
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`not a positive count: ${s}`);
    return n;
  });
}

export function parseOptions(argv: string[]): BenchOptions {
  const program = new Command('bench')
    .description(
      'state root, export, genesis and Temporal history benchmarks against geth; owner discovery; stage-2 downtime of a two-stage regenesis; the P/X export at scale',
    )
    .option('--accounts <list>', 'state sizes, comma separated (100000, 100k, 1m)', '1000000')
    .option('--only <phases>', `phases to measure: ${PHASES.join(',')}`, DEFAULT_PHASES.join(','))
    .option('--blocks <n>', 'discovery: P/X blocks made on the local avalanchego before reading them', '10000')
    .option('--discovery-delay-ms <n>', 'discovery: also read through a proxy adding this delay to every request (0: loopback only)', '10')
    .option('--downtime-accounts <list>', 'downtime: C-Chain accounts filled before each two-stage regenesis, comma separated', '10000')
    .addOption(
      new Option(
        '--downtime-fill <how>',
        "downtime: transfers (plain transfers on the running network, ~94 accounts/s) or genesis (in the old network's genesis allocation)",
      )
        .choices(DOWNTIME_FILLS)
        .default('transfers'),
    )
    .option('--node-memory-limit <size>', 'downtime, nodestart: GOMEMLIMIT of every avalanchego the phase runs (e.g. 2GiB)')
    .option('--node-start-accounts <list>', 'nodestart: C-Chain accounts of the genesis one node builds alone, comma separated', '100000,1000000')
    .addOption(
      new Option('--node-start-state <state>', 'nodestart: plain (funded accounts) or contracts (every tenth a contract with 10–100 slots)')
        .choices(NODE_START_STATES)
        .default('plain'),
    )
    .option('--px-x-owners <n>', 'pxexport: fresh X-Chain owners paid before the export', '100000')
    .option('--px-p-owners <n>', 'pxexport: fresh P-Chain owners paid before the export', '10000')
    .option('--px-outputs-per-tx <n>', 'pxexport: outputs of each filling X-Chain BaseTx (a transaction must stay under 64 KiB)', '500')
    .option('--px-p-outputs-per-tx <n>', "pxexport: outputs of each filling P-Chain BaseTx (within the P-Chain's gas capacity)", '200')
    .option('--out <file>', 'JSON results file', 'bench-results.json')
    .option('--seed <n>', 'seed of the generated state', '1')
    .option('--partitions <list>', 'export partitions run in parallel; several values are each measured, the first is the headline', '4')
    .option('--page-size <n>', 'debug_accountRange page size', '256')
    .option('--work-dir <dir>', 'where generated data and datadirs go (default: a new temp dir)')
    .option('--keep', 'keep the work directory', false)
    .addOption(new Option('--geth-scheme <scheme>', 'state scheme of the timed geth init').choices(['hash', 'path', 'both']).default('hash'))
    .option('--history-rehearsal', 'let the measured regenesis run rehearse (geth init of the new genesis)', false)
    .option(
      '--bundle-at-start',
      'also run the regenesis with a worker that builds its workflow bundle at start, without node flags (as tests and the demo do)',
      false,
    )
    .option('--worker-node-flags <flags>', 'node flags of the measured worker process (default: those of the worker image)', WORKER_NODE_OPTIONS)
    .option('--repeat <n>', "state root: runs of ours and of geth's StackTrie, alternating; medians reported", '3')
    .option('--cpu-prof', 'write a V8 CPU profile of every measured phase next to the results', false)
    .allowExcessArguments(false);
  program.parse(argv, { from: 'user' });
  const o = program.opts<Record<string, string | boolean>>();
  const only = list(String(o.only)) as Phase[];
  for (const p of only) if (!PHASES.includes(p)) throw new Error(`--only: unknown phase ${p} (known: ${PHASES.join(', ')})`);
  const partitions = counts(String(o.partitions));
  for (const p of partitions) if (p > 256) throw new Error('--partitions: at most 256');
  const pageSize = Number(o.pageSize);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 256) throw new Error('--page-size: 1..256');
  const discoveryDelayMs = Number(o.discoveryDelayMs);
  if (!Number.isInteger(discoveryDelayMs) || discoveryDelayMs < 0 || discoveryDelayMs > 10_000) throw new Error('--discovery-delay-ms: 0..10000');
  const pxOutputsPerTx = Number(o.pxOutputsPerTx);
  if (!Number.isInteger(pxOutputsPerTx) || pxOutputsPerTx < 1 || pxOutputsPerTx > 700) throw new Error('--px-outputs-per-tx: 1..700');
  const pxPOutputsPerTx = Number(o.pxPOutputsPerTx);
  if (!Number.isInteger(pxPOutputsPerTx) || pxPOutputsPerTx < 1 || pxPOutputsPerTx > 700) throw new Error('--px-p-outputs-per-tx: 1..700');
  const repeat = Number(o.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 25) throw new Error('--repeat: 1..25');
  return {
    accounts: counts(String(o.accounts)),
    only,
    out: resolve(String(o.out)),
    seed: Number(o.seed),
    partitions,
    pageSize,
    workDir: o.workDir ? resolve(String(o.workDir)) : undefined,
    keep: Boolean(o.keep),
    gethScheme: o.gethScheme as BenchOptions['gethScheme'],
    historyRehearsal: Boolean(o.historyRehearsal),
    bundleAtStart: Boolean(o.bundleAtStart),
    workerNodeFlags: String(o.workerNodeFlags ?? '')
      .split(/\s+/)
      .filter(Boolean),
    cpuProf: Boolean(o.cpuProf),
    blocks: counts(String(o.blocks))[0]!,
    discoveryDelayMs,
    repeat,
    downtimeAccounts: counts(String(o.downtimeAccounts)),
    downtimeFill: o.downtimeFill as DowntimeFill,
    nodeStartAccounts: counts(String(o.nodeStartAccounts)),
    nodeStartState: o.nodeStartState as NodeStartState,
    ...(o.nodeMemoryLimit === undefined ? {} : { nodeMemoryLimit: goMemLimit(String(o.nodeMemoryLimit)) }),
    pxX: counts(String(o.pxXOwners))[0]!,
    pxP: counts(String(o.pxPOwners))[0]!,
    pxOutputsPerTx,
    pxPOutputsPerTx,
  };
}
