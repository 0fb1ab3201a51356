import { Runtime, DefaultLogger } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectClientConnection,
  connectNativeConnection,
  TemporalConnectError,
  temporalConnectionFromEnv,
  type TemporalConnectionConfig,
} from '../../src/temporal/connect.js';
import { makeCa, makeClientCert, type CertFiles } from './certificates.js';
import { startCluster, type LocalCluster } from './cluster.js';

/** What each kind of bad client must be told by both connection kinds (CLI and workers). */
const BAD_CLIENTS = [
  {
    name: 'no certificate',
    cert: (): CertFiles | undefined => undefined,
    says: /the server requires a client certificate: set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY/,
  },
  {
    name: 'a certificate of another CA',
    cert: () => otherCa,
    says: /refused the client certificate TEMPORAL_TLS_CERT \(.*other-client\.pem\): it is not signed by a CA the server trusts/,
  },
  { name: 'an expired certificate', cert: () => expired, says: /refused the client certificate TEMPORAL_TLS_CERT \(.*expired-client\.pem\): it has expired/ },
];

let cluster: LocalCluster;
let otherCa: CertFiles;
let expired: CertFiles;

/**
 * A client of the cluster with `pair` as its certificate, built as the module builds it but without
 * its start-up checks: what the server itself does with the certificate is under test.
 */
function clientWith(pair: CertFiles | undefined): TemporalConnectionConfig {
  const good = cluster.connection();
  return {
    ...good,
    tls: { ...good.tls, clientCertPair: pair ? { crt: readFileSync(pair.cert), key: readFileSync(pair.key) } : undefined },
    files: { ...good.files, cert: pair?.cert, key: pair?.key },
  };
}

/** Every bad client is refused by the server, and the message says why, over both connection kinds. */
async function expectEveryBadClientRefused(): Promise<void> {
  for (const bad of BAD_CLIENTS) {
    const config = clientWith(bad.cert());
    for (const connect of [connectClientConnection, connectNativeConnection]) {
      const outcome = await connect(config).then(
        async (connection) => {
          await connection.close();
          return new Error(`${bad.name}: ${connect.name} was let in`);
        },
        (err: unknown) => err,
      );
      if (!(outcome instanceof TemporalConnectError)) throw outcome;
      expect((outcome as Error).message, `${bad.name} over ${connect.name}`).toMatch(bad.says);
    }
  }
}

describe('a Temporal cluster on PostgreSQL with mTLS required on the frontend', () => {
  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    cluster = await startCluster('mtls');
    const certs = join(cluster.dir, 'test-certs');
    otherCa = makeClientCert(certs, 'other-client', makeCa(certs, 'other-ca'));
    // Signed by the cluster's own CA: only its dates are wrong.
    expired = makeClientCert(certs, 'expired-client', { cert: join(cluster.dir, 'tls/ca.pem'), key: join(cluster.dir, 'tls/ca.key') }, -1);
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  it('lets in a client with the certificate the cluster issued, over both connection kinds', async () => {
    const config = cluster.connection();
    expect(config.tls?.clientCertPair).toBeDefined();
    const client = await connectClientConnection(config);
    const namespace = await client.workflowService.describeNamespace({ namespace: 'default' });
    expect(namespace.namespaceInfo?.name).toBe('default');
    await client.close();
    const native = await connectNativeConnection(config);
    await native.close();
  });

  it('refuses a client without a certificate, with one of another CA, or with an expired one, saying which', async () => {
    await expectEveryBadClientRefused();
  });

  it('refuses an expired certificate already at start, before the server sees it', () => {
    expect(() => temporalConnectionFromEnv({ ...cluster.env, TEMPORAL_TLS_CERT: expired.cert, TEMPORAL_TLS_KEY: expired.key })).toThrow(
      /the client certificate expired on/,
    );
  });

  it('would fail if the server did not require client certificates (same PostgreSQL, client auth off)', async () => {
    await cluster.script('stop-server');
    await cluster.script('start-server', { REGENESIS_CLUSTER_REQUIRE_CLIENT_AUTH: 'false' });
    try {
      await expect(expectEveryBadClientRefused()).rejects.toThrow(/no certificate: connectClientConnection was let in/);
    } finally {
      await cluster.script('stop-server');
      await cluster.script('start-server');
    }
    await expectEveryBadClientRefused();
  });
});
