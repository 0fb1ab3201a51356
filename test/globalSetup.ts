import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeWorkflowBundle } from '../src/workflowBundle.js';
import { descendantsOf, describeProcess, listProcesses, stillRunning, type ProcessEntry } from './helpers/processTree.js';

/** Set for the whole run; every process a test starts inherits it (unless given an env of its own). */
const RUN_MARKER = 'REGENESIS_TEST_RUN';

/** How long a process may take to finish exiting after the last test before it counts as left over. */
const GRACE_MS = 2_000;

/**
 * Builds the workflow bundle once for the whole integration run (every test worker loads it instead
 * of bundling the workflow code again: webpack, several seconds of CPU each time), and fails the run
 * if a process a test started outlives it.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const run = startRunScope();
  const out = join(run.tmp, 'workflow-bundle.js');
  await writeWorkflowBundle(out);
  process.env.REGENESIS_TEST_WORKFLOW_BUNDLE = out;
  return async () => {
    try {
      await failOnLeftovers(run);
    } finally {
      rmSync(run.tmp, { recursive: true, force: true });
    }
  };
}

interface RunScope {
  marker: string;
  /** This run's TMPDIR: every mkdtemp(tmpdir(), …) of its tests lands inside it. */
  tmp: string;
  /** Processes that ran before the tests (vitest's own helpers among them): never ours to flag. */
  before: Set<string>;
}

const key = (p: ProcessEntry): string => `${p.pid}:${p.startTime}`;

/**
 * What tells this run's processes from those of other vitest runs on the machine: a marker in the
 * environment, and a TMPDIR of its own, both inherited by the test workers and what they spawn.
 */
function startRunScope(): RunScope {
  const tmp = mkdtempSync(join(tmpdir(), 'regenesis-test-run-'));
  const marker = randomUUID();
  process.env[RUN_MARKER] = marker;
  process.env.TMPDIR = tmp;
  return { marker, tmp, before: new Set(listProcesses().map(key)) };
}

/**
 * This run's processes still alive: below vitest in the process tree, or orphaned out of it (their
 * starter was killed) yet carrying this run's marker or pointing into its temp dirs. Vitest's own
 * workers are not ours: they end when vitest closes its pool, after this teardown.
 */
function leftovers(run: RunScope): ProcessEntry[] {
  const table = listProcesses();
  const below = new Set(descendantsOf(process.pid, table).map((p) => p.pid));
  const inTmp = (path?: string) => path !== undefined && (path === run.tmp || path.startsWith(run.tmp + sep));
  const ours = (p: ProcessEntry) => below.has(p.pid) || p.environ?.includes(`${RUN_MARKER}=${run.marker}`) || inTmp(p.cwd) || p.command.includes(run.tmp + sep);
  const vitestItself = (p: ProcessEntry) => p.pid === process.pid || /[/\\]node_modules[/\\](vitest|tinypool|esbuild|@esbuild)[/\\]/.test(p.command);
  return table.filter((p) => !p.zombie && !run.before.has(key(p)) && ours(p) && !vitestItself(p));
}

async function failOnLeftovers(run: RunScope): Promise<void> {
  const deadline = Date.now() + GRACE_MS;
  let left = leftovers(run);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(100);
    left = leftovers(run);
  }
  if (left.length === 0) return;
  for (const p of left) killQuietly(p);
  process.exitCode = 1;
  throw new Error(`processes started by the tests outlived them (now killed):\n${left.map(describeProcess).join('\n')}`);
}

function killQuietly(p: ProcessEntry): void {
  try {
    if (stillRunning(p)) process.kill(p.pid, 'SIGKILL');
  } catch {
    // exited meanwhile
  }
}
