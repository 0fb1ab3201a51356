import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { publicKeyFromSecret, signMessage } from '../keys/bls.js';
import { nodeIdFromCertificate, readCertificate } from '../keys/certificate.js';
import type { DialectName } from '../network/dialect.js';
import { hexToBytes } from '../state/hex.js';
import type { AgentConfig } from './config.js';

export interface AgentIdentity {
  nodeId: string;
  /** Compressed G1 public key of the host's BLS signer key, 0x hex. */
  blsPublicKey: string;
  /** What the node binary says of itself (`avalanchego/1.14.0 …`). */
  nodeVersion: string;
}

/** The host's BLS signer key, read where it is used and never kept: raw 32 bytes, as avalanchego writes it. */
async function signerKey(config: AgentConfig): Promise<Uint8Array> {
  const bytes = new Uint8Array(await readFile(config.signerKeyFile));
  if (bytes.length !== 32) throw new Error(`signerKeyFile ${config.signerKeyFile}: a BLS signer key is 32 raw bytes, the file has ${bytes.length}`);
  return bytes;
}

export async function identify(config: AgentConfig): Promise<AgentIdentity> {
  const certificate = readCertificate(await readFile(config.stakingCertFile, 'utf8'), `stakingCertFile ${config.stakingCertFile}`);
  const { stdout } = await promisify(execFile)(config.nodeBinary, ['--version'], { timeout: 30_000 });
  return {
    nodeId: nodeIdFromCertificate(certificate),
    blsPublicKey: publicKeyFromSecret(await signerKey(config)),
    nodeVersion: stdout.trim().split('\n')[0] ?? '',
  };
}

/** BLS signature of the genesis sha256 under the network dialect's signature DST. */
export async function signGenesis(config: AgentConfig, genesisSha256: string, dialect: DialectName): Promise<string> {
  if (!/^[0-9a-f]{64}$/.test(genesisSha256)) throw new Error(`genesisSha256: ${genesisSha256} is not a lower-case hex sha256`);
  return signMessage(await signerKey(config), hexToBytes(genesisSha256), dialect);
}
