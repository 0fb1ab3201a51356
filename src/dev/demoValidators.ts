import { randomBytes } from 'node:crypto';
import { proofOfPossession, publicKeyFromSecret, signMessage } from '../keys/bls.js';
import { formatNodeId } from '../keys/nodeId.js';

/**
 * Validators for a local devnet's new network, with keys made on the spot. They stand in for the
 * real validators of a demo: the coordinator sees only their public keys, proofs of possession and
 * signatures, exactly as it would in production; the secret keys never leave this object.
 */
export interface DemoValidator {
  nodeId: string;
  blsPublicKey: string;
  proofOfPossession: string;
  /** nAVAX, a decimal string as a plan and registerValidator take it. */
  weight: string;
  sign(message: Uint8Array): string;
}

export function demoValidators(count: number, weight = '2000'): DemoValidator[] {
  return Array.from({ length: count }, () => {
    const secret = new Uint8Array(randomBytes(32));
    return {
      nodeId: formatNodeId(new Uint8Array(randomBytes(20))),
      blsPublicKey: publicKeyFromSecret(secret),
      proofOfPossession: proofOfPossession(secret, 'avalanchego'),
      weight,
      sign: (message: Uint8Array) => signMessage(secret, message, 'avalanchego'),
    };
  });
}
