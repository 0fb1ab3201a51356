import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { toolPath, type ToolName } from '../tools.js';

const BOOTSTRAP = fileURLToPath(new URL('../../scripts/bootstrap.sh', import.meta.url));

/**
 * Makes sure the programs a command drives are here, and only those: the geth demo never waits
 * for an avalanchego build. Missing ones are built by scripts/bootstrap.sh, which says what it
 * builds, for what, and about how long it takes.
 */
export function ensureTools(tools: readonly ToolName[], purpose: string): void {
  const missing = tools.filter((tool) => {
    try {
      toolPath(tool);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  if (!existsSync(BOOTSTRAP)) {
    throw new Error(`${missing.join(', ')} missing for ${purpose}: set ${missing.map((t) => `${t.toUpperCase()}_BIN`).join(', ')} or put them on PATH`);
  }
  const built = spawnSync('bash', [BOOTSTRAP, '--for', purpose, ...missing], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error(`scripts/bootstrap.sh could not provide ${missing.join(', ')} (exit ${built.status ?? built.signal})`);
}
