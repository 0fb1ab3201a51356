import { posix } from 'node:path';

/**
 * Where things live in the artifact bucket, in one place so that the coordinator that publishes and
 * the agents that fetch can never disagree: file bodies under `sha256/<hex>` (content-addressed, so
 * a body is stored once however many runs name it, and its key is its checksum), and each run's
 * index under `runs/<runKey>/index.json`.
 */

const SHA256_HEX = /^[0-9a-f]{64}$/;
const RUN_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/**
 * Refuses anything but 64 lowercase hex digits: the value becomes part of an object key, and a
 * checksum spelled two ways (upper case, a `sha256:` prefix) would name two objects.
 */
export function checkSha256Hex(field: string, value: string): string {
  if (!SHA256_HEX.test(value)) throw new Error(`${field}: ${JSON.stringify(value)} is not a sha256 (64 lowercase hex digits)`);
  return value;
}

/** The key of a file body: its own sha256, which is what a reader checks it against. */
export function contentKey(sha256: string): string {
  return `sha256/${checkSha256Hex('sha256', sha256)}`;
}

/**
 * The key of a run's index. The run key is checked with the local store's rule (letters, digits,
 * `.`, `_`, `-`), so a run key can never climb out of `runs/` or name another run's prefix.
 */
export function runIndexKey(runKey: string): string {
  if (!RUN_KEY.test(runKey) || runKey.includes('..')) {
    throw new Error(`runKey ${JSON.stringify(runKey)}: only letters, digits, ".", "_" and "-" are allowed`);
  }
  return `runs/${runKey}/index.json`;
}

/**
 * Refuses a relative path that a reader could not safely join under its own directory: absolute,
 * with `..` or `.` segments, backslashes or empty segments. An index names files agents write to
 * disk, so what goes into it must already be a plain `dir/file` path.
 */
export function checkRelativePath(rel: string): string {
  const plain = rel.length > 0 && !rel.includes('\\') && !rel.includes('\0') && !posix.isAbsolute(rel);
  if (!plain || posix.normalize(rel) !== rel || rel.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new Error(`artifact path ${JSON.stringify(rel)}: must be a relative path like "genesis/C-genesis.json" (no "..", ".", "\\" or leading "/")`);
  }
  return rel;
}
