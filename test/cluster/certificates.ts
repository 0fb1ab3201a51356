import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A certificate and its key on disk, as TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY name them. */
export interface CertFiles {
  cert: string;
  key: string;
}

/** openssl quietly: its progress output would only bury a test's own. */
function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA of its own: what a client of "another CA" is signed by. */
export function makeCa(dir: string, name: string): CertFiles {
  mkdirSync(dir, { recursive: true });
  const files = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    files.key,
    '-out',
    files.cert,
    '-days',
    '30',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  ]);
  return files;
}

/**
 * A client certificate signed by `ca`. `days: -1` makes one that expired a day ago (OpenSSL 3.0's
 * x509 has no explicit end date; a negative validity is how it writes a past one).
 */
export function makeClientCert(dir: string, name: string, ca: CertFiles, days = 30): CertFiles {
  const files = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n');
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', files.key, '-out', csr, '-subj', `/CN=${name}`]);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', String(days), '-extfile', ext, '-out', files.cert]);
  return files;
}
