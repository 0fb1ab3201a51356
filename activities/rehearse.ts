import { heartbeating } from './heartbeat.js';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/artifacts/atomicFile.js';
import { RUN_FILES } from '../src/artifacts/layout.js';
import { localFiles, type ArtifactStore } from '../src/artifacts/store.js';
import { rehearseGethGenesis } from '../src/rehearsal/evm.js';
import { killRecordedProcess } from '../src/nodes/pidFile.js';
import type { PChainExport, PrimaryGenesisManifest, RehearsalReport, XChainExport } from '../src/manifests.js';
import type { Hex } from '../src/state/hex.js';
import { readAccountFile, readJsonLines } from '../src/state/jsonl.js';
import { exportedBalances } from '../src/chains/platform/balances.js';
import type { ValidatorRecord } from '../src/chains/platform/validatorRecord.js';
import { rehearsePrimaryGenesis, REHEARSAL_PID_FILE, type ReadBackOptions } from '../src/rehearsal/primary.js';
import type { UtxoRecord } from '../src/chains/avax/utxo.js';
import { asFailure } from './failures.js';

/** Scratch space of a rehearsal node: outside the artifact directory, gone after the run. */
export function rehearsalWorkDir(runKey: string): string {
  return join(tmpdir(), 'regenesis-rehearsal', runKey);
}

/** Kills a rehearsal node recorded in `workDir` (left by a crashed worker) and removes its datadir. */
export async function clearRehearsal(workDir: string): Promise<void> {
  await killRecordedProcess(join(workDir, 'geth.pid'));
  await killRecordedProcess(join(workDir, REHEARSAL_PID_FILE));
  await rm(workDir, { recursive: true, force: true });
}

export interface PrimaryReadBackInput {
  runKey: string;
  genesis: PrimaryGenesisManifest;
  pChain: PChainExport;
  xChain?: XChainExport;
  cChainRoot: Hex;
  samplesPath: string;
  stakeOwnerBalances?: 'refuse' | 'move-to-x';
}

/** What a primary network must serve, read from the run's exports (not from the genesis): the rehearsal's and the post-launch check's expectation. */
export async function expectedPrimary(store: ArtifactStore, input: PrimaryReadBackInput): Promise<ReadBackOptions> {
  const [pUtxos, validators, samples, xUtxos] = await localFiles(store, input.runKey, [
    input.pChain.utxos,
    input.pChain.validators,
    input.samplesPath,
    ...(input.xChain ? [input.xChain.utxos] : []),
  ]);
  const balances = await exportedBalances({
    assetID: input.pChain.stakingAssetID,
    pUtxos: readJsonLines<UtxoRecord>([pUtxos as string], 'UTXO'),
    ...(xUtxos !== undefined ? { xUtxos: readJsonLines<UtxoRecord>([xUtxos], 'UTXO') } : {}),
    validators: readJsonLines<ValidatorRecord>([validators as string], 'validator'),
    ...(input.stakeOwnerBalances === 'move-to-x' ? { stakeOwnersOnX: true } : {}),
  });
  return {
    networkID: input.genesis.networkID,
    stakers: input.genesis.stakers,
    balances,
    cChainRoot: input.cChainRoot,
    samples: await readAccountFile(samples as string),
  };
}

export function rehearsalActivities(store: ArtifactStore) {
  /** The verdict of a rehearsal, kept as reports/rehearsal.json and returned to the workflow. */
  async function publish(
    runKey: string,
    result: { block0Root: Hex; rootMatches: boolean; sampled: number; mismatches: string[] },
    extra: Pick<RehearsalReport, 'primary' | 'node'> = {},
  ): Promise<RehearsalReport> {
    const { node, ...written } = extra;
    const report: RehearsalReport = {
      ok: result.rootMatches && result.mismatches.length === 0,
      block0Root: result.block0Root,
      rootMatches: result.rootMatches,
      sampled: result.sampled,
      mismatches: result.mismatches,
      ...written,
    };
    const file = await writeFileAtomic(store.path(runKey, RUN_FILES.rehearsalReport), `${JSON.stringify(report, null, 2)}\n`);
    // Published with the run's report, by whichever worker publishes it.
    await store.share(runKey, { path: RUN_FILES.rehearsalReport, sha256: file.sha256, bytes: file.bytes });
    // The node's cost goes back to the run only: it differs between two rehearsals of one genesis.
    return { ...report, ...(node ? { node } : {}) };
  }

  return {
    /**
     * Boots the generated genesis on a fresh geth (isolated datadir, loopback, no peers) and checks
     * that block 0's stateRoot is the source root and that it serves the sampled accounts.
     */
    async rehearseEvm(input: {
      runKey: string;
      genesisPath: string;
      /** The genesis's sha256, as buildGenesis reported it (absent in runs started before it was passed). */
      genesisSha256?: string;
      expectedRoot: Hex;
      samplesPath: string;
    }): Promise<RehearsalReport> {
      const workDir = rehearsalWorkDir(input.runKey);
      // A retry after a worker crash starts clean: the node the crashed attempt left running goes first.
      await clearRehearsal(workDir);
      const genesis = input.genesisSha256 !== undefined ? { path: input.genesisPath, sha256: input.genesisSha256 } : input.genesisPath;
      const [genesisPath, samplesPath] = await heartbeating(() => localFiles(store, input.runKey, [genesis, input.samplesPath]));
      const samples = await readAccountFile(samplesPath as string);
      try {
        const result = await heartbeating(() =>
          rehearseGethGenesis({
            genesisPath: genesisPath as string,
            workDir,
            expectedRoot: input.expectedRoot,
            samples,
          }),
        );
        return await publish(input.runKey, result);
      } finally {
        await rm(workDir, { recursive: true, force: true });
      }
    },

    /**
     * Boots the primary genesis on a fresh avalanchego and compares what it serves with the exports
     * (not with the genesis): validators and weights, every exported owner's P/X balance, the
     * C-Chain root and sampled accounts.
     */
    async rehearsePrimary(input: PrimaryReadBackInput): Promise<RehearsalReport> {
      const workDir = rehearsalWorkDir(input.runKey);
      await clearRehearsal(workDir);
      try {
        const expected = await heartbeating(() => expectedPrimary(store, input));
        const genesisPath = await heartbeating(() => store.local(input.runKey, input.genesis));
        const result = await heartbeating(() => rehearsePrimaryGenesis({ genesisPath, workDir, ...expected }));
        return await publish(input.runKey, result, {
          primary: { networkID: result.networkID, startTime: result.startTime, validators: result.validators, owners: result.owners },
          node: result.node,
        });
      } catch (err) {
        throw asFailure(err, 'primary rehearsal');
      } finally {
        await rm(workDir, { recursive: true, force: true });
      }
    },
  };
}
