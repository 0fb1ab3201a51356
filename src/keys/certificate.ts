import { X509Certificate, createPrivateKey } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { formatNodeId } from './nodeId.js';

/**
 * Staker certificates (staker.crt). The coordinator derives NodeIDs from certificates and nothing
 * else: private keys never reach it, so anything that looks like one is refused at this boundary,
 * with an error that names the field or file and never repeats the input.
 */

const PRIVATE_KEY_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/i;
const CERTIFICATE_PEM = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const PEM_HEADER = '-----BEGIN';

function refusePrivateKey(source: string): never {
  throw new Error(
    `${source}: contains a private key; a certificate (staker.crt) is expected here. Private keys never reach the coordinator: send only the certificate.`,
  );
}

/** True if the DER bytes parse as a PKCS#8, SEC1 (EC) or PKCS#1 (RSA) private key. */
function isPrivateKeyDer(der: Buffer): boolean {
  for (const type of ['pkcs8', 'sec1', 'pkcs1'] as const) {
    try {
      createPrivateKey({ key: der, format: 'der', type });
      return true;
    } catch {
      // Not this encoding; the parser's message is dropped so no key material can leak through it.
    }
  }
  return false;
}

function parseDer(der: Buffer, source: string): X509Certificate {
  if (isPrivateKeyDer(der)) refusePrivateKey(source);
  try {
    return new X509Certificate(der);
  } catch {
    throw new Error(`${source}: not an X.509 certificate (expected staker.crt as PEM or DER)`);
  }
}

function parsePem(pem: string, source: string): X509Certificate {
  if (PRIVATE_KEY_PEM.test(pem)) refusePrivateKey(source);
  const blocks = pem.match(CERTIFICATE_PEM) ?? [];
  if (blocks.length === 0) {
    throw new Error(`${source}: no "-----BEGIN CERTIFICATE-----" block (expected staker.crt as PEM or DER)`);
  }
  // A NodeID is the hash of exactly one certificate; a chain would leave it ambiguous.
  if (blocks.length > 1) {
    throw new Error(`${source}: holds ${blocks.length} certificates; exactly one staker certificate is expected`);
  }
  try {
    return new X509Certificate(blocks[0]!);
  } catch {
    throw new Error(`${source}: the CERTIFICATE block does not parse as X.509`);
  }
}

/**
 * Reads a staker certificate given as PEM text, PEM bytes or DER bytes and returns its DER bytes.
 * `source` names the field or file the input came from (it appears in every error).
 */
export function readCertificate(input: string | Uint8Array, source: string): Uint8Array {
  let cert: X509Certificate;
  if (typeof input === 'string') {
    cert = parsePem(input, source);
  } else {
    const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    // PEM files may open with text before the first header (openssl's "Bag Attributes", say).
    cert = bytes.includes(PEM_HEADER, 0, 'latin1') ? parsePem(bytes.toString('utf8'), source) : parseDer(bytes, source);
  }
  return new Uint8Array(cert.raw);
}

/** NodeID-<CB58(RIPEMD160(SHA256(certificate DER)))>, as avalanchego's ids.NodeIDFromCert computes it. */
export function nodeIdFromCertificate(der: Uint8Array): string {
  // Re-checked here so that hashing can only ever happen over a certificate, never over key bytes.
  const cert = parseDer(Buffer.from(der.buffer, der.byteOffset, der.byteLength), 'certificate');
  return formatNodeId(ripemd160(sha256(new Uint8Array(cert.raw))));
}
