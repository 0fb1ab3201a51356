import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

/** Where scripts/bootstrap.sh caches the binaries it builds (never inside the repository). */
export const TOOL_CACHE = process.env.REGENESIS_TOOL_CACHE ?? join(homedir(), '.cache', 'regenesis', 'bin');

export type ToolName = 'temporal' | 'geth' | 'anvil' | 'avalanchego' | 'versitygw';

const ENV_VAR: Record<ToolName, string> = {
  temporal: 'TEMPORAL_BIN',
  geth: 'GETH_BIN',
  anvil: 'ANVIL_BIN',
  avalanchego: 'AVALANCHEGO_BIN',
  versitygw: 'VERSITYGW_BIN',
};

const CACHED_NAME: Record<ToolName, string> = {
  temporal: 'temporal',
  geth: 'geth',
  anvil: 'anvil',
  avalanchego: 'avalanchego',
  versitygw: 'versitygw',
};

function anvilFromNpm(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve('@foundry-rs/anvil-linux-amd64/package.json');
    const bin = join(dirname(pkg), 'bin', 'anvil');
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * Resolves a tool binary: the environment variable first (an explicit choice must exist), then the
 * bootstrap cache, then the npm package (anvil), then PATH. Throws a message naming the fix.
 */
export function toolPath(tool: ToolName): string {
  const fromEnv = process.env[ENV_VAR[tool]];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`${ENV_VAR[tool]}=${fromEnv} does not exist`);
    return fromEnv;
  }
  const cached = join(TOOL_CACHE, CACHED_NAME[tool]);
  if (existsSync(cached)) return cached;
  if (tool === 'anvil') {
    const npmAnvil = anvilFromNpm();
    if (npmAnvil) return npmAnvil;
  }
  const found = onPath(tool);
  if (found) return found;
  throw new Error(`${tool} not found: run 'npm run bootstrap' or set ${ENV_VAR[tool]}`);
}
