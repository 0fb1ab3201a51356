import type { ArtifactStore } from '../src/artifacts/store.js';
import { LocalGethDevnet } from '../src/operator/localDevnet.js';
import { heartbeating } from './heartbeat.js';
import { clearRehearsal, rehearsalWorkDir } from './rehearse.js';

/**
 * The undo of every step with effects (the `compensation` stub), run by the saga in reverse on a
 * rollback. Each must finish whatever state the step left, so each is idempotent: a retry finds
 * the files gone, the node stopped, the old network already running.
 */
export function compensationActivities(store: ArtifactStore, devnetRoot: string) {
  const devnet = (network: string): LocalGethDevnet => new LocalGethDevnet(devnetRoot, network);
  return {
    /** Removes every artifact of the run, partial files included. */
    async discardArtifacts(input: { runKey: string }): Promise<void> {
      await store.remove(input.runKey);
    },
    /** A rehearsal node left behind by a crashed worker is killed, its datadir removed. */
    async stopRehearsal(input: { runKey: string }): Promise<void> {
      await clearRehearsal(rehearsalWorkDir(input.runKey));
    },
    /** The `local` operator's new network is stopped and its data removed. */
    async discardNewNetwork(input: { network: string }): Promise<void> {
      await heartbeating(() => devnet(input.network).discardNew());
    },
    /** The `local` operator's old network is started again from its untouched data. */
    async resumeOldNetwork(input: { network: string }): Promise<{ rpcUrl: string }> {
      return heartbeating(() => devnet(input.network).resumeOld());
    },
  };
}
