import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { publicKeyFromSecret } from '../keys/bls.js';
import { readSignerKey, signRatification } from '../keys/signerKey.js';
import { nodeIdFromCertificate, readCertificate } from '../keys/certificate.js';
import type { AgentConfig } from './config.js';
import { checkGenesis, type GenesisChecked, type RatificationRequest } from './genesisCheck.js';
import type { ManagedNode } from './managedNode.js';
import type { HostMemory } from '../nodes/procMemory.js';

export interface AgentIdentity {
  nodeId: string;
  /** Compressed G1 public key of the host's BLS signer key, 0x hex. */
  blsPublicKey: string;
  /** What the node binary says of itself (`avalanchego/1.14.0 …`). */
  nodeVersion: string;
  /** The node the agent manages, as found when preflight asks (absent from agents that predate the check). */
  node?: ManagedNode;
  /**
   * The host's memory when preflight asked (absent from older agents): with its node's resident
   * memory, what a new node will have there once the old one halts (src/launch/readiness.ts).
   */
  memory?: HostMemory;
  /** With `--approver-keys-file`: how many of which approvers must have signed a run before this host halts for it. */
  haltApprovers?: { required: number; names: string[] };
}

const signerKey = (config: AgentConfig): Promise<Uint8Array> => readSignerKey(config.signerKeyFile, 'signerKeyFile');

/** The host's validator keys, public halves only: NodeID from its certificate, BLS key from its signer key. */
async function ownKeys(config: AgentConfig): Promise<{ nodeId: string; blsPublicKey: string }> {
  const certificate = readCertificate(await readFile(config.stakingCertFile, 'utf8'), `stakingCertFile ${config.stakingCertFile}`);
  return { nodeId: nodeIdFromCertificate(certificate), blsPublicKey: publicKeyFromSecret(await signerKey(config)) };
}

/** Who this host is (keys and node binary), as the agent checks at start: its node is not asked. */
export async function identify(config: AgentConfig): Promise<AgentIdentity> {
  const keys = await ownKeys(config);
  const { stdout } = await promisify(execFile)(config.nodeBinary, ['--version'], { timeout: 30_000 });
  return { ...keys, nodeVersion: stdout.trim().split('\n')[0] ?? '' };
}

export interface Ratification {
  /** BLS signature over ratificationMessage(networkId, genesisSha256), under the dialect's DST. */
  signature: string;
  checked: GenesisChecked;
}

/**
 * Ratifies the staged genesis for `networkId` only once every check of genesisCheck.ts holds
 * against this host's own node and keys; otherwise a GenesisRejectedError names the check.
 */
export async function signGenesis(config: AgentConfig, request: RatificationRequest): Promise<Ratification> {
  const checked = await checkGenesis(config, request, await ownKeys(config));
  const signature = signRatification(await signerKey(config), { networkId: request.networkId, genesisSha256: request.genesisSha256 }, request.dialect);
  return { signature, checked };
}
