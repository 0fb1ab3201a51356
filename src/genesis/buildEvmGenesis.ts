import type { AtomicFile, WrittenFile } from '../artifacts/atomicFile.js';
import { keccakReady } from '../state/keccak.js';
import type { Hex } from '../state/hex.js';
import { readAccounts } from '../state/jsonl.js';
import { StateRootBuilder, type AccountEncoding } from '../state/stateRoot.js';
import { StatsAccumulator, type StateStats } from '../state/stats.js';
import { GethGenesisWriter, type GethGenesisHeader } from './gethGenesisWriter.js';

export interface EvmGenesisResult {
  genesis: WrittenFile;
  /** State root of the alloc, computed by the streaming stack trie. */
  stateRoot: Hex;
  stats: StateStats;
}

const PROGRESS_EVERY = 4096;

/**
 * One pass over the exported partitions (already in trie-key order) feeds both the stack trie and
 * the genesis writer, so a state of any size costs O(trie depth) memory and is read once.
 */
export async function buildEvmGenesis(
  partitionFiles: readonly string[],
  header: GethGenesisHeader,
  out: AtomicFile,
  /** How the source chain encodes accounts: the root must be the one its nodes compute. */
  accountEncoding: AccountEncoding = 'ethereum',
  /** Called after every PROGRESS_EVERY accounts, with the count so far (awaited). */
  progress?: (accounts: number) => Promise<void>,
): Promise<EvmGenesisResult> {
  await keccakReady();
  const trie = new StateRootBuilder(accountEncoding);
  const stats = new StatsAccumulator();
  const writer = new GethGenesisWriter(out, header);
  let accounts = 0;
  try {
    for await (const record of readAccounts(partitionFiles)) {
      trie.add(record);
      stats.add(record);
      await writer.add(record);
      if (progress && ++accounts % PROGRESS_EVERY === 0) await progress(accounts);
    }
    await writer.finish();
    const genesis = await out.commit();
    return { genesis, stateRoot: trie.root(), stats: stats.snapshot() };
  } catch (err) {
    await out.abort();
    throw err;
  }
}
