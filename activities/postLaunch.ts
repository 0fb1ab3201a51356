import { ApplicationFailure } from '@temporalio/activity';
import { writeFileAtomic } from '../src/artifacts/atomicFile.js';
import { RUN_FILES } from '../src/artifacts/layout.js';
import type { ArtifactStore } from '../src/artifacts/store.js';
import { JsonRpcClient } from '../src/chains/evm/rpc.js';
import { failure } from '../src/contract/failures.js';
import { CanaryKeyError, checkTransfers, readCanaryKey, type TransferCheck } from '../src/launch/transferCheck.js';
import type { PostLaunchReport } from '../src/manifests.js';
import { readBackPrimaryNetwork } from '../src/rehearsal/primary.js';
import type { Hex } from '../src/state/hex.js';
import { readAccountFile } from '../src/state/jsonl.js';
import { compareWithNode } from '../src/verify/nodeSamples.js';
import { asFailure } from './failures.js';
import { heartbeating } from './heartbeat.js';
import { expectedPrimary, type PrimaryReadBackInput } from './rehearse.js';

/**
 * The checks of a launched network before the commit point, under one policy of their own
 * (policies.postLaunch): it serves the exported state, and it produces blocks. A failure here
 * rolls the run back, so each check reads the network's own answers, never the run's records.
 */
export function postLaunchActivities(store: ArtifactStore) {
  return {
    /** An EVM network (the `local` operator's devnet): block 0's root and the sampled accounts. */
    async postVerifyNetwork(input: { runKey: string; rpcUrl: string; expectedRoot: Hex; samplesPath: string }): Promise<{
      ok: boolean;
      block0Root: Hex;
      mismatches: string[];
    }> {
      const rpc = new JsonRpcClient(input.rpcUrl);
      const block0 = await rpc.call<{ stateRoot: Hex } | null>('eth_getBlockByNumber', ['0x0', false]);
      if (!block0) throw ApplicationFailure.retryable(`new network at ${rpc.endpoint} has no block 0 yet`);
      const samples = await readAccountFile(await store.local(input.runKey, input.samplesPath));
      const mismatches = await compareWithNode(rpc, '0x0', samples);
      if (block0.stateRoot !== input.expectedRoot) {
        mismatches.unshift(`block 0 stateRoot ${block0.stateRoot} != ${input.expectedRoot}`);
      }
      return { ok: mismatches.length === 0, block0Root: block0.stateRoot, mismatches };
    },

    /**
     * A migrated primary network: the same read-back as the rehearsal, against a node of the live
     * network (`uri`), written to reports/post-launch.json.
     */
    async postVerifyPrimaryNetwork(input: PrimaryReadBackInput & { uri: string }): Promise<PostLaunchReport> {
      try {
        const expected = await heartbeating(() => expectedPrimary(store, input));
        const served = await heartbeating(() => readBackPrimaryNetwork(input.uri, expected));
        const report: PostLaunchReport = { ok: served.rootMatches && served.mismatches.length === 0, uri: input.uri, ...served };
        const written = await writeFileAtomic(store.path(input.runKey, RUN_FILES.postLaunchReport), `${JSON.stringify(report, null, 2)}\n`);
        // Published with the launch report, by whichever worker publishes it.
        await store.share(input.runKey, { path: RUN_FILES.postLaunchReport, sha256: written.sha256, bytes: written.bytes });
        return report;
      } catch (err) {
        throw asFailure(err, 'post-launch check');
      }
    },

    /** A C-Chain and an X-Chain transfer from the canary key to itself, each until accepted. */
    async canaryTransfers(input: { uri: string; hrp: string }): Promise<TransferCheck> {
      try {
        const key = await readCanaryKey();
        return await heartbeating(() => checkTransfers(input.uri, input.hrp, key));
      } catch (err) {
        if (err instanceof CanaryKeyError) throw failure('CanaryKey', err.message);
        throw err instanceof Error ? new Error(`post-launch transfer on ${input.uri}: ${err.message}`, { cause: err }) : err;
      }
    },
  };
}
