import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '../state/hex.js';

/**
 * Approver keys: an approval is a signature, so who approved is proven, not claimed. Keys are
 * written `<scheme>:<hex>` (ed25519: 32-byte public key; secp256k1: 33-byte compressed point), so a
 * plan or key file says which curve it is for. secp256k1 signs sha256(message) (noble's prehash).
 */
export const APPROVER_SCHEMES = ['ed25519', 'secp256k1'] as const;
export type ApproverScheme = (typeof APPROVER_SCHEMES)[number];

const PUBLIC_KEY_BYTES: Record<ApproverScheme, number> = { ed25519: 32, secp256k1: 33 };

/** What an approver signs: the run (workflow ID and run key) and the genesis, so an approval replays nowhere else. */
export function approvalMessage(input: { workflowId: string; runKey: string; genesisSha256: string }): Uint8Array {
  return new TextEncoder().encode(`regenesis approval v1\nworkflow ${input.workflowId}\nrun ${input.runKey}\ngenesis ${input.genesisSha256}`);
}

/** Parses `<scheme>:<hex>`; `field` names the setting in the error. */
export function parseApproverKey(text: string, field: string, kind: 'public' | 'secret'): { scheme: ApproverScheme; key: Uint8Array } {
  const m = /^(ed25519|secp256k1):(?:0x)?([0-9a-fA-F]+)$/.exec(text.trim());
  if (!m) throw new Error(`${field}: must be "ed25519:<hex>" or "secp256k1:<hex>"`);
  const scheme = m[1] as ApproverScheme;
  const key = hexToBytes(`0x${m[2]!}`);
  const expected = kind === 'secret' ? 32 : PUBLIC_KEY_BYTES[scheme];
  if (key.length !== expected) throw new Error(`${field}: a ${scheme} ${kind} key is ${expected} bytes, this one is ${key.length}`);
  if (kind === 'public' && scheme === 'secp256k1') {
    try {
      secp256k1.Point.fromBytes(key);
    } catch {
      throw new Error(`${field}: not a point on secp256k1`);
    }
  }
  return { scheme, key };
}

export function newApproverSecret(scheme: ApproverScheme): string {
  const secret = scheme === 'ed25519' ? ed25519.utils.randomSecretKey() : secp256k1.utils.randomSecretKey();
  return `${scheme}:${bytesToHex(secret).slice(2)}`;
}

export function approverPublicKey(secretText: string, field = 'approver key'): string {
  const { scheme, key } = parseApproverKey(secretText, field, 'secret');
  const pub = scheme === 'ed25519' ? ed25519.getPublicKey(key) : secp256k1.getPublicKey(key, true);
  return `${scheme}:${bytesToHex(pub).slice(2)}`;
}

export function signApproval(secretText: string, message: Uint8Array, field = 'approver key'): string {
  const { scheme, key } = parseApproverKey(secretText, field, 'secret');
  const sig = scheme === 'ed25519' ? ed25519.sign(message, key) : secp256k1.sign(message, key);
  return bytesToHex(sig);
}

export function verifyApproval(publicKeyText: string, message: Uint8Array, signature: string): boolean {
  const { scheme, key } = parseApproverKey(publicKeyText, 'publicKey', 'public');
  if (!/^0x[0-9a-fA-F]{128}$/.test(signature)) return false;
  const sig = hexToBytes(signature);
  try {
    return scheme === 'ed25519' ? ed25519.verify(sig, message, key) : secp256k1.verify(sig, message, key);
  } catch {
    return false;
  }
}
