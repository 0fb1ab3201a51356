import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { AtomicFile } from '../../artifacts/atomicFile.js';

/**
 * cChainGenesis is the whole C-Chain state, so the primary genesis is built around a placeholder
 * and the C-Chain genesis file is streamed into its place when written: never held in memory.
 */

/** A JSON object the builder accepts in place of the real C-Chain genesis, replaced when writing. */
export const C_GENESIS_PLACEHOLDER = '{"regenesis":"cChainGenesis placeholder"}';

/** The C-Chain genesis on disk is not the one the run verified. */
export class EmbeddedGenesisMismatchError extends Error {
  override readonly name = 'EmbeddedGenesisMismatchError';
}

/** A serialized document cut around its one placeholder string. */
export interface SplicePoint {
  before: string;
  after: string;
}

export function spliceAtPlaceholder(text: string): SplicePoint {
  const marker = JSON.stringify(C_GENESIS_PLACEHOLDER);
  const at = text.indexOf(marker);
  if (at < 0 || text.indexOf(marker, at + 1) >= 0) throw new Error('primary genesis: the cChainGenesis placeholder is not in the document exactly once');
  return { before: text.slice(0, at), after: text.slice(at + marker.length) };
}

/**
 * Writes `before`, the C-Chain genesis file as a JSON string, then `after`. The file is ASCII
 * JSON, escaped chunk by chunk, and hashed on the way: the bytes embedded must be the C-Chain
 * genesis the run verified, not whatever is on disk now.
 */
export async function writeWithEmbeddedGenesis(out: AtomicFile, splice: SplicePoint, embedded: { path: string; sha256: string }): Promise<void> {
  await out.write(`${splice.before}"`);
  const decoder = new StringDecoder('utf8');
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(embedded.path, { highWaterMark: 1 << 16 })) {
    hash.update(chunk as Buffer);
    await out.write(JSON.stringify(decoder.write(chunk as Buffer)).slice(1, -1));
  }
  await out.write(`${JSON.stringify(decoder.end()).slice(1, -1)}"${splice.after}`);
  const sha256 = `0x${hash.digest('hex')}`;
  if (sha256.replace(/^0x/, '') !== embedded.sha256.replace(/^0x/, '')) {
    throw new EmbeddedGenesisMismatchError(`${embedded.path}: sha256 ${sha256} is not the verified C-Chain genesis ${embedded.sha256}`);
  }
}
