import { readFile } from 'node:fs/promises';
import type { DialectName } from '../network/dialectName.js';
import { hexToBytes } from '../state/hex.js';
import { BLS_SECRET_KEY_LENGTH, signMessage } from './bls.js';

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
 * The ratification of a genesis: a BLS signature over its sha256 (the 32 bytes, not the hex text)
 * under the network dialect's signature DST. Agents and the offline `regenesis sign` use this one.
 */
export function signGenesisSha256(secret: Uint8Array, genesisSha256: string, dialect: DialectName): string {
  if (!/^[0-9a-f]{64}$/.test(genesisSha256)) throw new Error(`genesisSha256: ${genesisSha256} is not a lower-case hex sha256`);
  return signMessage(secret, hexToBytes(genesisSha256), dialect);
}
