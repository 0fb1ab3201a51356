import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemporalConfigError, temporalConnectionFromEnv } from '../../src/temporal/connect.js';
import { makeCa, makeClientCert, type CertFiles } from '../cluster/certificates.js';

/** The error a configuration is refused with, or a failure if it was accepted. */
function refusal(env: NodeJS.ProcessEnv): TemporalConfigError {
  try {
    temporalConnectionFromEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(TemporalConfigError);
    return err as TemporalConfigError;
  }
  throw new Error('the configuration was accepted');
}

describe('the Temporal connection of every client (TEMPORAL_* variables)', () => {
  let dir: string;
  let ca: CertFiles;
  let client: CertFiles;
  let other: CertFiles;
  let expired: CertFiles;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'regenesis-tls-unit-'));
    ca = makeCa(dir, 'ca');
    client = makeClientCert(dir, 'client', ca);
    other = makeClientCert(dir, 'other', ca);
    expired = makeClientCert(dir, 'expired', ca, -1);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is plaintext on the local default without TLS variables', () => {
    const config = temporalConnectionFromEnv({});
    expect(config).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default' });
    expect(config.tls).toBeUndefined();
  });

  it('gives both connection kinds the CA, the client pair and the server name', () => {
    const config = temporalConnectionFromEnv({
      TEMPORAL_ADDRESS: '10.0.0.5:7233',
      TEMPORAL_NAMESPACE: 'regenesis',
      TEMPORAL_TLS_CERT: client.cert,
      TEMPORAL_TLS_KEY: client.key,
      TEMPORAL_TLS_CA: ca.cert,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    expect(config.address).toBe('10.0.0.5:7233');
    expect(config.namespace).toBe('regenesis');
    expect(config.tls?.serverNameOverride).toBe('temporal.internal');
    expect(Buffer.from(config.tls!.serverRootCACertificate!).equals(readFileSync(ca.cert))).toBe(true);
    expect(Buffer.from(config.tls!.clientCertPair!.key).equals(readFileSync(client.key))).toBe(true);
  });

  it('refuses a certificate without its key, naming the missing variable', () => {
    expect(refusal({ TEMPORAL_TLS_CERT: client.cert, TEMPORAL_TLS_CA: ca.cert }).message).toMatch(/^TEMPORAL_TLS_KEY is missing: TEMPORAL_TLS_CERT is set/);
  });

  it('refuses a key without its certificate, naming the missing variable', () => {
    expect(refusal({ TEMPORAL_TLS_KEY: client.key }).message).toMatch(/^TEMPORAL_TLS_CERT is missing: TEMPORAL_TLS_KEY is set/);
  });

  it('refuses an empty variable as missing, not as a path', () => {
    expect(refusal({ TEMPORAL_TLS_CERT: client.cert, TEMPORAL_TLS_KEY: '  ' }).message).toMatch(/^TEMPORAL_TLS_KEY/);
  });

  it('names an unreadable file with its variable', () => {
    expect(refusal({ TEMPORAL_TLS_CA: join(dir, 'nowhere.pem') }).message).toBe(`TEMPORAL_TLS_CA (${join(dir, 'nowhere.pem')}): cannot be read (ENOENT)`);
  });

  it("refuses a key that is not the certificate's", () => {
    expect(refusal({ TEMPORAL_TLS_CERT: client.cert, TEMPORAL_TLS_KEY: other.key }).message).toMatch(/is not the private key of TEMPORAL_TLS_CERT/);
  });

  it('refuses an expired certificate at start, with its date', () => {
    expect(refusal({ TEMPORAL_TLS_CERT: expired.cert, TEMPORAL_TLS_KEY: expired.key }).message).toMatch(/the client certificate expired on \d{4}-\d\d-\d\dT/);
  });

  it('never quotes key material, even when the files are swapped or broken', () => {
    const key = readFileSync(client.key, 'utf8');
    const broken = join(dir, 'broken.pem');
    writeFileSync(broken, key.replace('PRIVATE KEY', 'CERTIFICATE'));
    const messages = [
      refusal({ TEMPORAL_TLS_CERT: client.key, TEMPORAL_TLS_KEY: client.cert }).message,
      refusal({ TEMPORAL_TLS_CERT: broken, TEMPORAL_TLS_KEY: client.key }).message,
      refusal({ TEMPORAL_TLS_CERT: client.cert, TEMPORAL_TLS_KEY: client.cert }).message,
    ];
    expect(messages[0]).toMatch(/TEMPORAL_TLS_CERT \(.*\): not a PEM certificate/);
    expect(messages[2]).toMatch(/TEMPORAL_TLS_KEY \(.*\): not a PEM private key/);
    const body = key.split('\n').filter((line) => line && !line.startsWith('-----'));
    for (const message of messages) for (const line of body) expect(message).not.toContain(line.slice(0, 24));
  });
});
