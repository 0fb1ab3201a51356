import { heartbeating } from './heartbeat.js';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/artifacts/atomicFile.js';
import type { ArtifactStore } from '../src/artifacts/store.js';
import { rehearseGethGenesis } from '../src/chains/evm/rehearsal.js';
import { killRecordedProcess } from '../src/devnet/pidFile.js';
import type { RehearsalReport } from '../src/manifests.js';
import type { Hex } from '../src/state/hex.js';
import { readAccountFile } from '../src/state/jsonl.js';

export const REHEARSAL_REPORT_PATH = 'reports/rehearsal.json';

/** Scratch space of a rehearsal node: outside the artifact directory, gone after the run. */
export function rehearsalWorkDir(runKey: string): string {
  return join(tmpdir(), 'regenesis-rehearsal', runKey);
}

/** Kills a rehearsal node recorded in `workDir` (left by a crashed worker) and removes its datadir. */
async function clearRehearsal(workDir: string): Promise<void> {
  await killRecordedProcess(join(workDir, 'geth.pid'));
  await rm(workDir, { recursive: true, force: true });
}

export function rehearsalActivities(store: ArtifactStore) {
  return {
    /**
     * Boots the generated genesis on a fresh geth (isolated datadir, loopback, no peers) and checks
     * that block 0's stateRoot is the source root and that it serves the sampled accounts.
     */
    async rehearseEvm(input: { runKey: string; genesisPath: string; expectedRoot: Hex; samplesPath: string }): Promise<RehearsalReport> {
      const workDir = rehearsalWorkDir(input.runKey);
      // A retry after a worker crash starts clean: the node the crashed attempt left running goes first.
      await clearRehearsal(workDir);
      const samples = await readAccountFile(store.path(input.runKey, input.samplesPath));
      try {
        const result = await heartbeating(() =>
          rehearseGethGenesis({
            genesisPath: store.path(input.runKey, input.genesisPath),
            workDir,
            expectedRoot: input.expectedRoot,
            samples,
          }),
        );
        const report: RehearsalReport = {
          ok: result.rootMatches && result.mismatches.length === 0,
          block0Root: result.block0Root,
          rootMatches: result.rootMatches,
          sampled: result.sampled,
          mismatches: result.mismatches,
        };
        await writeFileAtomic(store.path(input.runKey, REHEARSAL_REPORT_PATH), `${JSON.stringify(report, null, 2)}\n`);
        return report;
      } finally {
        await rm(workDir, { recursive: true, force: true });
      }
    },

    /** Compensation: a rehearsal node left behind by a crashed worker is killed, its datadir removed. */
    async stopRehearsal(input: { runKey: string }): Promise<void> {
      await clearRehearsal(rehearsalWorkDir(input.runKey));
    },
  };
}
