import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readProcessContext, type ProcessContext } from '../nodes/processContext.js';
import { alive } from '../nodes/pidFile.js';
import { nodeSettings, readProcessView, sameDir, type NodeSettings, type ProcessView } from './nodeSettings.js';

/**
 * Which running process is the node of a data directory, and where its process-context file is.
 *
 * Every readable process is considered, each read as the node would read its own settings
 * (nodeSettings.ts: argv flags, `AVAGO_*` variables, a JSON config file, the default under its own
 * HOME). A process is the node when its data directory is the one asked for and the
 * process-context file it would write names its pid: many processes of a user resolve to the
 * default directory, and a pid in a stale context file may since belong to another program; only
 * the node itself writes its own pid where it reads its own settings.
 */
export interface FoundNode extends ProcessContext {
  argv: string[];
  view: ProcessView;
  settings: NodeSettings;
}

export interface NodeSearch {
  found?: FoundNode;
  /** How many processes were read. */
  scanned: number;
  /** Processes whose environment could not be read (another user's): their env settings are unknown. */
  envUnreadable: number;
  /** Processes of this data directory that are not it, and config files that could not be read: why. */
  misses: string[];
}

/** The node of `dataDir` among the running processes, with what was looked at when there is none. */
export async function searchNode(dataDir: string): Promise<NodeSearch> {
  const search: NodeSearch = { scanned: 0, envUnreadable: 0, misses: [] };
  // The usual case first: the default context file names the node.
  const usual = await readProcessContext(join(dataDir, 'process.json'));
  const quick = usual && (await nodeOfPid(usual.pid, dataDir));
  if (quick) return { ...search, scanned: 1, found: quick };
  for (const pid of await processIds()) {
    const view = await readProcessView(pid);
    if (!view) continue;
    search.scanned++;
    if (!view.env) search.envUnreadable++;
    const found = await nodeOf(view, dataDir, search.misses);
    if (found) return { ...search, found };
  }
  return search;
}

/** The process `pid` as the node of `dataDir`, if it is: the check a context file's pid needs. */
export async function nodeOfPid(pid: number, dataDir: string): Promise<FoundNode | undefined> {
  const view = alive(pid) ? await readProcessView(pid) : undefined;
  return view && nodeOf(view, dataDir, []);
}

/** `view` as the node of `dataDir`, or undefined; a near miss worth an operator's eye goes to `misses`. */
async function nodeOf(view: ProcessView, dataDir: string, misses: string[]): Promise<FoundNode | undefined> {
  const settings = await nodeSettings(view);
  if (settings.configError && mentionsNode(view)) misses.push(`pid ${view.pid}: ${settings.configError}`);
  if (!(await sameDir(settings.dataDir, dataDir))) return undefined;
  const context = await readProcessContext(settings.contextFile);
  if (context?.pid === view.pid) return { ...context, argv: view.argv, view, settings };
  if (settings.dataDirFrom !== 'default' || mentionsNode(view)) {
    misses.push(
      `pid ${view.pid} has this data directory (${settings.dataDirFrom}) but its process-context file ${settings.contextFile} ${context ? `names pid ${context.pid}` : 'is absent or unreadable'}`,
    );
  }
  return undefined;
}

/** A process that looks like a node: only such are worth naming when they are not the one asked for. */
const mentionsNode = (view: ProcessView): boolean => /avalanchego|luxd/i.test(`${view.exe ?? ''} ${view.argv[0] ?? ''}`);

/** Every pid in /proc but this process's own, lowest first (a long-running node is usually low). */
async function processIds(): Promise<number[]> {
  const names = await readdir('/proc').catch(() => [] as string[]);
  return names
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((pid) => pid !== process.pid)
    .sort((a, b) => a - b);
}

/** Says where a node of `dataDir` was looked for, for an operator to see why it was not found. */
export function searchedFor(dataDir: string, search: NodeSearch): string {
  const parts = [
    `searched ${search.scanned} processes for one whose data directory is ${dataDir} — from its argv (--data-dir, --config-file / --config-file-content with "data-dir"), its environment (AVAGO_DATA_DIR, AVAGO_CONFIG_FILE), or the default $HOME/.avalanchego ($HOME/.luxd) of its own HOME — and whose process-context file (--process-context-file, AVAGO_PROCESS_CONTEXT_FILE, the config file's "process-context-file", default <data-dir>/process.json) names its pid`,
  ];
  if (search.envUnreadable > 0)
    parts.push(`${search.envUnreadable} processes' environments were not readable by this agent's user (run it as the node's user)`);
  parts.push(...search.misses.slice(0, 5));
  return parts.join('; ');
}
