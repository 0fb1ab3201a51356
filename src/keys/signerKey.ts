import { readFile } from 'node:fs/promises';
import type { DialectName } from '../network/dialectName.js';
import { BLS_SECRET_KEY_LENGTH, signMessage } from './bls.js';
import { ratificationMessage, type RatificationSubject } from './ratificationMessage.js';

/**
 * A validator's BLS signer key file, read where it is used and never kept: raw 32 bytes, as
 * avalanchego and luxd write it (`staking/signer.key`). `field` names the flag or setting it came from.
 */
export async function readSignerKey(file: string, field: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(await readFile(file));
  if (bytes.length !== BLS_SECRET_KEY_LENGTH) {
    throw new Error(`${field} ${file}: a BLS signer key is ${BLS_SECRET_KEY_LENGTH} raw bytes, the file has ${bytes.length}`);
  }
  return bytes;
}

/**
 * The ratification of a genesis for one network: a BLS signature over ratificationMessage (never
 * over the bare sha256) under the network dialect's signature DST. Agents and the offline
 * `regenesis sign` use this one.
 */
export function signRatification(secret: Uint8Array, subject: RatificationSubject, dialect: DialectName): string {
  return signMessage(secret, ratificationMessage(subject.networkId, subject.genesisSha256), dialect);
}
