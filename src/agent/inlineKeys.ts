import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../artifacts/atomicFile.js';
import type { NodeFlag } from './nodeArgs.js';

/**
 * avalanchego takes its staking TLS key and BLS signer key either from a file or inline, base64 in
 * a `*-file-content` flag. Inline, the key would be copied wherever the agent keeps or shows the
 * node's command line: the run's `old-node.json`, the new node's argv and its log header, the
 * start command's REGENESIS_NODE_ARGS, and through a log tail in an error into the run's history.
 * So before the agent records a command line, each inline key is written to a file of its own on
 * this host (0600, under the agent's work directory) and the flag is replaced by the file flag that
 * gives the node the same bytes. The node is the same validator either way; the key stays on the host.
 */
const INLINE_KEY_FLAGS: Readonly<Record<string, string>> = {
  'staking-tls-key-file-content': 'staking-tls-key-file',
  // Public, but avalanchego takes the TLS pair in one form: a key file needs a certificate file.
  'staking-tls-cert-file-content': 'staking-tls-cert-file',
  'staking-signer-key-file-content': 'staking-signer-key-file',
};

/** The directory of the agent's copies of inline keys: readable by the agent's user only. */
export const keysDirOf = (workDir: string): string => join(workDir, 'keys');

/**
 * `flags` with every inline key replaced by its file flag, the key's bytes written once to
 * `<workDir>/keys/<file flag>` (the same bytes each time a node is halted, so a rewrite is harmless).
 * A value that is not base64 is refused naming the flag, never its value.
 */
export async function inlineKeysToFiles(flags: readonly NodeFlag[], workDir: string): Promise<NodeFlag[]> {
  const out: NodeFlag[] = [];
  for (const flag of flags) {
    const fileFlag = INLINE_KEY_FLAGS[flag.name];
    if (!fileFlag) {
      out.push(flag);
      continue;
    }
    out.push({ name: fileFlag, value: await writeKeyFile(workDir, fileFlag, flag) });
  }
  return out;
}

/** Why an inline key flag could not be moved to a file: it is not base64 as avalanchego reads it. Names the flag, never its value. */
function inlineKeyProblem(flag: NodeFlag): string | undefined {
  const text = flag.value ?? '';
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(text) && text.length % 4 === 0) return undefined;
  return `--${flag.name}: not base64, as avalanchego reads it (the value is not shown)`;
}

/** What `inlineKeysToFiles` would refuse in `flags`, found without writing anything (preflight). */
export function inlineKeyProblems(flags: readonly NodeFlag[]): string[] {
  return flags.flatMap((flag) => (INLINE_KEY_FLAGS[flag.name] ? (inlineKeyProblem(flag) ?? []) : []));
}

async function writeKeyFile(workDir: string, fileFlag: string, flag: NodeFlag): Promise<string> {
  const problem = inlineKeyProblem(flag);
  if (problem) throw new Error(problem);
  const text = flag.value ?? '';
  const dir = keysDirOf(workDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, fileFlag);
  await writeFileAtomic(path, Buffer.from(text, 'base64'), 0o600);
  return path;
}

/**
 * `flags` with an inline config (`--config-file-content`, base64) moved to a file of its own, 0600
 * under `<workDir>/keys/`: such a config may hold inline keys itself, and the agent records and
 * shows the command line. `--config-file` then names the same bytes, of the same type.
 */
export async function inlineConfigToFile(flags: readonly NodeFlag[], workDir: string): Promise<NodeFlag[]> {
  const content = flags.findLast((f) => f.name === 'config-file-content')?.value;
  if (!content) return [...flags];
  const type = flags.findLast((f) => f.name === 'config-file-content-type')?.value ?? 'json';
  if (!/^[a-z]+$/.test(type)) throw new Error(`--config-file-content-type ${JSON.stringify(type)}: not a config type avalanchego reads`);
  const dir = keysDirOf(workDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `old-node-config.${type}`);
  await writeFileAtomic(path, Buffer.from(content, 'base64'), 0o600);
  const moved = ['config-file-content', 'config-file-content-type', 'config-file'];
  return [...flags.filter((f) => !moved.includes(f.name)), { name: 'config-file', value: path }];
}
