import type { AtomicFile, WrittenFile } from '../artifacts/atomicFile.js';
import { keccakReady } from '../state/keccak.js';
import { bytesToHex, type Hex } from '../state/hex.js';
import { keySpanPass, type ThreadFigure } from '../state/keySpanPass.js';
import { totalBytes, type AccountEncoding, type PassThreads } from '../state/stateRoot.js';
import type { StateStats } from '../state/stats.js';
import { defaultThreads } from '../state/threads.js';
import { GENESIS_TAIL, genesisHead, type GethGenesisHeader } from './gethGenesisWriter.js';

export interface EvmGenesisResult {
  genesis: WrittenFile;
  /** State root of the alloc, computed by the streaming stack trie. */
  stateRoot: Hex;
  stats: StateStats;
  /** What each thread of the pass did. */
  threads: ThreadFigure[];
}

const PROGRESS_EVERY = 4096;

/**
 * One pass over the exported partitions (already in trie-key order) feeds both the stack trie and
 * the genesis writer, so a state of any size costs O(trie depth) memory and is read once. Accounts
 * are read as bytes (AccountBytes) and their alloc entries copied from the lines (AllocOutput).
 *
 * A large state is split into key spans, one thread each (src/state/keySpanPass.ts): the first
 * span writes into `out` behind the header, the others into files of their own appended in order;
 * the bytes are those of one thread (`threads: 1`), and the root is the one stack trie's.
 */
export async function buildEvmGenesis(
  partitionFiles: readonly string[],
  header: GethGenesisHeader,
  out: AtomicFile,
  /** How the source chain encodes accounts: the root must be the one its nodes compute. */
  accountEncoding: AccountEncoding = 'ethereum',
  /** Called about every PROGRESS_EVERY accounts, with the count so far (awaited). */
  progress?: (accounts: number) => Promise<void>,
  options: PassThreads = {},
): Promise<EvmGenesisResult> {
  await keccakReady();
  try {
    const threads = options.threads ?? defaultThreads(partitionFiles.length, await totalBytes(partitionFiles));
    await out.write(genesisHead(header));
    const pass = await keySpanPass(partitionFiles, threads, {
      encoding: accountEncoding,
      alloc: { write: (chunks) => writeAll(out, chunks), piecePath: (span) => `${out.path}.span-${span}.partial` },
      progress,
      progressEvery: PROGRESS_EVERY,
      inline: options.inline,
    });
    await out.write(GENESIS_TAIL);
    const genesis = await out.commit();
    return { genesis, stateRoot: bytesToHex(pass.root), stats: pass.stats, threads: pass.threads };
  } catch (err) {
    await out.abort();
    throw err;
  }
}

/** Writes the chunks in order (each waits for the file when its buffer is full). */
async function writeAll(out: AtomicFile, chunks: Buffer[]): Promise<void> {
  for (const chunk of chunks) await out.write(chunk);
}
