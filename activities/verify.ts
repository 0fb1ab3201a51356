import { writeFileAtomic } from '../src/artifacts/atomicFile.js';
import { RUN_FILES } from '../src/artifacts/layout.js';
import { localFiles, type ArtifactRef, type ArtifactStore } from '../src/artifacts/store.js';
import { cChainNodeEndpoints } from '../src/chains/avax/api.js';
import { JsonRpcClient } from '../src/chains/evm/rpc.js';
import { ExchangeChain } from '../src/chains/exchange/xchain.js';
import { PlatformChain } from '../src/chains/platform/pchain.js';
import { failure } from '../src/contract/failures.js';
import { crashPoint } from '../src/crashPoint.js';
import type { FreezePoint, GenesisManifest, VerificationReport } from '../src/manifests.js';
import type { DialectName } from '../src/network/dialect.js';
import { accountLine, readAccounts, readJsonLines } from '../src/state/jsonl.js';
import type { StateStats } from '../src/state/stats.js';
import { genesisChecks, sourceSamplesCheck } from '../src/verify/evm.js';
import { findMissingOwners } from '../src/verify/missingOwners.js';
import { sampleAccounts } from '../src/verify/samples.js';
import type { MissingOwners } from '../src/verify/supplyGap.js';
import { asFailure } from './failures.js';
import { heartbeating } from './heartbeat.js';

interface MissingOwnersInput {
  runKey: string;
  rpcUrl: string;
  dialect?: DialectName;
  pChainHeight: number;
  stakingAssetID: string;
  /** The exported validators file and the owners the export asked about (plan's and discovered). */
  validatorsPath: string;
  addresses: string[];
  discoveredPath?: string;
  withX: boolean;
}

/** The checks of a written genesis against the export and the source node (the `verifier` stub). */
export function verifyActivities(store: ArtifactStore) {
  /** Every owner the export asked about, without the chain prefix: the plan's and the discovered ones. */
  async function exportedOwners(input: MissingOwnersInput): Promise<Set<string>> {
    const exported = new Set(input.addresses.map((a) => a.slice(2)));
    if (input.discoveredPath === undefined) return exported;
    for await (const owner of readJsonLines<string>([await store.local(input.runKey, input.discoveredPath)], 'address')) exported.add(owner);
    return exported;
  }

  return {
    /**
     * The checks of src/verify/evm.ts; the samples read back are kept as verify/samples.jsonl, for
     * the rehearsal and the post-launch check to read back from the new chain.
     */
    async verifyEvm(input: {
      runKey: string;
      rpcUrl: string;
      freeze: FreezePoint;
      partitionPaths: string[];
      /** The partitions with the sha256s their export reported (absent in runs started before them). */
      partitions?: ArtifactRef[];
      exported: StateStats;
      genesis: GenesisManifest;
    }): Promise<VerificationReport> {
      const checks = genesisChecks(input);

      await heartbeating(() => crashPoint('verify-started'));
      const paths = await heartbeating(() => localFiles(store, input.runKey, input.partitions ?? input.partitionPaths));
      const samples = await heartbeating(() => sampleAccounts(readAccounts(paths), input.exported.accounts));
      const written = await writeFileAtomic(store.path(input.runKey, RUN_FILES.samples), samples.map(accountLine).join(''));
      // The rehearsal and the post-launch check read them back, on whichever worker they run.
      await store.share(input.runKey, { path: RUN_FILES.samples, sha256: written.sha256, bytes: written.bytes });
      await heartbeating(() => crashPoint('verify-samples-written'));
      try {
        const rpc = new JsonRpcClient(input.rpcUrl);
        checks.push(await heartbeating(() => sourceSamplesCheck(rpc, input.freeze.height, samples)));
      } catch (err) {
        throw asFailure(err, 'source node samples');
      }
      return { ok: checks.every((c) => c.ok), checks, samplesPath: RUN_FILES.samples, samples: samples.length };
    },

    /**
     * Only when the supply gap is over the plan's limit: the largest owners the run can see but did
     * not export (src/verify/missingOwners.ts), for the verification failure to name.
     */
    async missingOwners(input: MissingOwnersInput): Promise<MissingOwners> {
      try {
        const endpoints = cChainNodeEndpoints(input.rpcUrl, input.dialect);
        if (!endpoints) throw failure('InvalidPlan', `plan.chains.P: ${input.rpcUrl} is not an avalanchego/luxd C-Chain endpoint`);
        return await heartbeating(async () =>
          findMissingOwners({
            pchain: new PlatformChain(endpoints),
            ...(input.withX ? { xchain: new ExchangeChain(endpoints) } : {}),
            stakingAssetID: input.stakingAssetID,
            pChainHeight: input.pChainHeight,
            validators: readJsonLines<unknown>([await store.local(input.runKey, input.validatorsPath)], 'validator'),
            exported: await exportedOwners(input),
          }),
        );
      } catch (err) {
        throw asFailure(err, 'owner search of the supply gap');
      }
    },
  };
}
