import type { AccountEncoding } from '../src/state/stateRoot.js';
import { asFailure } from './failures.js';
import { heartbeating } from './heartbeat.js';
import { AtomicFile } from '../src/artifacts/atomicFile.js';
import { crashPoint } from '../src/crashPoint.js';
import type { ArtifactStore } from '../src/artifacts/store.js';
import { buildEvmGenesis } from '../src/genesis/buildEvmGenesis.js';
import { corethChainConfig, postMergeChainConfig } from '../src/genesis/chainConfig.js';
import type { GenesisManifest } from '../src/manifests.js';

export const GENESIS_PATH = 'genesis/C-genesis.json';

export function genesisActivities(store: ArtifactStore) {
  return {
    /**
     * Streams the exported partitions once into the geth-format genesis and the stack trie. Same
     * partitions and plan → same bytes, so a retried or replayed activity rewrites an identical file.
     */
    async buildGenesis(input: {
      runKey: string;
      partitionPaths: string[];
      chainId: number;
      /** Unix seconds of the new chain's block 0 (resolved by the workflow from the plan). */
      timestamp: number;
      gasLimit: number;
      /** `coreth` for an Avalanche C-Chain source (absent in runs started before it existed). */
      accountEncoding?: AccountEncoding;
    }): Promise<GenesisManifest> {
      const timestamp = input.timestamp;
      const result = await heartbeating(async () => {
        await crashPoint('genesis-started');
        const out = await AtomicFile.create(store.path(input.runKey, GENESIS_PATH));
        return buildEvmGenesis(
          input.partitionPaths.map((p) => store.path(input.runKey, p)),
          {
            // A coreth genesis goes into the primary genesis' cChainGenesis: coreth's config, not geth's.
            config: input.accountEncoding === 'coreth' ? corethChainConfig(input.chainId) : postMergeChainConfig(input.chainId),
            timestamp,
            gasLimit: input.gasLimit,
          },
          out,
          input.accountEncoding,
          async () => {
            if (out.bytesOnDisk > 0) await crashPoint('genesis-partly-written');
          },
        );
      }).catch((err: unknown) => {
        throw asFailure(err, 'genesis');
      });
      return {
        path: GENESIS_PATH,
        sha256: result.genesis.sha256,
        bytes: result.genesis.bytes,
        stateRoot: result.stateRoot,
        stats: result.stats,
      };
    },
  };
}
