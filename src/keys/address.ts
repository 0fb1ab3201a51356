import { bech32 } from '@scure/base';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';

/**
 * Addresses on the UTXO chains (`X-avax1…`, `P-lux1…`) are a chain alias, a dash and a bech32
 * string whose data is a 20-byte short ID; the HRP depends on the network ID. EVM addresses are
 * the usual 0x + 20 bytes with an optional EIP-55 checksum.
 */

export type ChainAlias = 'X' | 'P' | 'C';
const CHAIN_ALIASES: readonly string[] = ['X', 'P', 'C'];

export const SHORT_ID_LENGTH = 20;
import { AVALANCHEGO_HRPS, FALLBACK_HRP, LUXD_HRPS } from '../network/hrp.js';

export { AVALANCHEGO_HRPS, FALLBACK_HRP, hrpForNetwork, LUXD_HRPS } from '../network/hrp.js';

export function formatAddress(chain: ChainAlias, hrp: string, shortId: Uint8Array): string {
  if (shortId.length !== SHORT_ID_LENGTH) {
    throw new Error(`an address short ID is ${SHORT_ID_LENGTH} bytes, got ${shortId.length}`);
  }
  return `${chain}-${bech32.encode(hrp, bech32.toWords(shortId))}`;
}

/** The bech32 part of an address (`local1…`): what owner discovery keeps of an owner. */
export interface Bech32Address {
  hrp: string;
  shortId: Uint8Array;
}

export interface ParsedAddress extends Bech32Address {
  chain: ChainAlias;
}

/** Parses `<chain>-<bech32>` with a 20-byte payload; `field` names the value in errors. */
export function parseAddress(address: string, field = 'address'): ParsedAddress {
  const dash = address.indexOf('-');
  const chain = dash > 0 ? address.slice(0, dash) : '';
  if (!CHAIN_ALIASES.includes(chain)) {
    throw new Error(`${field}: expected "X-…", "P-…" or "C-…" followed by a bech32 address, got ${JSON.stringify(address.slice(0, 60))}`);
  }
  return { chain: chain as ChainAlias, ...parseBech32Address(address.slice(dash + 1), field, address) };
}

/**
 * Parses the bech32 part of an address, without its chain alias (`local1…`), with a 20-byte
 * payload. `field` names the value in errors, which quote `quoted` (the whole address it came from).
 */
export function parseBech32Address(bech: string, field = 'address', quoted = bech): Bech32Address {
  let decoded: { prefix: string; words: number[] };
  try {
    decoded = bech32.decode(bech as `${string}1${string}`);
  } catch {
    throw new Error(`${field}: ${JSON.stringify(quoted)} is not valid bech32 (bad characters or checksum)${hrpEditHint(bech)}`);
  }
  let shortId: Uint8Array;
  try {
    shortId = bech32.fromWords(decoded.words);
  } catch {
    throw new Error(`${field}: ${JSON.stringify(quoted)} has a malformed bech32 payload`);
  }
  if (shortId.length !== SHORT_ID_LENGTH) {
    throw new Error(`${field}: ${JSON.stringify(quoted)} carries ${shortId.length} bytes, an address carries ${SHORT_ID_LENGTH}`);
  }
  return { hrp: decoded.prefix, shortId };
}

/** The HRP as written: the text before the last "1" of the bech32 part (not checked). */
export function addressHrp(address: string): string {
  const bech = address.slice(address.indexOf('-') + 1);
  return bech.slice(0, Math.max(0, bech.lastIndexOf('1'))).toLowerCase();
}

const KNOWN_HRPS = [...new Set([...Object.values(AVALANCHEGO_HRPS), ...Object.values(LUXD_HRPS), FALLBACK_HRP])];

/**
 * A bech32 checksum covers the HRP, so an address whose HRP was edited by hand (say local → lux)
 * no longer decodes. Saying so turns a bare "bad checksum" into an actionable diagnosis.
 */
function hrpEditHint(bech: string): string {
  const separator = bech.lastIndexOf('1');
  if (separator < 1) return '';
  const written = bech.slice(0, separator).toLowerCase();
  for (const hrp of KNOWN_HRPS) {
    if (hrp === written) continue;
    try {
      bech32.decode(`${hrp}1${bech.slice(separator + 1)}` as `${string}1${string}`);
      return `; its checksum is the one of HRP "${hrp}", so the HRP was changed after encoding and the address must be re-encoded from its short ID`;
    } catch {
      // not this HRP
    }
  }
  return '';
}

/** X/P short ID of a secp256k1 key (0x hex): RIPEMD-160(SHA-256(compressed public key)). */
export function shortIdOfKey(privateKey: string): Uint8Array {
  return ripemd160(sha256(secp256k1.getPublicKey(Buffer.from(privateKey.replace(/^0x/, ''), 'hex'), true)));
}

export function shortIdFromAddress(address: string, field = 'address'): Uint8Array {
  return parseAddress(address, field).shortId;
}

const EVM_ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** EIP-55 mixed-case checksum form of a 20-byte EVM address. */
export function checksumEvmAddress(address: string | Uint8Array): string {
  const lower =
    typeof address === 'string'
      ? address.toLowerCase().replace(/^0x/, '')
      : Buffer.from(address.buffer, address.byteOffset, address.byteLength).toString('hex');
  if (!/^[0-9a-f]{40}$/.test(lower)) throw new Error('an EVM address is 20 bytes');
  const hash = Buffer.from(keccak_256(new TextEncoder().encode(lower))).toString('hex');
  let out = '0x';
  for (let i = 0; i < lower.length; i++) {
    out += parseInt(hash[i]!, 16) >= 8 ? lower[i]!.toUpperCase() : lower[i];
  }
  return out;
}

/**
 * Parses a 0x EVM address. All-lower or all-upper hex carries no checksum; mixed case must be the
 * EIP-55 form, so a mistyped address cannot slip through.
 */
export function parseEvmAddress(address: string, field = 'evmAddress'): Uint8Array {
  if (!EVM_ADDRESS.test(address)) {
    throw new Error(`${field}: expected 0x followed by 40 hex digits, got ${JSON.stringify(address.slice(0, 60))}`);
  }
  const body = address.slice(2);
  const mixed = body !== body.toLowerCase() && body !== body.toUpperCase();
  if (mixed && checksumEvmAddress(address) !== address) {
    throw new Error(`${field}: ${address} fails its EIP-55 checksum (expected ${checksumEvmAddress(address)})`);
  }
  return new Uint8Array(Buffer.from(body, 'hex'));
}
