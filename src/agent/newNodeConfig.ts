import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../artifacts/atomicFile.js';
import { flagValue, withFlags, type NodeFlag } from './nodeArgs.js';

/**
 * The old node's config file, as the new node may read it. The new node carries the operator's
 * flags over, and with them `--config-file`; but a flag the agent only drops (it names the old
 * network: `genesis-file-content`, `upgrade-file`, `sybil-protection-enabled`, …) would come back
 * from that file, and an inline key there (`staking-*-file-content`) would win over the new node's
 * key files. So the new node reads a copy without those keys, written to the run's directory;
 * everything else in it (types included) is as the operator wrote it.
 */
const NEW_CONFIG = 'new-node-config.json';
const INLINE_KEYS = ['staking-tls-key-file-content', 'staking-tls-cert-file-content', 'staking-signer-key-file-content'];

/** `flags` with its config (file or inline content) replaced by a copy without `dropped` keys; unchanged with none. */
export async function withNewNodeConfig(flags: readonly NodeFlag[], dropped: readonly string[], dir: string): Promise<NodeFlag[]> {
  const text = await configText(flags);
  if (text === undefined) return [...flags];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(
      `the old node's config (${flagValue(flags, 'config-file') ?? '--config-file-content'}) is not JSON: the new node cannot be given a copy without the old network's settings`,
    );
  }
  const drop = new Set([...dropped, ...INLINE_KEYS, 'data-dir', 'config-file', 'config-file-content', 'config-file-content-type']);
  const kept = Object.fromEntries(Object.entries(parsed as Record<string, unknown>).filter(([key]) => !drop.has(key.toLowerCase())));
  const path = join(dir, NEW_CONFIG);
  await writeFileAtomic(path, `${JSON.stringify(kept, null, 2)}\n`, 0o600);
  return withFlags(flags, ['config-file-content', 'config-file-content-type'], [{ name: 'config-file', value: path }]);
}

/** The config text the old node read: inline content first (as avalanchego), else the file. */
async function configText(flags: readonly NodeFlag[]): Promise<string | undefined> {
  const content = flagValue(flags, 'config-file-content');
  if (content) return Buffer.from(content, 'base64').toString('utf8');
  const file = flagValue(flags, 'config-file');
  return file ? readFile(file, 'utf8') : undefined;
}
