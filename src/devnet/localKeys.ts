import { secp256k1 } from '@noble/curves/secp256k1.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';

/**
 * The local network's published test key ("ewoq"): avalanchego's local genesis funds its X/P
 * address and its C-Chain address. Public by design and worthless outside a local network.
 */
export const EWOQ_KEY = '0x56289e99c94b6912bfc12adc093c9b51124f0dc54ac7a766b2bc5ccf558d8027';
export const EWOQ_EVM = '0x8db97c7cece249c2b98bdc0226cc4c2a57bf52fc';

/** X/P short ID of a secp256k1 key: RIPEMD-160(SHA-256(compressed public key)). */
export function shortIdOfKey(privateKey: string): Uint8Array {
  return ripemd160(sha256(secp256k1.getPublicKey(Buffer.from(privateKey.slice(2), 'hex'), true)));
}
