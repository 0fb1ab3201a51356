import { failure } from '../src/contract/failures.js';
import { CanaryKeyError, checkTransfers, readCanaryKey, type TransferCheck } from '../src/launch/transferCheck.js';
import { heartbeating } from './heartbeat.js';

/** Post-launch proof that the new network produces blocks, before the commit point. */
export function postLaunchActivities() {
  return {
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
