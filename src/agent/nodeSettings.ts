import { readFile, readlink, realpath } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { NodeFlag } from './nodeArgs.js';

/**
 * Where a running node keeps its data and its process-context file, worked out from what the
 * process was given the way the node itself works it out. Operators configure a node by flags, by
 * environment variables, by a config file or not at all; an agent that only read `--data-dir` from
 * the command line would fail to find such a node at the halt, after other hosts had halted.
 *
 * The rules, from avalanchego v1.14.0 (~/go/pkg/mod/github.com/ava-labs/avalanchego@v1.14.0):
 * - config/viper.go BuildViper: viper with AutomaticEnv, prefix `avago`, dashes to underscores
 *   (`data-dir` ← `AVAGO_DATA_DIR`), and a config file read from `config-file-content` (base64, of
 *   `config-file-content-type`, default json) if set, else `config-file`. Viper's own order
 *   (spf13/viper@v1.20.1 viper.go `find`): a flag given on the command line, then the environment
 *   (an empty variable counts as unset), then the config file, then the flag's default.
 * - config/flags.go: `data-dir` defaults to `$HOME/.avalanchego`; `process-context-file` to
 *   `$AVALANCHEGO_DATA_DIR/process.json`, where getExpandedArg replaces `$AVALANCHEGO_DATA_DIR` by the
 *   data dir (itself env-expanded) and every other `$VAR` by the environment. Relative paths are the
 *   process's working directory's.
 * luxd (luxfi/node config/viper.go, config/flags.go) keeps the `avago` prefix and the same rules,
 * with `$HOME/.luxd` and `$LUXD_DATA_DIR` instead.
 */
export type SettingSource = 'flag' | 'env' | 'config-file' | 'default';

/** What the kernel says about a process: enough to redo the node's own reading of its settings. */
export interface ProcessView {
  pid: number;
  argv: string[];
  /** Undefined when /proc/<pid>/environ is not readable (another user's process). */
  env?: Record<string, string>;
  cwd?: string;
  exe?: string;
}

export interface NodeSettings {
  dataDir: string;
  dataDirFrom: SettingSource;
  contextFile: string;
  contextFileFrom: SettingSource;
  /** The config file in effect, absolute; undefined with none or with inline config content. */
  configFile?: string;
  /** Why a config file in effect could not be read (its values are then unknown). */
  configError?: string;
  /** The flags the node takes from `AVAGO_*` variables, as flags (a command-line flag wins over them). */
  envFlags: NodeFlag[];
  /** The config's top-level scalar values, keys lower-cased (empty with no config). */
  configValues: Record<string, string>;
}

export const ENV_PREFIX = 'AVAGO_';
const DATA_DIR_VARS = ['AVALANCHEGO_DATA_DIR', 'LUXD_DATA_DIR'];

/** The process's command line, environment, working directory and binary; undefined once it is gone. */
export async function readProcessView(pid: number): Promise<ProcessView | undefined> {
  const argv = await readFile(`/proc/${pid}/cmdline`, 'utf8').then(splitNul, () => undefined);
  if (!argv?.length) return undefined;
  const env = await readFile(`/proc/${pid}/environ`, 'utf8').then(parseEnviron, () => undefined);
  const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => undefined);
  // A binary replaced on disk since the process started (an upgrade) reads as "<path> (deleted)".
  const exe = await readlink(`/proc/${pid}/exe`).then(
    (path) => path.replace(/ \(deleted\)$/, ''),
    () => undefined,
  );
  return { pid, argv, env, cwd, exe };
}

/** /proc lists are NUL-separated and NUL-terminated; an empty argument in the middle is kept. */
function splitNul(raw: string): string[] {
  const parts = raw.split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

/** The environment as the node's os.Getenv sees it: the first `=` splits name from value. */
function parseEnviron(raw: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of splitNul(raw)) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** pflag's reading of a command line, tolerant of words that are not flags (an interpreter's script). */
export function lenientFlags(args: readonly string[]): NodeFlag[] {
  const flags: NodeFlag[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--') || arg === '--') continue;
    const eq = arg.indexOf('=');
    if (eq > 0) flags.push({ name: arg.slice(2, eq), value: arg.slice(eq + 1) });
    else if (i + 1 < args.length && !args[i + 1]!.startsWith('--')) flags.push({ name: arg.slice(2), value: args[++i]! });
    else flags.push({ name: arg.slice(2) });
  }
  return flags;
}

/** The `AVAGO_*` variables as the flags they set; viper ignores an empty one. */
export function envAsFlags(env: Readonly<Record<string, string>>): NodeFlag[] {
  return Object.entries(env)
    .filter(([key, value]) => key.startsWith(ENV_PREFIX) && key.length > ENV_PREFIX.length && value !== '')
    .map(([key, value]) => ({ name: key.slice(ENV_PREFIX.length).toLowerCase().replace(/_/g, '-'), value }));
}

/** Go's os.Expand over `$NAME` and `${NAME}`: an unset variable is empty. */
function expand(value: string, lookup: (name: string) => string): string {
  return value.replace(/\$\{([^}]*)\}|\$([A-Za-z0-9_]+)/g, (_, braced: string | undefined, bare: string | undefined) => lookup(braced ?? bare ?? ''));
}

const expandEnv = (value: string, env: Readonly<Record<string, string>>): string => expand(value, (name) => env[name] ?? '');

/** avalanchego's getExpandedArg: its data-dir variable is the data dir, any other the environment's. */
const expandArg = (value: string, env: Readonly<Record<string, string>>, dataDirRaw: string): string =>
  expand(value, (name) => (DATA_DIR_VARS.includes(name) ? expandEnv(dataDirRaw, env) : (env[name] ?? '')));

type Setting = { value: string; from: SettingSource };
type Lookup = (key: string) => Setting | undefined;

/** A setting by the node's precedence: command line, then environment, then config file. */
function lookupIn(flags: readonly NodeFlag[], envFlags: readonly NodeFlag[], config: Readonly<Record<string, string>>): Lookup {
  return (key) => {
    const flag = flags.findLast((f) => f.name === key);
    if (flag) return { value: flag.value ?? '', from: 'flag' };
    const env = envFlags.find((f) => f.name === key);
    if (env) return { value: env.value!, from: 'env' };
    return key in config ? { value: config[key]!, from: 'config-file' } : undefined;
  };
}

/** The default data directory's name: luxd's for a binary named like it, else avalanchego's. */
const defaultDirName = (view: ProcessView): string => (/lux/i.test(basename(view.exe ?? '') + basename(view.argv[0] ?? '')) ? '.luxd' : '.avalanchego');

/** The data directory and process-context file this process uses, read as the node reads them. */
export async function nodeSettings(view: ProcessView): Promise<NodeSettings> {
  const env = view.env ?? {};
  const cwd = view.cwd ?? '/';
  const flags = lenientFlags(view.argv.slice(1));
  const envFlags = envAsFlags(env);
  const beforeConfig = lookupIn(flags, envFlags, {});
  const dataDirBefore = beforeConfig('data-dir')?.value ?? join('$HOME', defaultDirName(view));
  const config = await readConfig(beforeConfig, env, cwd, dataDirBefore);
  const get = lookupIn(flags, envFlags, config.values);
  const dataDir = get('data-dir') ?? { value: join('$HOME', defaultDirName(view)), from: 'default' as const };
  const context = get('process-context-file') ?? { value: join('$AVALANCHEGO_DATA_DIR', 'process.json'), from: 'default' as const };
  return {
    dataDir: resolve(cwd, expandEnv(dataDir.value, env)),
    dataDirFrom: dataDir.from,
    contextFile: resolve(cwd, expandArg(context.value, env, dataDir.value)),
    contextFileFrom: context.from,
    ...(config.file ? { configFile: config.file } : {}),
    ...(config.error ? { configError: config.error } : {}),
    envFlags,
    configValues: config.values,
  };
}

interface ConfigRead {
  values: Record<string, string>;
  file?: string;
  error?: string;
}

/** The config the node reads: inline content first, else the file; JSON only (viper's default type). */
async function readConfig(get: Lookup, env: Readonly<Record<string, string>>, cwd: string, dataDirRaw: string): Promise<ConfigRead> {
  const content = get('config-file-content')?.value;
  if (content) {
    const type = get('config-file-content-type')?.value ?? 'json';
    if (type !== 'json') return { values: {}, error: `--config-file-content of type ${type}: only json is read here` };
    return parseConfig(Buffer.from(content, 'base64').toString('utf8'), '--config-file-content');
  }
  const named = get('config-file')?.value;
  if (!named) return { values: {} };
  const file = resolve(cwd, expandArg(named, env, dataDirRaw));
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => err);
  if (text instanceof Error) return { values: {}, file, error: `config file ${file}: ${text.code ?? text.message}` };
  return { ...parseConfig(text, `config file ${file}`), file };
}

/** Top-level keys of a JSON config, lower-cased as viper does, as strings. */
function parseConfig(text: string, what: string): ConfigRead {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { values: {}, error: `${what}: not a JSON object` };
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (value !== null && typeof value !== 'object') values[key.toLowerCase()] = String(value);
    }
    return { values };
  } catch {
    return { values: {}, error: `${what}: not JSON (only JSON config files are read here)` };
  }
}

/** Whether two paths name the same directory, symbolic links followed where they exist. */
export async function sameDir(a: string, b: string): Promise<boolean> {
  if (resolve(a) === resolve(b)) return true;
  const [ra, rb] = await Promise.all([realpath(a).catch(() => resolve(a)), realpath(b).catch(() => resolve(b))]);
  return ra === rb;
}
