import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The flags a node binary knows, from its own `--help` (avalanchego and luxd print every flag, one
 * per line, `--name type  description`). The agent turns the node's `AVAGO_*` variables into flags
 * of its recorded command line; viper reads such a variable only for a flag the node has, so a
 * stray one (`AVAGO_NOTES`, a typo) is ignored by the node, but as a flag it would make the restart
 * fail on "unknown flag": only variables naming a flag of this list are carried. Asked of the
 * command the restart runs (everything before the node's first flag), from the node's directory;
 * read once per command; undefined when it does not answer (then every variable is carried, as the
 * node might know it).
 */
const known = new Map<string, Promise<ReadonlySet<string> | undefined>>();

export function flagsOf(command: readonly string[], cwd?: string): Promise<ReadonlySet<string> | undefined> {
  const id = JSON.stringify([command, cwd]);
  let flags = known.get(id);
  if (!flags) {
    const [file, ...args] = command;
    flags = run(file ?? '', [...args, '--help'], { timeout: 10_000, maxBuffer: 4 * 1024 * 1024, ...(cwd ? { cwd } : {}) }).then(
      ({ stdout, stderr }) => {
        const names = new Set([...`${stdout}\n${stderr}`.matchAll(/^\s+--([a-z0-9][a-z0-9-]*)/gm)].map((m) => m[1]!));
        return names.size > 0 ? names : undefined;
      },
      () => undefined,
    );
    known.set(id, flags);
  }
  return flags;
}
