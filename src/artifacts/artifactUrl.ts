import { checkSha256Hex, contentKey } from './layout.js';

/**
 * The URL of an artifact, by which a host without the bucket's credentials can fetch it: a read-only
 * HTTP(S) mirror of the bucket's content-addressed bodies (a CDN, a web server in front of the
 * bucket, the bucket's public URL) serves `<base>/sha256/<hex>`. The checksum rides in the URL as
 * cosmovisor writes its downloads (`?checksum=sha256:<hex>`): the URL says what its bytes must hash
 * to, and every reader checks them against it (fetchArtifact.ts). Without a mirror, the run's index
 * names the body in the bucket itself (`s3://<bucket>/sha256/<hex>?checksum=…`). Pure.
 */

/**
 * A mirror's base URL as configured (`field` names the setting): http or https, no credentials (a
 * mirror is read without them), no query or fragment. Returned without a trailing slash.
 */
export function checkArtifactsBaseUrl(raw: string, field: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${field}: not a URL (expected e.g. https://artifacts.example.org/regenesis)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${field}: must be http:// or https://, not ${url.protocol}`);
  if (url.username || url.password) throw new Error(`${field}: must not carry credentials: a mirror is read without them`);
  if (url.search || url.hash) throw new Error(`${field}: must not have a query or fragment (${url.origin}${url.pathname})`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** `<base>/sha256/<hex>?checksum=sha256:<hex>`: where the mirror at `base` serves the body with this sha256. */
export function artifactUrl(base: string, sha256: string): string {
  const hex = checkSha256Hex('sha256', sha256);
  return `${base}/${contentKey(hex)}?checksum=sha256:${hex}`;
}

/** `s3://<bucket>/sha256/<hex>?checksum=sha256:<hex>`: the body in the bucket, for readers with its credentials. */
export function s3ArtifactUrl(bucket: string, sha256: string): string {
  const hex = checkSha256Hex('sha256', sha256);
  return `s3://${bucket}/${contentKey(hex)}?checksum=sha256:${hex}`;
}
