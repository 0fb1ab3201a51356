import { cb58Decode, cb58Encode } from './cb58.js';

/** A NodeID is 20 bytes (RIPEMD-160 of SHA-256 of the staker certificate), shown as `NodeID-<CB58>`. */
export const NODE_ID_PREFIX = 'NodeID-';
export const NODE_ID_LENGTH = 20;

export function formatNodeId(bytes: Uint8Array): string {
  if (bytes.length !== NODE_ID_LENGTH) {
    throw new Error(`NodeID must be ${NODE_ID_LENGTH} bytes, got ${bytes.length}`);
  }
  return NODE_ID_PREFIX + cb58Encode(bytes);
}

/** Parses `NodeID-<CB58>` strictly: prefix, checksum and length; `field` names it in errors. */
export function parseNodeId(text: string, field = 'nodeID'): Uint8Array {
  if (!text.startsWith(NODE_ID_PREFIX)) {
    throw new Error(`${field}: a NodeID starts with "${NODE_ID_PREFIX}", got ${JSON.stringify(text.slice(0, 60))}`);
  }
  const bytes = cb58Decode(text.slice(NODE_ID_PREFIX.length), field);
  if (bytes.length !== NODE_ID_LENGTH) {
    throw new Error(`${field}: a NodeID carries ${NODE_ID_LENGTH} bytes, ${text} carries ${bytes.length}`);
  }
  return bytes;
}
