import { AtomicFile } from '../src/artifacts/atomicFile.js';
import { RUN_FILES } from '../src/artifacts/layout.js';
import { localFiles, type ArtifactRef, type ArtifactStore } from '../src/artifacts/store.js';
import type { UtxoRecord } from '../src/chains/avax/utxo.js';
import type { ValidatorRecord } from '../src/chains/platform/validatorRecord.js';
import { crashPoint } from '../src/crashPoint.js';
import { buildEvmGenesis } from '../src/genesis/buildEvmGenesis.js';
import { corethChainConfig, postMergeChainConfig } from '../src/genesis/chainConfig.js';
import { writePrimaryGenesis, type PrimaryGenesisPlan } from '../src/genesis/primary/index.js';
import type { GenesisManifest, PChainExport, PrimaryGenesisManifest, XChainExport } from '../src/manifests.js';
import { readJsonLines } from '../src/state/jsonl.js';
import type { AccountEncoding } from '../src/state/stateRoot.js';
import { asFailure, primaryGenesisFailure } from './failures.js';
import { heartbeating } from './heartbeat.js';
import { refuseStakerCertificates, unixNow } from './keys.js';

interface EvmGenesisInput {
  runKey: string;
  partitionPaths: string[];
  /** The partitions with the sha256s their export reported (absent in runs started before them). */
  partitions?: ArtifactRef[];
  chainId: number;
  /** Unix seconds of the new chain's block 0 (resolved by the workflow from the plan). */
  timestamp: number;
  gasLimit: number;
  /** `coreth` for an Avalanche C-Chain source (absent in runs started before it existed). */
  accountEncoding?: AccountEncoding;
}

interface PrimaryGenesisInput {
  runKey: string;
  primary: PrimaryGenesisPlan;
  startTime: number;
  pChain: PChainExport;
  xChain?: XChainExport;
  cGenesis: { path: string; sha256: string };
  /** luxd: the Q-Chain genesis built from the Q export. */
  qChainGenesis?: string;
}

/** The genesis writers (the `genesisWriter` stub); `now` (unix seconds) is the clock certificates are read against. */
export function genesisActivities(store: ArtifactStore, now: () => number = unixNow) {
  return {
    /**
     * Streams the exported partitions once into the geth-format genesis and the stack trie. Same
     * partitions and plan → same bytes, so a retried or replayed activity rewrites an identical file.
     */
    async buildGenesis(input: EvmGenesisInput): Promise<GenesisManifest> {
      const result = await heartbeating(async () => {
        await crashPoint('genesis-started');
        const partitions = await localFiles(store, input.runKey, input.partitions ?? input.partitionPaths);
        const out = await AtomicFile.create(store.path(input.runKey, RUN_FILES.cGenesis));
        return buildEvmGenesis(
          partitions,
          {
            // A coreth genesis goes into the primary genesis' cChainGenesis: coreth's config, not geth's.
            config: input.accountEncoding === 'coreth' ? corethChainConfig(input.chainId) : postMergeChainConfig(input.chainId),
            timestamp: input.timestamp,
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
      const { sha256, bytes } = result.genesis;
      const manifest = { path: RUN_FILES.cGenesis, sha256, bytes, stateRoot: result.stateRoot, stats: result.stats };
      await heartbeating(() => store.share(input.runKey, manifest));
      return manifest;
    },

    /** The primary-network genesis (src/genesis/primary/write.ts), from the run's exports. */
    async buildPrimaryGenesis(input: PrimaryGenesisInput): Promise<PrimaryGenesisManifest> {
      const path = (p: string): string => store.path(input.runKey, p);
      // The start time is final here, also when the plan gave it relative to the freeze.
      refuseStakerCertificates(input.primary, now(), input.startTime);
      try {
        const { pChain, xChain } = input;
        await heartbeating(() => localFiles(store, input.runKey, [pChain.utxos, pChain.validators, ...(xChain ? [xChain.utxos] : []), input.cGenesis]));
        // Reading the exports, checking every PoP and streaming the C-Chain state all take a while.
        const manifest = await heartbeating(() =>
          writePrimaryGenesis({
            primary: input.primary,
            startTime: input.startTime,
            assetID: input.pChain.stakingAssetID,
            pUtxos: readJsonLines<UtxoRecord>([path(input.pChain.utxos.path)], 'UTXO'),
            ...(input.xChain ? { xUtxos: readJsonLines<UtxoRecord>([path(input.xChain.utxos.path)], 'UTXO') } : {}),
            validators: readJsonLines<ValidatorRecord>([path(input.pChain.validators.path)], 'validator'),
            cGenesis: { path: path(input.cGenesis.path), rel: input.cGenesis.path, sha256: input.cGenesis.sha256 },
            ...(input.qChainGenesis !== undefined ? { qChainGenesis: input.qChainGenesis } : {}),
            out: { path: path(RUN_FILES.primaryGenesis), rel: RUN_FILES.primaryGenesis },
          }),
        );
        await heartbeating(() => store.share(input.runKey, manifest));
        return manifest;
      } catch (err) {
        throw primaryGenesisFailure(err);
      }
    },
  };
}
