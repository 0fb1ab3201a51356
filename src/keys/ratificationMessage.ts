/**
 * What a validator signs when it ratifies a genesis, and nothing else: a fixed ASCII prefix, the
 * network ID as uint32 big-endian, and the 32 bytes of the genesis sha256.
 *
 *   "regenesis/ratify-genesis/v1\n" ‖ uint32be(networkId) ‖ sha256 (32 bytes)
 *
 * The prefix keeps the validator's BLS key from signing, under the dialect's signature DST, bytes
 * that mean something else to the node (a bare 32-byte hash could be a warp message's or a
 * block's); the network ID makes a ratification of one network worthless on another, even for the
 * same genesis bytes. Signers and verifiers all build the message here, so they cannot drift apart.
 */
export const RATIFICATION_PREFIX = 'regenesis/ratify-genesis/v1\n';

const PREFIX_BYTES = new TextEncoder().encode(RATIFICATION_PREFIX);
const UINT32_MAX = 0xffff_ffff;

export interface RatificationSubject {
  /** The new network's ID (the genesis's `networkID`), 1 … 2^32-1 as avalanchego and luxd keep it. */
  networkId: number;
  /** The genesis file's sha256: 64 hex digits (a 0x prefix is taken; the bytes are what is signed). */
  genesisSha256: string;
}

export function ratificationMessage(networkId: number, genesisSha256: string): Uint8Array {
  if (!Number.isInteger(networkId) || networkId < 1 || networkId > UINT32_MAX) {
    throw new Error(`networkId: ${String(networkId)} is not a network ID (an integer from 1 to 2^32-1)`);
  }
  const digest = typeof genesisSha256 === 'string' ? genesisSha256.replace(/^0x/, '') : '';
  if (!/^[0-9a-fA-F]{64}$/.test(digest)) {
    throw new Error(`genesisSha256: ${String(genesisSha256).slice(0, 80)} is not a sha256 (64 hex digits)`);
  }
  const message = new Uint8Array(PREFIX_BYTES.length + 4 + 32);
  message.set(PREFIX_BYTES, 0);
  new DataView(message.buffer).setUint32(PREFIX_BYTES.length, networkId, false);
  message.set(Buffer.from(digest, 'hex'), PREFIX_BYTES.length + 4);
  return message;
}
