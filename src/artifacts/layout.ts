/**
 * Where every artifact of a run lives, on disk and in the bucket, in one place: the activities that
 * write, the workflow and agents that read, and the object store that copies must never disagree
 * about a name. The names are public (docs/ARTIFACTS.md, agents fetch by them, recorded histories
 * carry them), so they change only with a new name beside the old. The module is pure: workflow
 * code may import it.
 */

/** The fixed files of a run, relative to its directory `<artifacts>/<runKey>/`. */
export const RUN_FILES = {
  /** Every other file of the run with its sha256 and size; written last. */
  manifest: 'manifest.json',
  cGenesis: 'genesis/C-genesis.json',
  primaryGenesis: 'genesis/genesis.json',
  /** Accounts read back from the source, for the rehearsal and the post-launch check. */
  samples: 'verify/samples.jsonl',
  report: 'reports/regenesis.json',
  launchReport: 'reports/launch.json',
  reviewPage: 'reports/review.html',
  rehearsalReport: 'reports/rehearsal.json',
  postLaunchReport: 'reports/post-launch.json',
  pValidators: 'exports/P/validators.jsonl',
  pUtxos: 'exports/P/utxos.jsonl',
  xUtxos: 'exports/X/utxos.jsonl',
  xAssets: 'exports/X/assets.jsonl',
  qConfig: 'exports/Q/config.json',
  discoveredAddresses: 'exports/addresses.jsonl',
  /** Owners found so far, for a retry to resume from (never published: only its `.partial` exists). */
  discoveryLog: 'exports/addresses.found.jsonl',
} as const;

/**
 * Which export a set of C-Chain partitions belongs to: `C` is the state at the freeze (stage 1),
 * `C-final` the state at the halt (stage 1 with the changes since merged in, src/export/mergeDelta.ts).
 */
export type PartitionSet = 'C' | 'C-final';

/** Where partition `index` of a C-Chain export lives: numbered so that names sort in key order. */
export function partitionPath(index: number, set: PartitionSet = 'C'): string {
  return `exports/${set}/part-${String(index).padStart(3, '0')}.jsonl`;
}

/** Where the C-Chain delta between two heights lives: the heights name it, so a retry rewrites it. */
export function deltaPath(fromHeight: number, toHeight: number): string {
  return `exports/C-delta/${fromHeight}-${toHeight}.jsonl`;
}

const RUN_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/**
 * Refuses a run key that could climb out of its parent (directory or bucket prefix) or name another
 * run's: only letters, digits, `.`, `_` and `-`, never `..`. `field` names it as the caller calls it.
 */
export function checkRunKey(runKey: string, field = 'runKey'): string {
  if (!RUN_KEY.test(runKey) || runKey.includes('..')) {
    throw new Error(`${field} ${JSON.stringify(runKey)}: only letters, digits, ".", "_" and "-" are allowed`);
  }
  return runKey;
}

/**
 * Refuses a relative path that a reader could not safely join under its own directory: absolute,
 * with `..` or `.` segments, backslashes or empty segments. An index names files agents write to
 * disk, so what goes into it must already be a plain `dir/file` path.
 */
export function checkRelativePath(rel: string): string {
  const segments = rel.split('/');
  const plain = !rel.includes('\\') && !rel.includes('\0') && segments.every((part) => part !== '' && part !== '.' && part !== '..');
  if (!plain) {
    throw new Error(`artifact path ${JSON.stringify(rel)}: must be a relative path like "${RUN_FILES.cGenesis}" (no "..", ".", "\\" or leading "/")`);
  }
  return rel;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Refuses anything but 64 lowercase hex digits: the value becomes part of an object key, and a
 * checksum spelled two ways (upper case, a `sha256:` prefix) would name two objects.
 */
export function checkSha256Hex(field: string, value: string): string {
  if (!SHA256_HEX.test(value)) throw new Error(`${field}: ${JSON.stringify(value)} is not a sha256 (64 lowercase hex digits)`);
  return value;
}

/**
 * The bucket key of a file body: its own sha256, which is what a reader checks it against, so a
 * body is stored once however many runs name it.
 */
export function contentKey(sha256: string): string {
  return `sha256/${checkSha256Hex('sha256', sha256)}`;
}

/** The bucket key of a run's index (written last, so a reader that finds it finds every body it names). */
export function runIndexKey(runKey: string): string {
  return `runs/${checkRunKey(runKey)}/index.json`;
}

/**
 * Where a run's written files are recorded while the run is under way, one object per file:
 * `runs/<runKey>/files/<rel>` holds `{sha256, bytes}` of the body last written at that path. Workers
 * on several hosts do not share a directory, so this prefix is the run's directory as a whole: what
 * a publishing worker lists to make every file of the run local before it hashes the manifest.
 */
export function runFilesPrefix(runKey: string): string {
  return `runs/${checkRunKey(runKey)}/files/`;
}

/** The record of one written file of a run (see runFilesPrefix). */
export function runFileKey(runKey: string, rel: string): string {
  return `${runFilesPrefix(runKey)}${checkRelativePath(rel)}`;
}
