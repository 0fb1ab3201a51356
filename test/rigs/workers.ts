import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

const BIN = new URL('../../bin/regenesis.js', import.meta.url).pathname;

/**
 * `regenesis worker` processes, as an operator runs them: tests SIGKILL them and start new ones.
 * They load one workflow bundle built up front, as the worker image does.
 */
export class WorkerProcesses {
  private readonly started: ChildProcess[] = [];
  private bundle?: string;

  constructor(
    private readonly logDir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Builds the workflow bundle the workers load (`regenesis bundle`). */
  prepare(): void {
    if (process.env.REGENESIS_TEST_WORKFLOW_BUNDLE) {
      this.bundle = process.env.REGENESIS_TEST_WORKFLOW_BUNDLE; // built once for the run
      return;
    }
    const bundle = join(this.logDir, 'workflow-bundle.js');
    const built = spawnSync(process.execPath, [BIN, 'bundle', '--out', bundle], { encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`regenesis bundle failed: ${built.stderr}`);
    this.bundle = bundle;
  }

  start(options: { taskQueue: string; artifactsDir: string; env?: NodeJS.ProcessEnv }): ChildProcess {
    const child = spawn(process.execPath, [BIN, 'worker'], {
      env: {
        ...process.env,
        ...this.env,
        ...(this.bundle ? { REGENESIS_WORKFLOW_BUNDLE: this.bundle } : {}),
        REGENESIS_TASK_QUEUE: options.taskQueue,
        REGENESIS_ARTIFACTS_DIR: options.artifactsDir,
        LOG_FORMAT: 'json',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = createWriteStream(join(this.logDir, `worker-${this.started.length}.log`));
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.started.push(child);
    return child;
  }

  /** Every worker log written so far, in start order. */
  get logPaths(): string[] {
    return this.started.map((_, i) => join(this.logDir, `worker-${i}.log`));
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      this.started
        .filter((w) => w.exitCode === null && w.signalCode === null)
        .map(
          (w) =>
            new Promise((resolve) => {
              w.once('exit', resolve);
              w.kill('SIGKILL');
            }),
        ),
    );
  }
}
