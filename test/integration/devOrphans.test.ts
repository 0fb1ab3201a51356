import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/nodes/ports.js';
import { descendantsOf, describeProcess, stillRunning, type ProcessEntry } from '../helpers/processTree.js';

const BIN = new URL('../../bin/regenesis.js', import.meta.url).pathname;

/**
 * Preloaded into `regenesis dev` for the crash case: once the trigger file exists, a timer throws,
 * an error nothing catches, as a bug in the worker's code would.
 */
const CRASH_HOOK = `
import { existsSync } from 'node:fs';
const trigger = process.env.DEV_ORPHANS_CRASH_TRIGGER;
setInterval(() => { if (existsSync(trigger)) throw new Error('injected uncaught error'); }, 100).unref();
`;

interface RunningDev {
  dev: ChildProcess;
  port: number;
  exited: Promise<void>;
  log(): string;
}

/** `regenesis dev` on free ports, as an operator starts it; resolves once its worker polls. */
async function startDev(work: string, nodeArgs: string[] = []): Promise<RunningDev> {
  const port = await freePort();
  const uiPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_FORMAT: 'json',
    REGENESIS_TASK_QUEUE: `dev-orphans-${port}`,
    REGENESIS_ARTIFACTS_DIR: join(work, 'artifacts'),
    DEV_ORPHANS_CRASH_TRIGGER: join(work, 'crash-now'),
    // The run's prebuilt bundle (test/globalSetup.ts) spares the dev command a webpack build.
    ...(process.env.REGENESIS_TEST_WORKFLOW_BUNDLE ? { REGENESIS_WORKFLOW_BUNDLE: process.env.REGENESIS_TEST_WORKFLOW_BUNDLE } : {}),
  };
  const args = [...nodeArgs, BIN, 'dev', '--port', String(port), '--ui-port', String(uiPort), '--state-dir', join(work, 'state')];
  const dev = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => dev.once('exit', () => resolve()));
  let log = '';
  dev.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  dev.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  for (let waited = 0; !log.includes('Web UI:'); waited += 250) {
    if (dev.exitCode !== null || dev.signalCode !== null) throw new Error(`regenesis dev exited while starting:\n${log}`);
    if (waited > 120_000) {
      dev.kill('SIGKILL');
      throw new Error(`regenesis dev did not come up:\n${log}`);
    }
    await sleep(250);
  }
  return { dev, port, exited, log: () => log };
}

/** Whether anything accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function survivorsAfter(children: readonly ProcessEntry[], ms: number): Promise<ProcessEntry[]> {
  const deadline = Date.now() + ms;
  while (children.some(stillRunning) && Date.now() < deadline) await sleep(100);
  return children.filter(stillRunning);
}

interface Ending {
  ending: string;
  /** Extra node arguments for `regenesis dev` (the crash case preloads its hook). */
  nodeArgs?: (work: string) => string[];
  end: (dev: RunningDev, work: string) => void;
}

const ENDINGS: Ending[] = [
  { ending: 'SIGKILL', end: ({ dev }) => dev.kill('SIGKILL') },
  { ending: 'SIGTERM', end: ({ dev }) => dev.kill('SIGTERM') },
  { ending: 'SIGINT', end: ({ dev }) => dev.kill('SIGINT') },
  {
    ending: 'an uncaught error',
    nodeArgs: (work) => {
      writeFileSync(join(work, 'crash-hook.mjs'), CRASH_HOOK);
      return ['--import', join(work, 'crash-hook.mjs')];
    },
    end: (_dev, work) => writeFileSync(join(work, 'crash-now'), ''),
  },
];

describe('regenesis dev leaves nothing running when it ends', () => {
  let work: string | undefined;
  let children: ProcessEntry[] = [];

  afterEach(() => {
    // Whatever the outcome, the machine is left clean for the next test.
    for (const p of children.filter(stillRunning)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    children = [];
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it.each(ENDINGS)('$ending: its Temporal server and every other child are gone', async ({ nodeArgs, end }) => {
    work = mkdtempSync(join(tmpdir(), 'regenesis-dev-orphans-'));
    const running = await startDev(work, nodeArgs?.(work) ?? []);
    // Read from /proc, not from the product: what runs below the dev process right now.
    children = descendantsOf(running.dev.pid!);
    expect(children.map((p) => p.command).join('\n')).toMatch(/temporal server start-dev/);
    expect(await listening(running.port)).toBe(true);

    end(running, work);
    await running.exited;
    const survivors = await survivorsAfter(children, 5_000);
    expect(survivors.map(describeProcess), running.log().slice(-3000)).toEqual([]);
    // Not "the port is closed" afterwards: on a shared machine a freed ephemeral port can be taken
    // (or self-connected to) at once; the processes themselves being gone is what /proc proves.
  });
});
