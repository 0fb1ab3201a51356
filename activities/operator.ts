import { ApplicationFailure } from '@temporalio/activity';
import { heartbeating } from './heartbeat.js';
import type { ArtifactStore } from '../src/artifacts/store.js';
import { JsonRpcClient } from '../src/chains/evm/rpc.js';
import { LocalGethDevnet } from '../src/operator/localDevnet.js';
import type { Hex } from '../src/state/hex.js';
import { readAccountFile } from '../src/state/jsonl.js';
import { compareWithNode } from '../src/verify/nodeSamples.js';

/**
 * The `local` NetworkOperator: real node processes of a devnet under the worker's devnet root.
 * Every step is idempotent (a retried activity finds the node already stopped or started), and
 * the old network's data is never modified, so resuming it (activities/compensation.ts) restores the
 * network as it was.
 */
export function operatorActivities(store: ArtifactStore, devnetRoot: string) {
  const devnet = (network: string): LocalGethDevnet => new LocalGethDevnet(devnetRoot, network);
  return {
    /** Stops the old devnet's node, keeping its data for a resume; answers the URL it served. */
    async haltOldNetwork(input: { network: string }): Promise<{ rpcUrl: string }> {
      return heartbeating(() => devnet(input.network).haltOld());
    },
    /** Starts the new devnet from the run's genesis; a retry finds it already running. */
    async launchNewNetwork(input: { network: string; runKey: string; genesisPath: string }): Promise<{ rpcUrl: string }> {
      return heartbeating(() => devnet(input.network).launchNew(store.path(input.runKey, input.genesisPath)));
    },

    /** The launched network must serve the exported state: block 0's root and the sampled accounts. */
    async postVerifyNetwork(input: {
      runKey: string;
      rpcUrl: string;
      expectedRoot: Hex;
      samplesPath: string;
    }): Promise<{ ok: boolean; block0Root: Hex; mismatches: string[] }> {
      const rpc = new JsonRpcClient(input.rpcUrl);
      const block0 = await rpc.call<{ stateRoot: Hex } | null>('eth_getBlockByNumber', ['0x0', false]);
      if (!block0) throw ApplicationFailure.retryable(`new network at ${rpc.endpoint} has no block 0 yet`);
      const samples = await readAccountFile(store.path(input.runKey, input.samplesPath));
      const mismatches = await compareWithNode(rpc, '0x0', samples);
      if (block0.stateRoot !== input.expectedRoot) {
        mismatches.unshift(`block 0 stateRoot ${block0.stateRoot} != ${input.expectedRoot}`);
      }
      return { ok: mismatches.length === 0, block0Root: block0.stateRoot, mismatches };
    },
  };
}
