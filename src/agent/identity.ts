import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { publicKeyFromSecret } from '../keys/bls.js';
import { readSignerKey, signGenesisSha256 } from '../keys/signerKey.js';
import { nodeIdFromCertificate, readCertificate } from '../keys/certificate.js';
import type { DialectName } from '../network/dialect.js';
import type { AgentConfig } from './config.js';

export interface AgentIdentity {
  nodeId: string;
  /** Compressed G1 public key of the host's BLS signer key, 0x hex. */
  blsPublicKey: string;
  /** What the node binary says of itself (`avalanchego/1.14.0 …`). */
  nodeVersion: string;
}

const signerKey = (config: AgentConfig): Promise<Uint8Array> => readSignerKey(config.signerKeyFile, 'signerKeyFile');

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
  return signGenesisSha256(await signerKey(config), genesisSha256, dialect);
}
