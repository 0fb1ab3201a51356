import { readFileSync } from 'node:fs';
import { bytesToHex } from '../../src/state/hex.js';
import { proofOfPossession, publicKeyFromSecret, signMessage } from '../../src/keys/bls.js';
import { nodeIdFromCertificate, readCertificate } from '../../src/keys/certificate.js';
import type { DialectName } from '../../src/network/dialectName.js';
import { localStakers } from '../../src/dev/validatorNetwork.js';
import type { StakingFiles } from '../../src/nodes/avalanchegoFlags.js';

const VECTORS = new URL('../fixtures/vectors/avalanchego-v1.14.0/', import.meta.url);

/**
 * avalanchego's five local-network stakers (public test keys, local networks only): the test plays
 * the validators, so it holds their BLS secret keys; the coordinator only ever sees public material.
 * A staker proves and signs under the rules of the network it validates (`dialect`): the same key
 * on a luxd network has another proof of possession, and staker1's is the one luxfi publishes.
 */
export interface TestValidator {
  nodeId: string;
  certificatePem: string;
  blsPublicKey: string;
  proofOfPossession: string;
  sign(message: Uint8Array): string;
}

export function localStaker(n: 1 | 2 | 3 | 4 | 5, dialect: DialectName = 'avalanchego'): TestValidator {
  const certificatePem = readFileSync(new URL(`staker${n}.crt`, VECTORS), 'utf8');
  const secret = new Uint8Array(readFileSync(new URL(`signer${n}.key`, VECTORS)));
  return {
    nodeId: nodeIdFromCertificate(readCertificate(certificatePem, `staker${n}.crt`)),
    certificatePem,
    blsPublicKey: toHex(publicKeyFromSecret(secret)),
    proofOfPossession: toHex(proofOfPossession(secret, dialect)),
    sign: (message) => toHex(signMessage(secret, message, dialect)),
  };
}

function toHex(value: Uint8Array | string): string {
  return typeof value === 'string' ? value : bytesToHex(value);
}

/** What upstream publishes for each local staker (expected.json): NodeID, BLS key and PoP. */
export const LOCAL_STAKERS_PUBLISHED = JSON.parse(readFileSync(new URL('expected.json', VECTORS), 'utf8')) as Array<{
  certFile: string;
  nodeID: string;
  blsPublicKey: string;
  proofOfPossession: string;
}>;

/** The five local stakers as a plan's `genesis.primary.validators`, from their certificates and published keys. */
export function localGenesisStakers(
  rewardAddress: string,
): Array<{ certificate: string; blsPublicKey: string; proofOfPossession: string; rewardAddress: string }> {
  return LOCAL_STAKERS_PUBLISHED.map((s) => ({
    certificate: readFileSync(new URL(s.certFile, VECTORS), 'utf8'),
    blsPublicKey: s.blsPublicKey,
    proofOfPossession: s.proofOfPossession,
    rewardAddress,
  }));
}

/** The five local stakers' files from the repository's vectors (test/fixtures/vectors, with provenance), as the nodes load them. */
export const LOCAL_STAKERS: StakingFiles[] = localStakers(VECTORS.pathname);

/** Staker `i`'s files (1 to 5), numbered as avalanchego numbers its local stakers. */
export function localStakingFiles(i: number): StakingFiles {
  return LOCAL_STAKERS[i - 1]!;
}

/** A validator as a plan's `launch.validators` names it: its public keys only, with its stake. */
export function validatorKeys(s: Pick<TestValidator, 'nodeId' | 'blsPublicKey' | 'proofOfPossession'>, weight: string | number = '100') {
  return { nodeId: s.nodeId, blsPublicKey: s.blsPublicKey, proofOfPossession: s.proofOfPossession, weight };
}
