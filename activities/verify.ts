import { heartbeating } from './heartbeat.js';
import { writeFileAtomic } from '../src/artifacts/atomicFile.js';
import type { ArtifactStore } from '../src/artifacts/store.js';
import { JsonRpcClient } from '../src/chains/evm/rpc.js';
import type { FreezePoint, GenesisManifest, VerificationCheck, VerificationReport } from '../src/manifests.js';
import { accountLine, readAccounts } from '../src/state/jsonl.js';
import { diffStats, type StateStats } from '../src/state/stats.js';
import { compareWithNode } from '../src/verify/nodeSamples.js';
import { sampleAccounts } from '../src/verify/samples.js';
import { asFailure } from './failures.js';

export const SAMPLES_PATH = 'verify/samples.jsonl';

export function verifyActivities(store: ArtifactStore) {
  return {
    /**
     * Independent checks of the generated genesis against the export and the source node: the state
     * root recomputed from the alloc equals the freeze block's, totals (supply, accounts, contracts,
     * slots, code) are carried, and sampled accounts read back from the node at the freeze height
     * match the export field by field.
     */
    async verifyEvm(input: {
      runKey: string;
      rpcUrl: string;
      freeze: FreezePoint;
      partitionPaths: string[];
      exported: StateStats;
      genesis: GenesisManifest;
    }): Promise<VerificationReport> {
      const checks: VerificationCheck[] = [];
      const rootOk = input.genesis.stateRoot === input.freeze.stateRoot;
      checks.push({
        name: 'state-root',
        ok: rootOk,
        detail: rootOk
          ? `genesis alloc root ${input.genesis.stateRoot} equals block ${input.freeze.height}'s stateRoot`
          : `genesis alloc root ${input.genesis.stateRoot} != block ${input.freeze.height}'s stateRoot ${input.freeze.stateRoot}`,
      });
      const supplyOk = input.exported.totalBalance === input.genesis.stats.totalBalance;
      checks.push({
        name: 'supply',
        ok: supplyOk,
        detail: `exported ${input.exported.totalBalance} wei, genesis ${input.genesis.stats.totalBalance} wei`,
      });
      const diffs = diffStats(input.exported, input.genesis.stats);
      checks.push({
        name: 'counts',
        ok: diffs.length === 0,
        detail:
          diffs.length === 0
            ? `${input.genesis.stats.accounts} accounts, ${input.genesis.stats.contracts} contracts, ${input.genesis.stats.storageSlots} slots, ${input.genesis.stats.codeBytes} code bytes`
            : diffs.join('; '),
      });

      const paths = input.partitionPaths.map((p) => store.path(input.runKey, p));
      const samples = await heartbeating(() => sampleAccounts(readAccounts(paths), input.exported.accounts));
      await writeFileAtomic(store.path(input.runKey, SAMPLES_PATH), samples.map(accountLine).join(''));
      try {
        const rpc = new JsonRpcClient(input.rpcUrl);
        const mismatches = await heartbeating(() => compareWithNode(rpc, `0x${input.freeze.height.toString(16)}`, samples));
        checks.push({
          name: 'source-node-samples',
          ok: mismatches.length === 0,
          detail:
            mismatches.length === 0
              ? `${samples.length} accounts read back from the source node at the freeze height match (balance, nonce, code, storage)`
              : mismatches.slice(0, 10).join('; '),
        });
      } catch (err) {
        throw asFailure(err, 'source node samples');
      }
      return { ok: checks.every((c) => c.ok), checks, samplesPath: SAMPLES_PATH, samples: samples.length };
    },
  };
}
