import { ApplicationFailure } from '@temporalio/activity';
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { createHash } from 'node:crypto';
import { AtomicFile } from '../src/artifacts/atomicFile.js';
import type { ArtifactStore } from '../src/artifacts/store.js';
import type { ValidatorRecord } from '../src/chains/platform/pchain.js';
import type { UtxoRecord } from '../src/chains/avax/utxo.js';
import {
  allocationsFromExports,
  buildPrimaryGenesis,
  checkGenesisStakers,
  PrimaryGenesisError,
  serializePrimaryGenesis,
  splitStakeWeights,
  type PrimaryGenesis,
  type ValidatorInput,
} from '../src/genesis/primary/index.js';
import { hrpForNetwork } from '../src/keys/address.js';
import type { PChainExport, PrimaryGenesisManifest, XChainExport } from '../src/manifests.js';
import { networkMode } from '../src/network/chainIds.js';
import type { Plan } from '../src/plan.js';
import { readJsonLines } from '../src/state/jsonl.js';
import { asFailure } from './failures.js';
import { heartbeating } from './heartbeat.js';

export const PRIMARY_GENESIS_PATH = 'genesis/genesis.json';

export type PrimaryGenesisPlan = NonNullable<Plan['genesis']['primary']>;

function stakerInputs(primary: PrimaryGenesisPlan): ValidatorInput[] {
  return primary.validators.map((v) => ({
    ...(v.nodeId !== undefined ? { nodeID: v.nodeId } : {}),
    ...(v.certificate !== undefined ? { certificate: v.certificate } : {}),
    rewardAddress: v.rewardAddress,
    delegationFee: v.delegationFee,
    signer: { publicKey: v.blsPublicKey, proofOfPossession: v.proofOfPossession },
  }));
}

/**
 * The builder names `input.validators[i] (NodeID-…)`: the operator wrote those as
 * plan.genesis.primary.validators; every other input field was derived from the exports.
 */
function invalidGenesis(err: unknown): Error {
  if (!(err instanceof PrimaryGenesisError)) return asFailure(err, 'primary genesis');
  const rename = (text: string): string => text.replace(/\binput\.validators/g, 'plan.genesis.primary.validators').replace(/\binput\./g, 'genesis.');
  return ApplicationFailure.nonRetryable(err.issues.map((i) => rename(`${i.field}: ${i.message}`)).join('; '), 'InvalidGenesis');
}

/**
 * Streams `prefix`, the C-Chain genesis file as a JSON string, then `suffix`: cChainGenesis is the
 * whole C-Chain state, so it is never held in memory (it is ASCII JSON, escaped chunk by chunk).
 */
async function writeWithEmbeddedFile(out: AtomicFile, prefix: string, embedded: { path: string; sha256: string }, suffix: string): Promise<void> {
  await out.write(`${prefix}"`);
  const decoder = new StringDecoder('utf8');
  // The bytes embedded must be the C-Chain genesis the run verified, not whatever is on disk now.
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(embedded.path, { highWaterMark: 1 << 16 })) {
    hash.update(chunk as Buffer);
    await out.write(JSON.stringify(decoder.write(chunk as Buffer)).slice(1, -1));
  }
  await out.write(`${JSON.stringify(decoder.end()).slice(1, -1)}"${suffix}`);
  const sha256 = `0x${hash.digest('hex')}`;
  if (sha256.replace(/^0x/, '') !== embedded.sha256.replace(/^0x/, '')) {
    throw ApplicationFailure.nonRetryable(`${embedded.path}: sha256 ${sha256} is not the verified C-Chain genesis ${embedded.sha256}`, 'VerificationFailed');
  }
}

/** A JSON object the builder accepts in place of the real C-Chain genesis, replaced when writing. */
const C_GENESIS_PLACEHOLDER = '{"regenesis":"cChainGenesis placeholder"}';

export function primaryGenesisActivities(store: ArtifactStore) {
  return {
    /**
     * The new validator set on its own, before the export: a duplicate NodeID, a certificate that
     * is not the NodeID's, an invalid PoP or a shared BLS key stops the run before anything is read.
     */
    async checkGenesisStakers(input: { primary: PrimaryGenesisPlan }): Promise<{ validators: number; stakers: Array<{ nodeId: string; blsPublicKey: string | null }> }> {
      try {
        const stakers = checkGenesisStakers({ dialect: input.primary.dialect, networkID: input.primary.networkId, validators: stakerInputs(input.primary) });
        return { validators: stakers.length, stakers: stakers.map((s) => ({ nodeId: s.nodeID, blsPublicKey: s.signer?.publicKey.toLowerCase() ?? null })) };
      } catch (err) {
        throw invalidGenesis(err);
      }
    },

    /**
     * The primary-network genesis: allocations carried from the pinned P/X exports (stake to its
     * owners, who the new stakers stake for), the plan's stakers, and the C-Chain genesis embedded
     * as cChainGenesis. Same exports and plan → same bytes.
     */
    async buildPrimaryGenesis(input: PrimaryGenesisInput): Promise<PrimaryGenesisManifest> {
      // Reading the exports, checking every PoP and streaming the C-Chain state all take a while.
      return heartbeating(() => writePrimaryGenesis(store, input));
    },
  };
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

async function writePrimaryGenesis(store: ArtifactStore, input: PrimaryGenesisInput): Promise<PrimaryGenesisManifest> {
  const { primary } = input;
  const hrp = hrpForNetwork(primary.networkId, primary.dialect);
  const path = (p: string): string => store.path(input.runKey, p);
  let genesis: PrimaryGenesis;
  let carried: Awaited<ReturnType<typeof allocationsFromExports>>;
  try {
    carried = await allocationsFromExports({
      assetID: input.pChain.stakingAssetID,
      hrp,
      startTime: input.startTime,
      pUtxos: readJsonLines<UtxoRecord>([path(input.pChain.utxos.path)], 'UTXO'),
      ...(input.xChain ? { xUtxos: readJsonLines<UtxoRecord>([path(input.xChain.utxos.path)], 'UTXO') } : {}),
      validators: readJsonLines<ValidatorRecord>([path(input.pChain.validators.path)], 'validator'),
      stakeOwnerBalances: primary.stakeOwnerBalances,
    });
    genesis = buildPrimaryGenesis({
      dialect: primary.dialect,
      networkID: primary.networkId,
      allocations: carried.allocations,
      startTime: input.startTime,
      initialStakeDuration: primary.initialStakeDurationSeconds,
      initialStakeDurationOffset: primary.initialStakeDurationOffsetSeconds,
      initialStakedFunds: carried.initialStakedFunds,
      validators: stakerInputs(primary),
      cChainGenesis: C_GENESIS_PLACEHOLDER,
      ...(input.qChainGenesis !== undefined ? { qChainGenesis: input.qChainGenesis } : {}),
      message: primary.message,
    });
  } catch (err) {
    throw invalidGenesis(err);
  }

  const text = serializePrimaryGenesis(genesis);
  const marker = JSON.stringify(C_GENESIS_PLACEHOLDER);
  const at = text.indexOf(marker);
  if (at < 0 || text.indexOf(marker, at + 1) >= 0) throw new Error('primary genesis: the cChainGenesis placeholder is not in the document exactly once');
  const out = await AtomicFile.create(path(PRIMARY_GENESIS_PATH));
  let written: Awaited<ReturnType<AtomicFile['commit']>>;
  try {
    await writeWithEmbeddedFile(out, text.slice(0, at), { path: path(input.cGenesis.path), sha256: input.cGenesis.sha256 }, text.slice(at + marker.length));
    written = await out.commit();
  } catch (err) {
    await out.abort();
    throw asFailure(err, 'primary genesis');
  }

  // What the document allocates, summed from the document itself (not from the carry counters).
  const staked = new Set(genesis.initialStakedFunds);
  let xChain = 0n;
  let pChain = 0n;
  let stakedTotal = 0n;
  const stakedAllocations: Array<{ unlockAmounts: bigint[] }> = [];
  for (const a of genesis.allocations as unknown as Array<{ avaxAddr?: string; luxAddr?: string; utxoAddr?: string; initialAmount: bigint; unlockSchedule: Array<{ amount: bigint }> }>) {
    const owner = a.avaxAddr ?? a.luxAddr ?? a.utxoAddr ?? '';
    const unlocked = a.unlockSchedule.reduce((sum, u) => sum + u.amount, 0n);
    xChain += a.initialAmount;
    if (staked.has(owner)) {
      stakedTotal += unlocked;
      stakedAllocations.push({ unlockAmounts: a.unlockSchedule.map((u) => u.amount) });
    } else pChain += unlocked;
  }
  const weights = splitStakeWeights(stakedAllocations, genesis.initialStakers.length);
  return {
    path: PRIMARY_GENESIS_PATH,
    sha256: written.sha256,
    bytes: written.bytes,
    networkID: genesis.networkID,
    dialect: primary.dialect,
    hrp,
    mode: networkMode({ networkId: genesis.networkID, validators: genesis.initialStakers.length }),
    startTime: genesis.startTime,
    assetID: input.pChain.stakingAssetID,
    allocations: genesis.allocations.length,
    initialStakedFunds: genesis.initialStakedFunds.length,
    allocated: { xChain: xChain.toString(), pChain: pChain.toString(), staked: stakedTotal.toString() },
    carried: carried.carried,
    stakers: genesis.initialStakers.map((s, i) => ({ nodeID: s.nodeID, publicKey: s.signer?.publicKey ?? null, weight: (weights[i] ?? 0n).toString() })),
    previousStake: carried.stakeByNode,
    cChainGenesis: { path: input.cGenesis.path, sha256: input.cGenesis.sha256 },
  };
}
