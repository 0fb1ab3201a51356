import { ApplicationFailure } from '@temporalio/activity';
import type { ArtifactStore } from '../src/artifacts/store.js';
import { ExchangeChain } from '../src/chains/exchange/xchain.js';
import { cChainNodeEndpoints, type AvaxEndpoints } from '../src/chains/platform/avaxApi.js';
import { PlatformChain } from '../src/chains/platform/pchain.js';
import type { PChainExport, XChainExport } from '../src/manifests.js';
import { asFailure } from './failures.js';
import { heartbeating } from './heartbeat.js';

export const P_VALIDATORS_PATH = 'exports/P/validators.jsonl';
export const P_UTXOS_PATH = 'exports/P/utxos.jsonl';
export const X_UTXOS_PATH = 'exports/X/utxos.jsonl';
export const X_ASSETS_PATH = 'exports/X/assets.jsonl';

/** The node behind the plan's C-Chain URL: its P- and X-Chain share it. */
function nodeEndpoints(rpcUrl: string, field: string): AvaxEndpoints {
  const endpoints = cChainNodeEndpoints(rpcUrl);
  if (!endpoints) throw ApplicationFailure.nonRetryable(`${field}: ${rpcUrl} is not an avalanchego/luxd C-Chain endpoint`, 'InvalidPlan');
  return endpoints;
}

/**
 * Runs a head-state read and says which P-Chain height it reflects. UTXOs are served only at the
 * head, so they are the epoch's only if the P-Chain stayed at the pinned height throughout: the
 * height is read before and after, and the result states the height it really reflects (the
 * workflow refuses a mismatch).
 */
async function pinnedRead<T>(
  pchain: PlatformChain,
  pinned: number,
  read: () => Promise<T>,
): Promise<{ result: T; pChainHeight: number; headBefore: number; headAfter: number }> {
  const headBefore = await pchain.height();
  const result = await read();
  const headAfter = await pchain.height();
  const pChainHeight = headBefore === pinned && headAfter === pinned ? pinned : headAfter;
  return { result, pChainHeight, headBefore, headAfter };
}

export function platformActivities(store: ArtifactStore) {
  return {
    /** The P-Chain at the epoch: validator set at the pinned height, UTXOs of the plan's addresses. */
    async exportPChain(input: { runKey: string; rpcUrl: string; pChainHeight: number; addresses: string[] }): Promise<PChainExport> {
      try {
        const pchain = new PlatformChain(nodeEndpoints(input.rpcUrl, 'plan.chains.P'));
        return await heartbeating(async () => {
          const { result, ...pin } = await pinnedRead(pchain, input.pChainHeight, async () => ({
            validators: await pchain.exportValidators(store.path(input.runKey, P_VALIDATORS_PATH), input.pChainHeight),
            utxos: await pchain.exportUtxos(store.path(input.runKey, P_UTXOS_PATH), input.addresses),
          }));
          const { validators, utxos } = result;
          return {
            ...pin,
            stakingAssetID: await pchain.stakingAssetID(),
            validators: { path: P_VALIDATORS_PATH, sha256: validators.sha256, count: validators.set.validators, totalWeight: validators.set.totalWeight },
            utxos: { path: P_UTXOS_PATH, sha256: utxos.sha256, count: utxos.records, assets: utxos.assets },
          };
        });
      } catch (err) {
        throw asFailure(err, 'P-Chain export');
      }
    },

    /** The X-Chain at the epoch: UTXOs of the plan's addresses per asset, and those assets' descriptions. */
    async exportXChain(input: { runKey: string; rpcUrl: string; pChainHeight: number; addresses: string[] }): Promise<XChainExport> {
      try {
        const endpoints = nodeEndpoints(input.rpcUrl, 'plan.chains.X');
        const pchain = new PlatformChain(endpoints);
        const xchain = new ExchangeChain(endpoints);
        return await heartbeating(async () => {
          const { result: utxos, ...pin } = await pinnedRead(pchain, input.pChainHeight, () =>
            xchain.exportUtxos(store.path(input.runKey, X_UTXOS_PATH), input.addresses),
          );
          const assets = await xchain.exportAssetDescriptions(store.path(input.runKey, X_ASSETS_PATH), utxos.assets.map((a) => a.assetID));
          return {
            ...pin,
            utxos: { path: X_UTXOS_PATH, sha256: utxos.sha256, count: utxos.records, assets: utxos.assets },
            assets: { path: X_ASSETS_PATH, sha256: assets.sha256, count: assets.records },
          };
        });
      } catch (err) {
        throw asFailure(err, 'X-Chain export');
      }
    },
  };
}
