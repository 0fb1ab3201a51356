import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { config } from './config.js';
import { logger } from './logger.js';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
const cliPath = fileURLToPath(new URL('../bin/regenesis.js', import.meta.url));

/**
 * Builds the workflow bundle (webpack) into a file, written whole or not at all. A worker image
 * runs this at build time (`regenesis bundle --out …`): building it at worker start costs the
 * worker ~370 MB of peak memory that it never gives back to the OS.
 */
export async function writeWorkflowBundle(out: string): Promise<{ bytes: number }> {
  const { bundleWorkflowCode, DefaultLogger } = await import('@temporalio/worker');
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  const partial = `${out}.partial`;
  await mkdir(dirname(out), { recursive: true });
  await writeFile(partial, bundle.code);
  await rename(partial, out);
  return { bytes: Buffer.byteLength(bundle.code) };
}

/**
 * The bundle a long-running worker loads: REGENESIS_WORKFLOW_BUNDLE when set (prebuilt, as in the
 * image), otherwise one built now in a short-lived child process, so the bundler's peak lands in
 * a process that exits rather than in the worker.
 */
export async function prepareWorkflowBundle(): Promise<string> {
  if (config.workflowBundle) return config.workflowBundle;
  const out = join(await mkdtemp(join(tmpdir(), 'regenesis-bundle-')), 'workflow-bundle.js');
  const started = performance.now();
  await promisify(execFile)(process.execPath, [cliPath, 'bundle', '--out', out], { maxBuffer: 1 << 20 });
  logger.info({ out, seconds: Math.round(performance.now() - started) / 1000 }, 'workflow bundle built');
  return out;
}
