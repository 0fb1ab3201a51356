import { bls12_381 } from '@noble/curves/bls12-381.js';
import { bytesToHex, hexToBytes, type Hex } from '../state/hex.js';
import type { DialectName } from '../network/dialectName.js';

/**
 * BLS12-381 as the Avalanche-family nodes use it: secret keys are 32 raw bytes, public keys 48-byte
 * compressed G1 points, signatures 96-byte compressed G2 points ("long signatures"), messages hashed
 * to G2 with an explicit domain separation tag (DST).
 *
 * The DST is where the dialects differ, so every signing or verifying call names its dialect:
 * - avalanchego (utils/crypto/bls/ciphersuite.go at v1.14.0): signatures under
 *   BLS_SIG_…_POP_, proofs of possession under BLS_POP_…_POP_.
 * - luxd (github.com/luxfi/crypto v1.16.16, the version luxfi/node pins): VerifyProofOfPossession
 *   and SignProofOfPossession both call the plain circl Sign/Verify, whose DST is BLS_SIG_…_NUL_;
 *   ordinary signatures use the same DST. Lux's test staker PoP verifies only under that rule.
 *
 * Byte values travel as 0x-hex (the way genesis files and node APIs carry them); inputs may be
 * hex or bytes. Malformed inputs (wrong length, not a point, not in the subgroup, the identity)
 * throw an error naming the field; well-formed values that do not verify return false.
 */

export const BLS_SECRET_KEY_LENGTH = 32;
export const BLS_PUBLIC_KEY_LENGTH = 48;
export const BLS_SIGNATURE_LENGTH = 96;

export const AVALANCHEGO_SIGNATURE_DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
export const AVALANCHEGO_POP_DST = 'BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
export const LUXD_SIGNATURE_DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_';
export const LUXD_POP_DST = LUXD_SIGNATURE_DST;

export const POP_DST: Readonly<Record<DialectName, string>> = {
  avalanchego: AVALANCHEGO_POP_DST,
  luxd: LUXD_POP_DST,
};

export const SIGNATURE_DST: Readonly<Record<DialectName, string>> = {
  avalanchego: AVALANCHEGO_SIGNATURE_DST,
  luxd: LUXD_SIGNATURE_DST,
};

export type BytesLike = Uint8Array | string;

const bls = bls12_381.longSignatures;
const G1 = bls12_381.G1.Point;

type G1Point = ReturnType<typeof bls.getPublicKey>;
type G2Point = ReturnType<typeof bls.Signature.fromBytes>;

function toBytes(value: BytesLike, field: string): Uint8Array {
  if (typeof value !== 'string') return value;
  try {
    return hexToBytes(value);
  } catch {
    throw new Error(`${field}: not a hex byte string`);
  }
}

function secretBytes(secret: Uint8Array): Uint8Array {
  // The secret is never echoed, only its length.
  if (!(secret instanceof Uint8Array) || secret.length !== BLS_SECRET_KEY_LENGTH) {
    throw new Error(`BLS secret key must be ${BLS_SECRET_KEY_LENGTH} raw bytes`);
  }
  return secret;
}

/** A validated public key point: 48 bytes, on the curve, in G1's prime-order subgroup, not the identity. */
export function parseBlsPublicKey(value: BytesLike, field = 'publicKey'): G1Point {
  const bytes = toBytes(value, field);
  if (bytes.length !== BLS_PUBLIC_KEY_LENGTH) {
    throw new Error(`${field}: a BLS public key is ${BLS_PUBLIC_KEY_LENGTH} bytes (compressed G1), got ${bytes.length}`);
  }
  let point: G1Point;
  try {
    point = G1.fromBytes(bytes);
  } catch {
    throw new Error(`${field}: not a valid compressed BLS12-381 G1 point`);
  }
  // avalanchego's KeyValidate refuses the identity: it would verify any aggregate it joins.
  if (point.is0()) throw new Error(`${field}: the identity point is not a usable BLS public key`);
  return point;
}

/** A validated signature point: 96 bytes, on the curve, in G2's prime-order subgroup, not the identity. */
export function parseBlsSignature(value: BytesLike, field = 'signature'): G2Point {
  const bytes = toBytes(value, field);
  if (bytes.length !== BLS_SIGNATURE_LENGTH) {
    throw new Error(`${field}: a BLS signature is ${BLS_SIGNATURE_LENGTH} bytes (compressed G2), got ${bytes.length}`);
  }
  let point: G2Point;
  try {
    point = bls.Signature.fromBytes(bytes);
  } catch {
    throw new Error(`${field}: not a valid compressed BLS12-381 G2 point`);
  }
  if (point.is0()) throw new Error(`${field}: the identity point is not a BLS signature`);
  return point;
}

/** Runs a secret-key operation; the library's message is replaced so no error can carry key bytes. */
function withSecret<T>(secret: Uint8Array, operation: (secret: Uint8Array) => T): T {
  const checked = secretBytes(secret);
  try {
    return operation(checked);
  } catch {
    throw new Error('BLS secret key is not a valid BLS12-381 scalar (zero or not below the group order)');
  }
}

function publicKeyBytes(secret: Uint8Array): Uint8Array {
  return withSecret(secret, (sk) => bls.getPublicKey(sk).toBytes(true));
}

/** For tests and devnets only: production secrets stay with their validators. */
export function publicKeyFromSecret(secret: Uint8Array): Hex {
  return bytesToHex(publicKeyBytes(secret));
}

/** Signs the 48-byte compressed public key under the dialect's proof-of-possession DST. */
export function proofOfPossession(secret: Uint8Array, dialect: DialectName): Hex {
  const message = bls.hash(publicKeyBytes(secret), POP_DST[dialect]);
  return bytesToHex(bls.Signature.toBytes(withSecret(secret, (sk) => bls.sign(message, sk))));
}

/**
 * Checks that `pop` is a signature of `publicKey`'s own compressed bytes under the dialect's PoP
 * rule. `label` prefixes the field names in errors (e.g. `initialStakers[2].signer`).
 */
export function verifyProofOfPossession(publicKey: BytesLike, pop: BytesLike, dialect: DialectName, label = 'signer'): boolean {
  const key = parseBlsPublicKey(publicKey, `${label}.publicKey`);
  const signature = parseBlsSignature(pop, `${label}.proofOfPossession`);
  return bls.verify(signature, bls.hash(key.toBytes(true), POP_DST[dialect]), key);
}

/** Signs arbitrary bytes (e.g. a genesis sha256 being ratified) under the dialect's signature DST. */
export function signMessage(secret: Uint8Array, message: Uint8Array, dialect: DialectName): Hex {
  const point = bls.hash(message, SIGNATURE_DST[dialect]);
  return bytesToHex(bls.Signature.toBytes(withSecret(secret, (sk) => bls.sign(point, sk))));
}

export function verifyMessage(publicKey: BytesLike, message: Uint8Array, signature: BytesLike, dialect: DialectName): boolean {
  return verifyOver(publicKey, message, signature, dialect, ['publicKey', 'signature']);
}

/** One signature check under the dialect's signature DST; `fields` name the inputs in errors. */
function verifyOver(publicKey: BytesLike, message: Uint8Array, signature: BytesLike, dialect: DialectName, fields: [string, string]): boolean {
  const key = parseBlsPublicKey(publicKey, fields[0]);
  const sig = parseBlsSignature(signature, fields[1]);
  return bls.verify(sig, bls.hash(message, SIGNATURE_DST[dialect]), key);
}

export function aggregateSignatures(signatures: readonly BytesLike[]): Hex {
  if (signatures.length === 0) throw new Error('signatures: nothing to aggregate');
  const points = signatures.map((s, i) => parseBlsSignature(s, `signatures[${i}]`));
  const sum = bls.aggregateSignatures(points);
  if (sum.is0()) throw new Error('signatures: the aggregate is the identity point');
  return bytesToHex(bls.Signature.toBytes(sum));
}

export function aggregatePublicKeys(publicKeys: readonly BytesLike[]): Hex {
  if (publicKeys.length === 0) throw new Error('publicKeys: nothing to aggregate');
  const points = publicKeys.map((k, i) => parseBlsPublicKey(k, `publicKeys[${i}]`));
  const sum = bls.aggregatePublicKeys(points);
  if (sum.is0()) throw new Error('publicKeys: the aggregate is the identity point');
  return bytesToHex(sum.toBytes(true));
}

/**
 * Verifies an aggregate signature of one message by many signers against their aggregate key.
 * Same-message aggregation is only sound against rogue keys because every signer's proof of
 * possession was verified when its key was accepted; callers must not skip that step.
 */
export function verifyAggregate(aggregatePublicKey: BytesLike, message: Uint8Array, aggregateSignature: BytesLike, dialect: DialectName): boolean {
  return verifyOver(aggregatePublicKey, message, aggregateSignature, dialect, ['aggregatePublicKey', 'aggregateSignature']);
}
