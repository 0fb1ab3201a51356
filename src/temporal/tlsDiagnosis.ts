import { connect } from 'node:tls';
import type { TemporalConnectionConfig } from './connectionConfig.js';

/**
 * What a TLS problem means to the person configuring the client, keyed by the alert or error the
 * handshake ends with. Rust core (workers) reports alert names; Node's TLS reports OpenSSL codes.
 */
const EXPLANATIONS: Array<[RegExp, (c: TemporalConnectionConfig) => string]> = [
  [
    /CertificateRequired|CERTIFICATE_REQUIRED|HandshakeFailure|HANDSHAKE_FAILURE/i,
    () => 'the server requires a client certificate: set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY to one its CA signed',
  ],
  [/UnknownCA|UNKNOWN_CA/i, (c) => `the server refused the client certificate TEMPORAL_TLS_CERT (${c.files.cert}): it is not signed by a CA the server trusts`],
  [/CertificateExpired|CERTIFICATE_EXPIRED/i, (c) => `the server refused the client certificate TEMPORAL_TLS_CERT (${c.files.cert}): it has expired`],
  [
    /BadCertificate|BAD_CERTIFICATE|CertificateUnknown|CERTIFICATE_UNKNOWN|UnsupportedCertificate/i,
    (c) => `the server refused the client certificate TEMPORAL_TLS_CERT (${c.files.cert})`,
  ],
  [
    /UnknownIssuer|UNABLE_TO_VERIFY|SELF_SIGNED|self.signed|unable to get local issuer/i,
    (c) => `the server's certificate is not signed by ${c.files.ca ? `TEMPORAL_TLS_CA (${c.files.ca})` : 'a trusted CA: set TEMPORAL_TLS_CA'}`,
  ],
  [
    /NotValidForName|ERR_TLS_CERT_ALTNAME_INVALID|altnames/i,
    () => "the server's certificate does not name this address: set TEMPORAL_TLS_SERVER_NAME to the name it carries",
  ],
  [
    /WRONG_VERSION_NUMBER|packet length too long|InvalidContentType/i,
    () => 'the server does not speak TLS: unset TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY and TEMPORAL_TLS_CA',
  ],
];

/** The explanation of a message, if it names a TLS problem we know. */
export function explainTlsMessage(message: string, config: TemporalConnectionConfig): string | undefined {
  return EXPLANATIONS.find(([pattern]) => pattern.test(message))?.[1](config);
}

/**
 * The TypeScript client only says "Failed to connect before the deadline" whatever went wrong, so a
 * failed connection is retried once as a bare TLS handshake with the same material, which does
 * hear the server's alert. Resolves to the alert's explanation, or undefined.
 */
export function probeTls(config: TemporalConnectionConfig, timeoutMs = 3_000): Promise<string | undefined> {
  const tls = config.tls;
  if (!tls) return Promise.resolve(undefined);
  const [host, port] = splitAddress(config.address);
  const servername = tls.serverNameOverride ?? (isName(host) ? host : undefined);
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port,
      ...(servername ? { servername } : {}),
      ALPNProtocols: ['h2'],
      ...(tls.serverRootCACertificate ? { ca: Buffer.from(tls.serverRootCACertificate) } : {}),
      ...(tls.clientCertPair ? { cert: Buffer.from(tls.clientCertPair.crt), key: Buffer.from(tls.clientCertPair.key) } : {}),
    });
    const done = (message?: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(message === undefined ? undefined : explainTlsMessage(message, config));
    };
    // With TLS 1.3 the server judges the client certificate after the client's handshake is over:
    // its alert arrives as an error shortly after, so silence for a moment means it was accepted.
    const timer = setTimeout(() => done(), timeoutMs);
    socket.on('secureConnect', () => socket.write(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')));
    socket.on('error', (err: NodeJS.ErrnoException) => done(`${err.code ?? ''} ${err.message}`));
  });
}

/** SNI carries names only (RFC 6066): an IP address is left out. */
function isName(host: string): boolean {
  return !/^[\d.]+$/.test(host) && !host.includes(':');
}

/** host:port, with a bracketed IPv6 host unbracketed. */
function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at).replace(/^\[|\]$/g, ''), Number(address.slice(at + 1))];
}
