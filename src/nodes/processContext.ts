import { readFile } from 'node:fs/promises';
import { nodeSettings, readProcessView, sameDir } from '../agent/nodeSettings.js';
import { alive } from './pidFile.js';

/** What avalanchego writes to its process context file once its listeners are bound. */
export interface ProcessContext {
  pid: number;
  uri: string;
  stakingAddress: string;
}

/** The host part of `host:port` or `[v6]:port` (a process context's addresses), brackets kept. */
export function hostOf(address: string): string {
  return address.slice(0, address.lastIndexOf(':'));
}

/** The port part of `host:port` or `[v6]:port`. */
export function portOf(address: string): string {
  return address.slice(address.lastIndexOf(':') + 1);
}

export async function readProcessContext(path: string): Promise<ProcessContext | undefined> {
  try {
    const ctx = JSON.parse(await readFile(path, 'utf8')) as Partial<ProcessContext>;
    if (typeof ctx.pid !== 'number' || typeof ctx.uri !== 'string' || typeof ctx.stakingAddress !== 'string') return undefined;
    return { pid: ctx.pid, uri: ctx.uri.replace(/\/+$/, ''), stakingAddress: ctx.stakingAddress };
  } catch {
    return undefined; // absent, or caught half-written
  }
}

/** The command line of a live process, or undefined when it is gone. */
export async function processArgv(pid: number): Promise<string[] | undefined> {
  if (!alive(pid)) return undefined;
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((part, i, all) => part !== '' || i < all.length - 1);
  } catch {
    return undefined;
  }
}

/**
 * The node named by a context file, if that pid is still this node: a pid can be reused by another
 * program after the node exits, so the process must have `dataDir` as its data directory, however
 * it was given one (flag, `AVAGO_*` variable, config file or default: src/agent/nodeSettings.ts).
 */
export async function liveNode(contextPath: string, dataDir: string): Promise<(ProcessContext & { argv: string[] }) | undefined> {
  const ctx = await readProcessContext(contextPath);
  if (!ctx) return undefined;
  const view = alive(ctx.pid) ? await readProcessView(ctx.pid) : undefined;
  if (!view || !(await sameDir((await nodeSettings(view)).dataDir, dataDir))) return undefined;
  return { ...ctx, argv: view.argv };
}
