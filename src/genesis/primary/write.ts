import { AtomicFile } from '../../artifacts/atomicFile.js';
import type { UtxoRecord } from '../../chains/avax/utxo.js';
import type { ValidatorRecord } from '../../chains/platform/validatorRecord.js';
import { hrpForNetwork } from '../../keys/address.js';
import type { PrimaryGenesisManifest } from '../../manifests.js';
import { networkMode } from '../../network/chainIds.js';
import type { PrimaryPlan } from '../../plan/index.js';
import { buildPrimaryGenesis } from './build.js';
import { C_GENESIS_PLACEHOLDER, spliceAtPlaceholder, writeWithEmbeddedGenesis } from './embed.js';
import type { PrimaryGenesisError } from './errors.js';
import { allocationsFromExports } from './fromExports.js';
import { serializePrimaryGenesis } from './serialize.js';
import type { GenesisAllocation, PrimaryGenesis, ValidatorInput } from './types.js';
import { splitStakeWeights } from './weights.js';

/**
 * The primary-network genesis of a run: allocations carried from the pinned P/X exports (stake to
 * its owners, who the new stakers stake for), the plan's stakers, and the C-Chain genesis file
 * embedded as cChainGenesis. Same exports and plan → same bytes.
 */

export type PrimaryGenesisPlan = PrimaryPlan;

/** The plan's stakers as builder input: public key material only. */
export function stakerInputs(primary: PrimaryGenesisPlan): ValidatorInput[] {
  return primary.validators.map((v) => ({
    ...(v.nodeId !== undefined ? { nodeID: v.nodeId } : {}),
    ...(v.certificate !== undefined ? { certificate: v.certificate } : {}),
    rewardAddress: v.rewardAddress,
    delegationFee: v.delegationFee,
    signer: { publicKey: v.blsPublicKey, proofOfPossession: v.proofOfPossession },
  }));
}

/**
 * A refused genesis in the terms of the plan: the builder names `input.validators[i] (NodeID-…)`,
 * which the operator wrote as plan.genesis.primary.validators; every other input field was derived
 * from the exports.
 */
export function planIssues(err: PrimaryGenesisError): string {
  const rename = (text: string): string => text.replace(/\binput\.validators/g, 'plan.genesis.primary.validators').replace(/\binput\./g, 'genesis.');
  return err.issues.map((i) => rename(`${i.field}: ${i.message}`)).join('; ');
}

/** The bech32 address an allocation pays on the X/P chains, whichever dialect's field holds it. */
function utxoAddressOf(allocation: GenesisAllocation): string {
  if ('avaxAddr' in allocation) return allocation.avaxAddr;
  if ('luxAddr' in allocation) return allocation.luxAddr;
  return allocation.utxoAddr;
}

/**
 * What a genesis document allocates, summed from the document itself (not from the carry
 * counters): X-Chain (initialAmount), P-Chain and staked unlocks, and each staker's weight as the
 * node will split the staked allocations.
 */
export function allocatedTotals(genesis: PrimaryGenesis): { allocated: PrimaryGenesisManifest['allocated']; weights: bigint[] } {
  const staked = new Set(genesis.initialStakedFunds);
  let xChain = 0n;
  let pChain = 0n;
  let stakedTotal = 0n;
  const stakedAllocations: Array<{ unlockAmounts: bigint[] }> = [];
  for (const a of genesis.allocations) {
    const unlocked = a.unlockSchedule.reduce((sum, u) => sum + u.amount, 0n);
    xChain += a.initialAmount;
    if (staked.has(utxoAddressOf(a))) {
      stakedTotal += unlocked;
      stakedAllocations.push({ unlockAmounts: a.unlockSchedule.map((u) => u.amount) });
    } else pChain += unlocked;
  }
  return {
    allocated: { xChain: xChain.toString(), pChain: pChain.toString(), staked: stakedTotal.toString() },
    weights: splitStakeWeights(stakedAllocations, genesis.initialStakers.length),
  };
}

/** A run file: where it is read or written, and the path the run's manifests name it by. */
export interface RunFile {
  path: string;
  rel: string;
}

export interface PrimaryGenesisWrite {
  primary: PrimaryGenesisPlan;
  startTime: number;
  /** The source's staking asset, the one the allocations carry. */
  assetID: string;
  pUtxos: AsyncIterable<UtxoRecord>;
  xUtxos?: AsyncIterable<UtxoRecord>;
  validators: AsyncIterable<ValidatorRecord>;
  /** The verified C-Chain genesis, embedded byte for byte. */
  cGenesis: RunFile & { sha256: string };
  /** luxd: the Q-Chain genesis built from the Q export. */
  qChainGenesis?: string;
  out: RunFile;
}

/**
 * Builds the genesis from the exports and the plan, writes it (atomically) with the C-Chain genesis
 * embedded, and describes what it allocates. Throws PrimaryGenesisError for a genesis the plan and
 * exports cannot make, EmbeddedGenesisMismatchError if the C-Chain file is not the verified one.
 */
export async function writePrimaryGenesis(input: PrimaryGenesisWrite): Promise<PrimaryGenesisManifest> {
  const { primary } = input;
  const hrp = hrpForNetwork(primary.networkId, primary.dialect);
  const carried = await allocationsFromExports({
    assetID: input.assetID,
    hrp,
    startTime: input.startTime,
    pUtxos: input.pUtxos,
    ...(input.xUtxos ? { xUtxos: input.xUtxos } : {}),
    validators: input.validators,
    stakeOwnerBalances: primary.stakeOwnerBalances,
  });
  const genesis = buildPrimaryGenesis({
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

  const splice = spliceAtPlaceholder(serializePrimaryGenesis(genesis));
  const out = await AtomicFile.create(input.out.path);
  let written: Awaited<ReturnType<AtomicFile['commit']>>;
  try {
    await writeWithEmbeddedGenesis(out, splice, input.cGenesis);
    written = await out.commit();
  } catch (err) {
    await out.abort();
    throw err;
  }

  const { allocated, weights } = allocatedTotals(genesis);
  return {
    path: input.out.rel,
    sha256: written.sha256,
    bytes: written.bytes,
    networkID: genesis.networkID,
    dialect: primary.dialect,
    hrp,
    mode: networkMode({ networkId: genesis.networkID, validators: genesis.initialStakers.length }),
    startTime: genesis.startTime,
    assetID: input.assetID,
    allocations: genesis.allocations.length,
    initialStakedFunds: genesis.initialStakedFunds.length,
    allocated,
    carried: carried.carried,
    stakers: genesis.initialStakers.map((s, i) => ({ nodeID: s.nodeID, publicKey: s.signer?.publicKey ?? null, weight: (weights[i] ?? 0n).toString() })),
    previousStake: carried.stakeByNode,
    cChainGenesis: { path: input.cGenesis.rel, sha256: input.cGenesis.sha256 },
  };
}
