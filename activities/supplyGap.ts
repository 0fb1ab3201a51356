import type { ArtifactStore } from '../src/artifacts/store.js';
import { cChainNodeEndpoints } from '../src/chains/avax/api.js';
import { ExchangeChain } from '../src/chains/exchange/xchain.js';
import { PlatformChain } from '../src/chains/platform/pchain.js';
import { failure } from '../src/contract/failures.js';
import type { DialectName } from '../src/network/dialect.js';
import { readJsonLines } from '../src/state/jsonl.js';
import { findMissingOwners } from '../src/verify/missingOwners.js';
import type { MissingOwners } from '../src/verify/supplyGap.js';
import { asFailure } from './failures.js';
import { heartbeating } from './heartbeat.js';

export function supplyGapActivities(store: ArtifactStore) {
  return {
    /**
     * Only when the supply gap is over the plan's limit: the largest owners the run can see but did
     * not export (src/verify/missingOwners.ts), for the verification failure to name.
     */
    async missingOwners(input: {
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
    }): Promise<MissingOwners> {
      try {
        const endpoints = cChainNodeEndpoints(input.rpcUrl, input.dialect);
        if (!endpoints) throw failure('InvalidPlan', `plan.chains.P: ${input.rpcUrl} is not an avalanchego/luxd C-Chain endpoint`);
        return await heartbeating(async () => {
          const exported = new Set(input.addresses.map((a) => a.slice(2)));
          if (input.discoveredPath !== undefined) {
            for await (const owner of readJsonLines<string>([store.path(input.runKey, input.discoveredPath)], 'address')) exported.add(owner);
          }
          return findMissingOwners({
            pchain: new PlatformChain(endpoints),
            ...(input.withX ? { xchain: new ExchangeChain(endpoints) } : {}),
            stakingAssetID: input.stakingAssetID,
            pChainHeight: input.pChainHeight,
            validators: readJsonLines<unknown>([store.path(input.runKey, input.validatorsPath)], 'validator'),
            exported,
          });
        });
      } catch (err) {
        throw asFailure(err, 'owner search of the supply gap');
      }
    },
  };
}
