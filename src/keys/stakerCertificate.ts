import { X509Certificate } from 'node:crypto';

/**
 * Whether a staker certificate can serve as a genesis staker's staking TLS certificate.
 *
 * Key and size: what the nodes themselves accept. avalanchego v1.14.0 `staking/parse.go`
 * (ParseCertificate, which every peer certificate goes through to get its NodeID) refuses a
 * certificate longer than MaxCertificateLen = 2 KiB of DER; its parsePublicKey knows two algorithms:
 * rsaEncryption, passed through ValidateRSAPublicKeyIsWellFormed (modulus of exactly 2048 or 4096
 * bits, odd, public exponent 65537 — 3072 bits is refused), and id-ecPublicKey, read as a P-256
 * point whatever curve the certificate names; anything else is ErrUnknownPublicKeyAlgorithm.
 * `network/peer/tls_config.go` ValidateCertificate applies the same rule at the TLS handshake
 * (ECDSA "only P256 is allowed", RSA through ValidateRSAPublicKeyIsWellFormed, any other key
 * ErrUnsupportedKeyType). luxd's `staking/parse.go` has the same constants and checks. A staker
 * with any other certificate could never connect to its peers: the network would start without it.
 *
 * Dates: the coordinator's own rule. Neither node checks them (tls_config.go sets
 * InsecureSkipVerify and ValidateCertificate looks at the key only), so a lapsed certificate would
 * still connect; but a staker certificate that is not yet valid, or that lapses before the network
 * starts, is the wrong staker.crt or one about to be replaced, and a NodeID is the hash of the
 * certificate: replacing it later changes the staker's NodeID, away from the one the genesis names.
 */

export const MAX_STAKER_CERTIFICATE_BYTES = 2048;
const RSA_MODULUS_BITS = [2048, 4096];
const RSA_PUBLIC_EXPONENT = 65537n;
const P256 = 'prime256v1';

const ACCEPTED = 'staking accepts RSA with a 2048- or 4096-bit modulus and exponent 65537, or ECDSA on P-256';

/** Unix seconds. `startTime` is absent when the genesis start time is not known yet (relative to the freeze). */
export interface CertificateWindow {
  now: number;
  startTime?: number;
}

/** Why the node would refuse this certificate's key, or undefined when it accepts it. */
function keyProblem(cert: X509Certificate): string | undefined {
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const bits = details.modulusLength;
      if (bits === undefined || !RSA_MODULUS_BITS.includes(bits)) return `its key is RSA-${bits ?? '?'}; ${ACCEPTED}`;
      if (details.publicExponent !== RSA_PUBLIC_EXPONENT) return `its RSA key has public exponent ${details.publicExponent ?? '?'}; ${ACCEPTED}`;
      return undefined;
    }
    case 'ec':
      return details.namedCurve === P256 ? undefined : `its key is ECDSA on ${curveName(details.namedCurve)}; ${ACCEPTED}`;
    default:
      return `its key is ${keyTypeName(key.asymmetricKeyType)}; ${ACCEPTED}`;
  }
}

function curveName(namedCurve: string | undefined): string {
  const common: Record<string, string> = { secp384r1: 'P-384', secp521r1: 'P-521', secp256k1: 'secp256k1' };
  if (namedCurve === undefined) return 'an unnamed curve';
  return common[namedCurve] ? `${common[namedCurve]} (${namedCurve})` : namedCurve;
}

function keyTypeName(type: string | undefined): string {
  const names: Record<string, string> = { ed25519: 'Ed25519', ed448: 'Ed448', 'rsa-pss': 'RSASSA-PSS', dsa: 'DSA' };
  return type === undefined ? 'of an unknown type' : (names[type] ?? type);
}

function isoSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** validFrom/validTo as OpenSSL prints them ("Jan  1 00:00:00 2020 GMT"), in unix seconds. */
function certificateTime(text: string, which: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`its ${which} date ${JSON.stringify(text)} does not parse`);
  return Math.floor(ms / 1000);
}

/**
 * Every reason the certificate (DER) cannot be a genesis staker's, as phrases that follow the
 * field name ("expires …, before the genesis start time …"); empty when it can.
 */
export function stakerCertificateProblems(der: Uint8Array, window: CertificateWindow): string[] {
  const cert = new X509Certificate(Buffer.from(der.buffer, der.byteOffset, der.byteLength));
  const problems: string[] = [];
  if (der.byteLength > MAX_STAKER_CERTIFICATE_BYTES) {
    problems.push(`is ${der.byteLength} bytes of DER; nodes refuse staking certificates over ${MAX_STAKER_CERTIFICATE_BYTES} bytes`);
  }
  const key = keyProblem(cert);
  if (key) problems.push(key);

  let notBefore: number;
  let notAfter: number;
  try {
    notBefore = certificateTime(cert.validFrom, 'notBefore');
    notAfter = certificateTime(cert.validTo, 'notAfter');
  } catch (error) {
    return [...problems, (error as Error).message];
  }
  if (notBefore > window.now) problems.push(`is not valid before ${isoSeconds(notBefore)}; it is now ${isoSeconds(window.now)}`);
  if (window.startTime !== undefined) {
    if (notAfter < window.startTime) problems.push(`expires ${isoSeconds(notAfter)}, before the genesis start time ${isoSeconds(window.startTime)}`);
  } else if (notAfter < window.now) {
    problems.push(`expired ${isoSeconds(notAfter)}; it is now ${isoSeconds(window.now)}`);
  }
  return problems;
}
