import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOOL_CACHE } from '../src/tools.js';
import { log } from './progress.js';
import { runMeasured, type Measured } from './procs.js';

/**
 * go-ethereum's own StackTrie over the same partitions (bench/gethroot, a small Go program pinned
 * to the geth version bootstrap builds): the state root without `geth init`'s database, so the
 * comparison is trie against trie. The binary is built with the Go toolchain into the bootstrap
 * cache, named after a hash of its sources so an edited program is rebuilt; GETHROOT_BIN overrides.
 */

const SOURCE_DIR = fileURLToPath(new URL('./gethroot/', import.meta.url));
const SOURCES = ['main.go', 'go.mod', 'go.sum'];

/** The gethroot binary, built first if this version of its sources has not been built yet. */
export function gethRootBinary(): string {
  const fromEnv = process.env.GETHROOT_BIN;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`GETHROOT_BIN=${fromEnv} does not exist`);
    return fromEnv;
  }
  const digest = createHash('sha256');
  for (const name of SOURCES) digest.update(readFileSync(join(SOURCE_DIR, name)));
  const binary = join(TOOL_CACHE, `gethroot-${digest.digest('hex').slice(0, 12)}`);
  if (existsSync(binary)) return binary;
  mkdirSync(TOOL_CACHE, { recursive: true });
  log(`building ${binary} from bench/gethroot (go-ethereum's StackTrie; first time only, about a minute)`);
  const partial = `${binary}.${process.pid}.partial`;
  const build = spawnSync('go', ['build', '-trimpath', '-o', partial, '.'], { cwd: SOURCE_DIR, encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
  if (build.error || build.status !== 0) {
    rmSync(partial, { force: true });
    const why = build.error ? build.error.message : build.stderr.slice(-2000);
    throw new Error(`go build of bench/gethroot failed (Go ≥ 1.24 is needed, or set GETHROOT_BIN): ${why}`);
  }
  renameSync(partial, binary);
  return binary;
}

export interface StackTrieResult extends Measured {
  command: string;
  /** The program's own time for the work, start-up excluded (as our root phase measures). */
  seconds: number;
  accounts: number;
  stateRoot: string;
}

/** One timed run of gethroot over `files`: its root, its own time, and GNU time's wall/RSS/CPU. */
export async function timedGethStackTrie(binary: string, files: readonly string[], logDir: string, run: number): Promise<StackTrieResult> {
  return timedGethRoot(binary, [], files, logDir, `gethroot-${run}`);
}

export interface GethGenesisResult extends StackTrieResult {
  bytes: number;
  sha256: string;
}

/**
 * One timed run of `gethroot -genesis`: go-ethereum's StackTrie and its own genesis alloc JSON
 * (types.Account) in one pass, the genesis activity's work; the file is removed afterwards.
 */
export async function timedGethGenesis(binary: string, files: readonly string[], out: string, logDir: string, run: number): Promise<GethGenesisResult> {
  try {
    const r = await timedGethRoot(binary, ['-genesis', out], files, logDir, `gethgenesis-${run}`);
    if (typeof r.bytes !== 'number' || typeof r.sha256 !== 'string') throw new Error('gethroot -genesis printed no bytes and sha256');
    return { ...r, command: `gethroot -genesis <file> <${files.length} partitions>`, bytes: r.bytes, sha256: r.sha256 };
  } finally {
    rmSync(out, { force: true });
  }
}

async function timedGethRoot(
  binary: string,
  flags: string[],
  files: readonly string[],
  logDir: string,
  name: string,
): Promise<StackTrieResult & { bytes?: number; sha256?: string }> {
  const outPath = join(logDir, `${name}.json`);
  const logPath = join(logDir, 'gethroot.log');
  const measured = await runMeasured(binary, [...flags, ...files], { stdoutPath: outPath, logPath });
  if (measured.exitCode !== 0) throw new Error(`gethroot exited with ${measured.exitCode}; see ${logPath}`);
  const out = JSON.parse(readFileSync(outPath, 'utf8')) as { root?: string; accounts?: number; seconds?: number; bytes?: number; sha256?: string };
  if (!out.root || typeof out.seconds !== 'number' || typeof out.accounts !== 'number') {
    throw new Error(`gethroot printed no root, accounts and seconds: ${readFileSync(outPath, 'utf8').slice(0, 500)}`);
  }
  const command = `gethroot <${files.length} partitions>`;
  return { ...measured, command, seconds: out.seconds, accounts: out.accounts, stateRoot: out.root.toLowerCase(), bytes: out.bytes, sha256: out.sha256 };
}
