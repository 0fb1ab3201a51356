import type { ArtifactStore } from '../src/artifacts/store.js';
import type { UtxoRecord } from '../src/chains/avax/utxo.js';
import type { ValidatorRecord } from '../src/chains/platform/validatorRecord.js';
import { failure } from '../src/contract/failures.js';
import {
  checkGenesisStakers,
  EmbeddedGenesisMismatchError,
  PrimaryGenesisError,
  stakerInputs,
  stakerCertificateIssues,
  planIssues,
  writePrimaryGenesis,
  type PrimaryGenesisPlan,
} from '../src/genesis/primary/index.js';
import type { PChainExport, PrimaryGenesisManifest, XChainExport } from '../src/manifests.js';
import { fixedStartTimeSeconds, type Plan } from '../src/plan/index.js';
import { readJsonLines } from '../src/state/jsonl.js';
import { asFailure } from './failures.js';
import { heartbeating } from './heartbeat.js';

export const PRIMARY_GENESIS_PATH = 'genesis/genesis.json';

export type { PrimaryGenesisPlan };

function genesisFailure(err: unknown): Error {
  if (err instanceof PrimaryGenesisError) return failure('InvalidGenesis', planIssues(err));
  if (err instanceof EmbeddedGenesisMismatchError) return failure('VerificationFailed', err.message);
  return asFailure(err, 'primary genesis');
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

/** Refuses, as InvalidValidator, the stakers whose certificates cannot be staking certificates. */
function refuseStakerCertificates(primary: PrimaryGenesisPlan, now: number, startTime: number | undefined): void {
  const issues = stakerCertificateIssues(primary, { now, ...(startTime !== undefined ? { startTime } : {}) });
  if (issues.length > 0) throw failure('InvalidValidator', issues.join('; '));
}

/** `now` (unix seconds) is the clock the certificates' dates are read against. */
export function primaryGenesisActivities(store: ArtifactStore, now: () => number = () => Math.floor(Date.now() / 1000)) {
  return {
    /**
     * The new validator set on its own, before the export: a duplicate NodeID, a certificate that
     * is not the NodeID's, an invalid PoP or a shared BLS key stops the run before anything is read
     * (InvalidGenesis), and so does a certificate no node accepts as a staking certificate or whose
     * dates do not cover the start time (InvalidValidator). A start time relative to the freeze is
     * not known yet: the dates are then held to now, and buildPrimaryGenesis holds them to the
     * start time once it is.
     * PoPs are checked under the primary genesis' own dialect, which is the run's (runDialect): a
     * separate dialect input could only disagree with the genesis the stakers are written into.
     */
    async checkGenesisStakers(input: {
      primary: PrimaryGenesisPlan;
      startTime?: Plan['genesis']['startTime'];
    }): Promise<{ validators: number; stakers: Array<{ nodeId: string; blsPublicKey: string | null }> }> {
      let stakers;
      try {
        stakers = checkGenesisStakers({ dialect: input.primary.dialect, networkID: input.primary.networkId, validators: stakerInputs(input.primary) });
      } catch (err) {
        throw genesisFailure(err);
      }
      refuseStakerCertificates(input.primary, now(), input.startTime === undefined ? undefined : fixedStartTimeSeconds(input.startTime));
      return { validators: stakers.length, stakers: stakers.map((s) => ({ nodeId: s.nodeID, blsPublicKey: s.signer?.publicKey.toLowerCase() ?? null })) };
    },

    /** The primary-network genesis (src/genesis/primary/write.ts), from the run's exports. */
    async buildPrimaryGenesis(input: PrimaryGenesisInput): Promise<PrimaryGenesisManifest> {
      const path = (p: string): string => store.path(input.runKey, p);
      // The start time is final here, also when the plan gave it relative to the freeze.
      refuseStakerCertificates(input.primary, now(), input.startTime);
      try {
        // Reading the exports, checking every PoP and streaming the C-Chain state all take a while.
        return await heartbeating(() =>
          writePrimaryGenesis({
            primary: input.primary,
            startTime: input.startTime,
            assetID: input.pChain.stakingAssetID,
            pUtxos: readJsonLines<UtxoRecord>([path(input.pChain.utxos.path)], 'UTXO'),
            ...(input.xChain ? { xUtxos: readJsonLines<UtxoRecord>([path(input.xChain.utxos.path)], 'UTXO') } : {}),
            validators: readJsonLines<ValidatorRecord>([path(input.pChain.validators.path)], 'validator'),
            cGenesis: { path: path(input.cGenesis.path), rel: input.cGenesis.path, sha256: input.cGenesis.sha256 },
            ...(input.qChainGenesis !== undefined ? { qChainGenesis: input.qChainGenesis } : {}),
            out: { path: path(PRIMARY_GENESIS_PATH), rel: PRIMARY_GENESIS_PATH },
          }),
        );
      } catch (err) {
        throw genesisFailure(err);
      }
    },
  };
}
