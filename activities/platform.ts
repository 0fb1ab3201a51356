import { ApplicationFailure } from '@temporalio/activity';
import type { ArtifactStore } from '../src/artifacts/store.js';
import { avaxEndpoints } from '../src/chains/platform/avaxApi.js';
import { cChainNodeOf } from '../src/chains/platform/cChainUrl.js';
import { PlatformChain } from '../src/chains/platform/pchain.js';
import type { PChainExport } from '../src/manifests.js';
import { AVALANCHEGO, LUXD } from '../src/network/dialect.js';
import { asFailure } from './failures.js';
import { heartbeating } from './heartbeat.js';

export const P_VALIDATORS_PATH = 'exports/P/validators.jsonl';
export const P_UTXOS_PATH = 'exports/P/utxos.jsonl';

export function platformActivities(store: ArtifactStore) {
  return {
    /**
     * The P-Chain at the epoch's P-Chain height: the validator set at that height, and the UTXOs of
     * the plan's addresses. The node serves UTXOs only at its head, so they are the epoch's only if
     * the P-Chain has not moved past the pinned height: the height is read before and after, and
     * the export states the height it really reflects (the workflow refuses a mismatch).
     */
    async exportPChain(input: { runKey: string; rpcUrl: string; pChainHeight: number; addresses: string[] }): Promise<PChainExport> {
      const node = cChainNodeOf(input.rpcUrl);
      if (!node) throw ApplicationFailure.nonRetryable(`plan.chains.P: ${input.rpcUrl} is not an avalanchego/luxd C-Chain endpoint`, 'InvalidPlan');
      const pchain = new PlatformChain(avaxEndpoints(node.baseUrl, node.prefix === '/v1' ? LUXD : AVALANCHEGO, node.prefix));
      try {
        return await heartbeating(async () => {
          const before = await pchain.height();
          const validators = await pchain.exportValidators(store.path(input.runKey, P_VALIDATORS_PATH), input.pChainHeight);
          const utxos = await pchain.exportUtxos(store.path(input.runKey, P_UTXOS_PATH), input.addresses);
          const after = await pchain.height();
          return {
            pChainHeight: before === after && after === input.pChainHeight ? input.pChainHeight : after,
            headBefore: before,
            headAfter: after,
            validators: { path: P_VALIDATORS_PATH, sha256: validators.sha256, count: validators.set.validators, totalWeight: validators.set.totalWeight },
            utxos: { path: P_UTXOS_PATH, sha256: utxos.sha256, count: utxos.records, assets: utxos.assets },
          };
        });
      } catch (err) {
        throw asFailure(err, 'P-Chain export');
      }
    },
  };
}
