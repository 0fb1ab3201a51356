import type { TLSConfig } from '@temporalio/client';
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * How every process of the coordinator reaches Temporal: the worker, the agents, the CLI and the
 * schedule read the same variables, so one cluster configuration serves them all.
 */
export interface TemporalConnectionConfig {
  address: string;
  namespace: string;
  /** The `tls` option of both `Connection.connect` and `NativeConnection.connect`; absent: plaintext. */
  tls?: TLSConfig;
  /** The files the TLS material came from: what messages name (never their contents). */
  files: { cert?: string; key?: string; ca?: string };
}

/** A configuration refused before any connection: the message names the variable and what to do. */
export class TemporalConfigError extends Error {
  override name = 'TemporalConfigError';
}

const path = z.string().trim().min(1).optional();

const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().trim().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  TEMPORAL_TLS_CERT: path,
  TEMPORAL_TLS_KEY: path,
  TEMPORAL_TLS_CA: path,
  /** The name the server's certificate carries, when the address is not it (an IP, a tunnel). */
  TEMPORAL_TLS_SERVER_NAME: path,
});

type Env = z.infer<typeof envSchema>;

/**
 * The connection from the environment (flags of the caller first): refuses half a client
 * certificate and unreadable, malformed, mismatched or expired material here, at start, naming the
 * variable, rather than as an opaque handshake failure later.
 */
export function temporalConnectionFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  overrides: { address?: string; namespace?: string } = {},
): TemporalConnectionConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TemporalConfigError(`${String(issue.path[0])}: ${issue.message}`);
  }
  const vars = parsed.data;
  refuseHalfPair(vars);
  const config: TemporalConnectionConfig = {
    address: overrides.address ?? vars.TEMPORAL_ADDRESS,
    namespace: overrides.namespace ?? vars.TEMPORAL_NAMESPACE,
    files: { cert: vars.TEMPORAL_TLS_CERT, key: vars.TEMPORAL_TLS_KEY, ca: vars.TEMPORAL_TLS_CA },
  };
  const tls = tlsOf(vars);
  return tls ? { ...config, tls } : config;
}

/** A certificate without its key (or the reverse) would connect without authenticating: refused. */
function refuseHalfPair(vars: Env): void {
  if (vars.TEMPORAL_TLS_CERT && !vars.TEMPORAL_TLS_KEY) {
    throw new TemporalConfigError('TEMPORAL_TLS_KEY is missing: TEMPORAL_TLS_CERT is set, and a client certificate is useless without its private key');
  }
  if (vars.TEMPORAL_TLS_KEY && !vars.TEMPORAL_TLS_CERT) {
    throw new TemporalConfigError('TEMPORAL_TLS_CERT is missing: TEMPORAL_TLS_KEY is set, and a private key is useless without its client certificate');
  }
}

/** TLS as soon as any TLS variable is set; a client certificate only with both halves checked. */
function tlsOf(vars: Env): TLSConfig | undefined {
  if (!vars.TEMPORAL_TLS_CERT && !vars.TEMPORAL_TLS_CA && !vars.TEMPORAL_TLS_SERVER_NAME) return undefined;
  const tls: TLSConfig = {};
  if (vars.TEMPORAL_TLS_SERVER_NAME) tls.serverNameOverride = vars.TEMPORAL_TLS_SERVER_NAME;
  if (vars.TEMPORAL_TLS_CA) {
    const ca = readPem('TEMPORAL_TLS_CA', vars.TEMPORAL_TLS_CA);
    parseCertificate('TEMPORAL_TLS_CA', vars.TEMPORAL_TLS_CA, ca);
    tls.serverRootCACertificate = ca;
  }
  if (vars.TEMPORAL_TLS_CERT && vars.TEMPORAL_TLS_KEY) tls.clientCertPair = clientPair(vars.TEMPORAL_TLS_CERT, vars.TEMPORAL_TLS_KEY);
  return tls;
}

/** The client certificate and its key, checked to belong together and to be valid today. */
function clientPair(certPath: string, keyPath: string): { crt: Buffer; key: Buffer } {
  const crt = readPem('TEMPORAL_TLS_CERT', certPath);
  const key = readPem('TEMPORAL_TLS_KEY', keyPath);
  const cert = parseCertificate('TEMPORAL_TLS_CERT', certPath, crt);
  const privateKey = parseKey(keyPath, key);
  if (!cert.checkPrivateKey(privateKey)) {
    throw new TemporalConfigError(`TEMPORAL_TLS_KEY (${keyPath}) is not the private key of TEMPORAL_TLS_CERT (${certPath})`);
  }
  refuseOutsideValidity(certPath, cert);
  return { crt, key };
}

/** The server would refuse an expired or not yet valid certificate: said here with its dates. */
function refuseOutsideValidity(certPath: string, cert: X509Certificate): void {
  const now = Date.now();
  if (Date.parse(cert.validTo) < now) {
    throw new TemporalConfigError(
      `TEMPORAL_TLS_CERT (${certPath}): the client certificate expired on ${new Date(cert.validTo).toISOString()}; the server will refuse it: renew it`,
    );
  }
  if (Date.parse(cert.validFrom) > now) {
    throw new TemporalConfigError(`TEMPORAL_TLS_CERT (${certPath}): the client certificate is not valid before ${new Date(cert.validFrom).toISOString()}`);
  }
}

/** A file's bytes; an unreadable file is named with the variable that pointed at it. */
function readPem(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new TemporalConfigError(`${variable} (${file}): cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Parsing errors are replaced by a fixed message: OpenSSL's may quote what it could not parse. */
function parseCertificate(variable: string, file: string, pem: Buffer): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new TemporalConfigError(`${variable} (${file}): not a PEM certificate`);
  }
}

/** Likewise for the key: its parser's message could carry key bytes, so none of it is kept. */
function parseKey(file: string, pem: Buffer): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    throw new TemporalConfigError(`TEMPORAL_TLS_KEY (${file}): not a PEM private key`);
  }
}
