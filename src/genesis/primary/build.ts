import { bytesToHex } from '../../state/hex.js';
import { hrpForNetwork, parseAddress, parseEvmAddress } from '../../keys/address.js';
import { parseBlsPublicKey, parseBlsSignature, verifyProofOfPossession } from '../../keys/bls.js';
import { nodeIdFromCertificate, readCertificate } from '../../keys/certificate.js';
import { parseNodeId } from '../../keys/nodeId.js';
import { ALLOCATION_FIELDS, DIALECTS, type AllocationStyle, type DialectName } from '../../network/dialect.js';
import { PrimaryGenesisError } from './errors.js';
import { parseJson } from './json.js';
import { describeIssues, primaryGenesisInputSchema, type NormalizedGenesisInput } from './schema.js';
import type { BuildOptions, GenesisAllocation, GenesisStaker, PrimaryGenesis, PrimaryGenesisInput, UnlockEntry } from './types.js';
import { splitStakeWeights } from './weights.js';

/** reward.PercentDenominator: delegation fees are parts per million, 100% at most. */
const MAX_DELEGATION_FEE = 1_000_000;
const U64_MAX = 2n ** 64n - 1n;

type Issue = { field: string; message: string };

/**
 * Builds a primary-network genesis from its parts, enforcing avalanchego's own genesis rules
 * (genesis.validateConfig, v1.14.0) and the validator-set rules of a regenesis: unique NodeIDs,
 * NodeID = hash of the certificate when one is given, every staker's PoP valid under the dialect's
 * rule, no BLS key shared, every staker with non-zero weight. Pure: same input → same document.
 * Any violation throws a PrimaryGenesisError listing every offending field; nothing is returned.
 *
 * startTime is not compared with the clock here (the builder is pure). Note that both nodes refuse
 * to load a genesis whose startTime is still in the future (validateConfig, errFutureStartTime),
 * so nodes must be started at or after it.
 */
export function buildPrimaryGenesis(input: PrimaryGenesisInput, options: BuildOptions = {}): PrimaryGenesis {
  const parsed = primaryGenesisInputSchema.safeParse(input);
  if (!parsed.success) throw new PrimaryGenesisError(describeIssues(parsed.error, 'input'));
  const data = parsed.data;
  const issues: Issue[] = [];
  const fail = (field: string, message: string): void => void issues.push({ field, message });

  const dialect = DIALECTS[data.dialect];
  const style: AllocationStyle = data.allocationStyle ?? dialect.allocationStyles[0]!;
  if (!dialect.allocationStyles.includes(style)) {
    fail('input.allocationStyle', `${style} is not a ${dialect.name} allocation style (${dialect.allocationStyles.join(', ')})`);
  }
  if (data.xChainGenesis !== undefined && data.dialect !== 'luxd') {
    fail('input.xChainGenesis', 'only luxd genesis files carry an X-Chain genesis string');
  }
  if (data.qChainGenesis !== undefined && data.dialect !== 'luxd') {
    fail('input.qChainGenesis', 'only luxd networks have a Q-Chain');
  }
  const hrp = data.hrp ?? hrpForNetwork(data.networkID, data.dialect);

  const utxoAddress = utxoAddressChecker(hrp, data.networkID, data.dialect, issues);

  // Allocations.
  const allocationIds = new Set<string>();
  const stakedCandidates: Array<{ id: string | undefined; unlockAmounts: bigint[] }> = [];
  let supply = 0n;
  data.allocations.forEach((allocation, i) => {
    const at = `input.allocations[${i}]`;
    try {
      parseEvmAddress(allocation.evmAddress, `${at}.evmAddress`);
    } catch (error) {
      issues.push(issueFrom(error, `${at}.evmAddress`));
    }
    const id = utxoAddress(allocation.utxoAddress, `${at}.utxoAddress`);
    if (id) allocationIds.add(id);
    allocation.unlockSchedule.forEach((unlock, j) => {
      if (unlock.amount === 0n) fail(`${at}.unlockSchedule[${j}].amount`, 'must be non-zero (an empty unlock creates nothing)');
    });
    const locked = allocation.unlockSchedule.reduce((sum, u) => sum + u.amount, 0n);
    if (allocation.initialAmount === 0n && locked === 0n) fail(at, 'allocates nothing (initialAmount and unlockSchedule are both zero)');
    supply += allocation.initialAmount + locked;
    stakedCandidates.push({ id, unlockAmounts: allocation.unlockSchedule.map((u) => u.amount) });
  });
  if (data.allocations.length === 0) fail('input.allocations', 'must not be empty (initial supply must be > 0)');
  if (supply > U64_MAX) fail('input.allocations', `total supply ${supply} overflows uint64`);

  // Initially staked funds: unique, each backed by an allocation.
  const staked = new Set<string>();
  if (data.initialStakedFunds.length === 0) fail('input.initialStakedFunds', 'must not be empty');
  data.initialStakedFunds.forEach((address, i) => {
    const field = `input.initialStakedFunds[${i}]`;
    const id = utxoAddress(address, field);
    if (!id) return;
    if (staked.has(id)) fail(field, `${address} is listed twice`);
    else if (!allocationIds.has(id)) fail(field, `${address} has no allocation to stake`);
    staked.add(id);
  });

  // Validators.
  const stakers = buildStakers(data, options, dialect.name, utxoAddress, issues);

  // Timing rules (stake duration and per-staker offsets).
  if (data.initialStakeDuration === 0) fail('input.initialStakeDuration', 'must be > 0');
  const offsets = BigInt(data.initialStakeDurationOffset) * BigInt(Math.max(0, data.validators.length - 1));
  if (offsets > BigInt(data.initialStakeDuration)) {
    fail('input.initialStakeDuration', `must be at least initialStakeDurationOffset × (stakers − 1) = ${offsets}`);
  }
  const totalLocked = data.allocations.reduce((sum, a) => sum + a.unlockSchedule.reduce((s, u) => s + u.amount, 0n), 0n);
  if (totalLocked < BigInt(data.validators.length)) {
    fail('input.allocations', `total locked amount ${totalLocked} is below the number of stakers (${data.validators.length})`);
  }

  // Weights: the node splits the staked allocations evenly over the stakers, in order.
  const weights = splitStakeWeights(
    stakedCandidates.filter((c) => c.id !== undefined && staked.has(c.id)),
    data.validators.length,
  );
  data.validators.forEach((validator, i) => {
    const who = validatorLabel(validator.nodeID ?? stakers[i]?.nodeID, i);
    const weight = weights[i] ?? 0n;
    if (validator.weight === 0n) fail(`${who}.weight`, 'must be non-zero');
    else if (weight === 0n) {
      fail(`${who}.weight`, 'is zero: the initially staked allocations leave this staker no stake');
    } else if (validator.weight !== undefined && validator.weight !== weight) {
      fail(`${who}.weight`, `expected ${validator.weight}, the staked allocations give it ${weight}`);
    }
  });

  if (data.cChainGenesis.length === 0) fail('input.cChainGenesis', 'must not be empty');
  else checkJsonObject(data.cChainGenesis, 'input.cChainGenesis', issues);
  if (data.xChainGenesis !== undefined) checkJsonObject(data.xChainGenesis, 'input.xChainGenesis', issues);
  if (data.qChainGenesis !== undefined) checkJsonObject(data.qChainGenesis, 'input.qChainGenesis', issues);

  if (issues.length > 0) throw new PrimaryGenesisError(issues);

  const fields = ALLOCATION_FIELDS[style];
  return {
    networkID: data.networkID,
    allocations: data.allocations.map(
      (a) =>
        ({
          [fields.evm]: a.evmAddress,
          [fields.utxo]: a.utxoAddress,
          initialAmount: a.initialAmount,
          unlockSchedule: a.unlockSchedule.map(
            (u): UnlockEntry => (u.locktime === undefined ? { amount: u.amount } : { amount: u.amount, locktime: u.locktime }),
          ),
        }) as unknown as GenesisAllocation,
    ),
    startTime: data.startTime,
    initialStakeDuration: data.initialStakeDuration,
    initialStakeDurationOffset: data.initialStakeDurationOffset,
    initialStakedFunds: [...data.initialStakedFunds],
    initialStakers: stakers as GenesisStaker[],
    ...(data.xChainGenesis !== undefined ? { xChainGenesis: data.xChainGenesis } : {}),
    cChainGenesis: data.cChainGenesis,
    ...(data.qChainGenesis !== undefined ? { qChainGenesis: data.qChainGenesis } : {}),
    message: data.message,
  };
}

/** Parses an X-/P- address and checks its HRP; returns the short ID as hex, or undefined. */
function utxoAddressChecker(hrp: string, networkID: number, dialect: DialectName, issues: Issue[]) {
  return (address: string, field: string): string | undefined => {
    try {
      const parsedAddress = parseAddress(address, field);
      if (parsedAddress.chain === 'C') {
        issues.push({ field, message: `${address}: genesis addresses are X-… or P-…` });
        return undefined;
      }
      if (parsedAddress.hrp !== hrp) {
        issues.push({ field, message: `${address} has HRP "${parsedAddress.hrp}", network ${networkID} on ${dialect} uses "${hrp}"` });
        return undefined;
      }
      return bytesToHex(parsedAddress.shortId);
    } catch (error) {
      issues.push(issueFrom(error, field));
      return undefined;
    }
  };
}

/**
 * The validator-set rules alone, before any export exists (a run checks its stakers first):
 * NodeIDs unique and equal to their certificates' hashes, PoPs valid under the dialect's rule, no
 * BLS key shared, reward addresses of the network. Throws a PrimaryGenesisError naming each one.
 */
export function checkGenesisStakers(input: Pick<PrimaryGenesisInput, 'dialect' | 'networkID' | 'hrp' | 'validators'>, options: BuildOptions = {}): GenesisStaker[] {
  const parsed = primaryGenesisInputSchema.pick({ dialect: true, networkID: true, hrp: true, validators: true }).safeParse(input);
  if (!parsed.success) throw new PrimaryGenesisError(describeIssues(parsed.error, 'input'));
  const data = parsed.data;
  const issues: Issue[] = [];
  const hrp = data.hrp ?? hrpForNetwork(data.networkID, data.dialect);
  const stakers = buildStakers(data, options, data.dialect, utxoAddressChecker(hrp, data.networkID, data.dialect, issues), issues);
  if (issues.length > 0) throw new PrimaryGenesisError(issues);
  return stakers as GenesisStaker[];
}

function validatorLabel(nodeId: string | undefined, i: number): string {
  return nodeId ? `input.validators[${i}] (${nodeId})` : `input.validators[${i}]`;
}

/** Checks every validator; returns the stakers (entries may be undefined where checks failed). */
function buildStakers(
  data: Pick<NormalizedGenesisInput, 'validators'>,
  options: BuildOptions,
  dialect: DialectName,
  utxoAddress: (address: string, field: string) => string | undefined,
  issues: Issue[],
): Array<GenesisStaker | undefined> {
  const fail = (field: string, message: string): void => void issues.push({ field, message });
  if (data.validators.length === 0) fail('input.validators', 'must not be empty (a primary network needs initial stakers)');

  const byNodeId = new Map<string, number>();
  const byBlsKey = new Map<string, number>();
  return data.validators.map((validator, i): GenesisStaker | undefined => {
    let ok = true;
    let nodeID = validator.nodeID;
    if (validator.certificate !== undefined) {
      try {
        const derived = nodeIdFromCertificate(readCertificate(validator.certificate, `input.validators[${i}].certificate`));
        if (nodeID !== undefined && nodeID !== derived) {
          fail(`${validatorLabel(nodeID, i)}.nodeID`, `does not match its certificate, which belongs to ${derived}`);
          ok = false;
        }
        nodeID ??= derived;
      } catch (error) {
        // readCertificate's messages already name the field and never echo the input.
        issues.push(issueFrom(error, `input.validators[${i}].certificate`));
        ok = false;
      }
    }
    const who = validatorLabel(nodeID, i);
    if (nodeID === undefined) {
      if (validator.certificate === undefined) fail(`input.validators[${i}]`, 'needs a nodeID or a certificate');
      return undefined;
    }
    try {
      parseNodeId(nodeID, `${who}.nodeID`);
    } catch (error) {
      issues.push(issueFrom(error, `${who}.nodeID`));
      ok = false;
    }
    const previous = byNodeId.get(nodeID);
    if (previous !== undefined) {
      fail(`${who}.nodeID`, `duplicate NodeID: also input.validators[${previous}]`);
      ok = false;
    } else byNodeId.set(nodeID, i);

    if (utxoAddress(validator.rewardAddress, `${who}.rewardAddress`) === undefined) ok = false;
    if (validator.delegationFee > MAX_DELEGATION_FEE) {
      fail(`${who}.delegationFee`, `${validator.delegationFee} exceeds ${MAX_DELEGATION_FEE} (100%)`);
      ok = false;
    }

    let signer: GenesisStaker['signer'];
    if (validator.signer === undefined) {
      if (!options.allowStakersWithoutSigner) {
        fail(`${who}.signer`, 'required: a staker needs a BLS public key and proof of possession');
        ok = false;
      }
    } else {
      try {
        const publicKey = bytesToHex(parseBlsPublicKey(validator.signer.publicKey, `${who}.signer.publicKey`).toBytes(true));
        const pop = parseBlsSignature(validator.signer.proofOfPossession, `${who}.signer.proofOfPossession`);
        const proofOfPossession = bytesToHex(pop.toBytes(true));
        const sharedWith = byBlsKey.get(publicKey);
        if (sharedWith !== undefined) {
          fail(`${who}.signer.publicKey`, `BLS public key already used by input.validators[${sharedWith}]; every validator needs its own key`);
          ok = false;
        } else byBlsKey.set(publicKey, i);
        if (!verifyProofOfPossession(publicKey, proofOfPossession, dialect, `${who}.signer`)) {
          fail(
            `${who}.signer.proofOfPossession`,
            `does not verify for its publicKey under the ${dialect} rule (DST ${DIALECTS[dialect].popDst})`,
          );
          ok = false;
        }
        signer = { publicKey, proofOfPossession };
      } catch (error) {
        issues.push(issueFrom(error, `${who}.signer`));
        ok = false;
      }
    }
    if (!ok) return undefined;
    return {
      nodeID,
      rewardAddress: validator.rewardAddress,
      delegationFee: validator.delegationFee,
      ...(signer ? { signer } : {}),
    };
  });
}

function checkJsonObject(text: string, field: string, issues: Issue[]): void {
  try {
    const value = parseJson(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) issues.push({ field, message: 'must be a JSON object (as a string)' });
  } catch (error) {
    issues.push({ field, message: `is not valid JSON: ${(error as Error).message}` });
  }
}

/**
 * The key helpers prefix their messages with the (possibly more precise) field they were given,
 * e.g. `….signer.publicKey: …` for a call labelled `….signer`; that field is kept as the issue's.
 */
function issueFrom(error: unknown, field: string): Issue {
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith(field)) {
    const end = message.indexOf(': ', field.length);
    if (end >= 0) return { field: message.slice(0, end), message: message.slice(end + 2) };
  }
  return { field, message };
}
