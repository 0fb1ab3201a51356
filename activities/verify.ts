import { heartbeating } from './heartbeat.js';
import { crashPoint } from '../src/crashPoint.js';
import { writeFileAtomic } from '../src/artifacts/atomicFile.js';
import type { ArtifactStore } from '../src/artifacts/store.js';
import { JsonRpcClient } from '../src/chains/evm/rpc.js';
import type { FreezePoint, GenesisManifest, VerificationReport } from '../src/manifests.js';
import { accountLine, readAccounts } from '../src/state/jsonl.js';
import type { StateStats } from '../src/state/stats.js';
import { genesisChecks, sourceSamplesCheck } from '../src/verify/evm.js';
import { sampleAccounts } from '../src/verify/samples.js';
import { asFailure } from './failures.js';

export const SAMPLES_PATH = 'verify/samples.jsonl';

export function verifyActivities(store: ArtifactStore) {
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
      exported: StateStats;
      genesis: GenesisManifest;
    }): Promise<VerificationReport> {
      const checks = genesisChecks(input);

      await heartbeating(() => crashPoint('verify-started'));
      const paths = input.partitionPaths.map((p) => store.path(input.runKey, p));
      const samples = await heartbeating(() => sampleAccounts(readAccounts(paths), input.exported.accounts));
      await writeFileAtomic(store.path(input.runKey, SAMPLES_PATH), samples.map(accountLine).join(''));
      await heartbeating(() => crashPoint('verify-samples-written'));
      try {
        const rpc = new JsonRpcClient(input.rpcUrl);
        checks.push(await heartbeating(() => sourceSamplesCheck(rpc, input.freeze.height, samples)));
      } catch (err) {
        throw asFailure(err, 'source node samples');
      }
      return { ok: checks.every((c) => c.ok), checks, samplesPath: SAMPLES_PATH, samples: samples.length };
    },
  };
}
