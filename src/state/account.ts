import type { Hex } from './hex.js';

/**
 * One account of an exported state, as one line of JSONL. Export files hold these records sorted by
 * `key` (keccak256 of the address), the order of the state trie, so a single streaming pass can
 * compute the state root and write the genesis alloc.
 */
export interface AccountRecord {
  /** keccak256(address): the account's key in the state trie. */
  key: Hex;
  /** 20-byte address, lower-case. Never absent: an account without a preimage is refused at export. */
  address: Hex;
  /** Balance in wei as a minimal hex quantity ("0x0" for zero). */
  balance: Hex;
  /** Nonce as a minimal hex quantity. */
  nonce: Hex;
  /** keccak256 of the code (EMPTY_CODE_HASH for none). */
  codeHash: Hex;
  /** Contract bytecode; omitted for accounts without code. */
  code?: Hex;
  /**
   * Storage: 32-byte slot → 32-byte value, both 0x-prefixed 64 hex chars. Zero values are never
   * present (a zero slot means "absent" in the trie). Omitted when empty.
   */
  storage?: Record<Hex, Hex>;
  /** The storage root the source node reported for this account, kept to cross-check our trie. */
  storageRoot?: Hex;
}
