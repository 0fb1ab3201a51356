import { base58 } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';

/**
 * CB58, the text form of Avalanche-family IDs (NodeIDs, chain IDs, transaction IDs):
 * base58(payload ‖ last 4 bytes of SHA-256(payload)). It is not Bitcoin's base58check, which
 * uses the first 4 bytes of a double SHA-256.
 */

const CHECKSUM_LENGTH = 4;

function checksum(payload: Uint8Array): Uint8Array {
  return sha256(payload).subarray(-CHECKSUM_LENGTH);
}

export function cb58Encode(payload: Uint8Array): string {
  const out = new Uint8Array(payload.length + CHECKSUM_LENGTH);
  out.set(payload, 0);
  out.set(checksum(payload), payload.length);
  return base58.encode(out);
}

/** Decodes and verifies the checksum; `field` names the value in the error. */
export function cb58Decode(text: string, field = 'value'): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = base58.decode(text);
  } catch {
    throw new Error(`${field}: not CB58 (contains characters outside the base58 alphabet)`);
  }
  if (raw.length < CHECKSUM_LENGTH) {
    throw new Error(`${field}: not CB58 (too short to carry its 4-byte checksum)`);
  }
  const payload = raw.subarray(0, raw.length - CHECKSUM_LENGTH);
  const given = raw.subarray(raw.length - CHECKSUM_LENGTH);
  const expected = checksum(payload);
  if (!given.every((byte, i) => byte === expected[i])) {
    throw new Error(`${field}: CB58 checksum mismatch (mistyped or truncated ID)`);
  }
  return payload.slice();
}
