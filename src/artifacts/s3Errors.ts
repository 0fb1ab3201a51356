/**
 * What the artifact code says about a failed S3 call. An SDK error carries every field of the
 * server's error document as its own property — for `SignatureDoesNotMatch`, the access key ID and
 * the canonical request — so only its name, HTTP status and message are kept, in a new Error
 * without a `cause`: nothing else ever reaches a log, a run's history or an operator.
 */

interface S3ErrorShape {
  name?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** The HTTP status of an SDK error, or undefined for a failure that never got an answer. */
function httpStatusOf(err: unknown): number | undefined {
  const status = (err as S3ErrorShape | undefined)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * True when the object itself is absent: HeadObject answers a bodiless 404 (`NotFound`),
 * GetObject `NoSuchKey`. Other 404s are not this: a missing bucket (`NoSuchBucket`) is a
 * configuration fault, and VersityGW answers an unknown access key with 404 `XAdminUserNotFound`
 * where S3 says 403 — neither may read as "not published yet".
 */
export function isMissingObject(err: unknown): boolean {
  const name = (err as S3ErrorShape | undefined)?.name;
  return name === 'NotFound' || name === 'NoSuchKey';
}

/** `what` failed, with the SDK error reduced to its name, status and message (see above). */
export function s3Failure(what: string, err: unknown): Error {
  const shape = (err ?? {}) as S3ErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : 'Error';
  const status = httpStatusOf(err);
  const message = typeof shape.message === 'string' && shape.message !== name ? `: ${shape.message}` : '';
  return new Error(`${what} failed: ${name}${status !== undefined ? ` (HTTP ${status})` : ''}${message}`);
}
