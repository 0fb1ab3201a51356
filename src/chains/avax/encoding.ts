import { sha256 } from '@noble/hashes/sha2.js';
import { cb58Decode } from '../../keys/cb58.js';

/**
 * How the node APIs write bytes as text: `hex` (0x + hex + a 4-byte SHA-256 checksum) for codec
 * bytes such as UTXOs, CB58 for 32-byte IDs. Both carry a checksum, checked here so a corrupted
 * reply fails where it is read rather than as a wrong value downstream.
 */

const CHECKSUM_LENGTH = 4;

/** Avalanche's `hex` encoding: 0x + hex of the bytes followed by the last 4 bytes of their SHA-256. */
export function decodeCheckedHex(text: string, what = 'value'): Uint8Array {
  if (typeof text !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(text)) {
    throw new Error(`${what}: expected 0x-hex, got ${JSON.stringify(text)?.slice(0, 80)}`);
  }
  const raw = Buffer.from(text.slice(2), 'hex');
  if (raw.length < CHECKSUM_LENGTH) throw new Error(`${what}: too short for its checksum`);
  const body = raw.subarray(0, raw.length - CHECKSUM_LENGTH);
  const expected = sha256(body).subarray(-CHECKSUM_LENGTH);
  if (!expected.every((b, i) => b === raw[body.length + i])) throw new Error(`${what}: hex checksum mismatch`);
  return new Uint8Array(body);
}

/** CB58 asset/tx/chain ID → 32 bytes, with its checksum checked. */
export function decodeId(id: string, field = 'id'): Uint8Array {
  const bytes = cb58Decode(id, field);
  if (bytes.length !== 32) throw new Error(`${field}: an ID is 32 bytes, got ${bytes.length}`);
  return bytes;
}
