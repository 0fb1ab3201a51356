import { heartbeating } from './heartbeat.js';
import type { ArtifactStore } from '../src/artifacts/store.js';
import { LocalGethDevnet } from '../src/operator/localDevnet.js';

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
    async launchNewNetwork(input: { network: string; runKey: string; genesisPath: string; genesisSha256?: string }): Promise<{ rpcUrl: string }> {
      const genesis = input.genesisSha256 !== undefined ? { path: input.genesisPath, sha256: input.genesisSha256 } : input.genesisPath;
      return heartbeating(async () => devnet(input.network).launchNew(await store.local(input.runKey, genesis)));
    },
  };
}
