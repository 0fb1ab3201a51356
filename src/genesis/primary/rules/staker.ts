import { nodeIdFromCertificate, readCertificate } from '../../../keys/certificate.js';
import { parseNodeId } from '../../../keys/nodeId.js';
import { issueFrom, issuesThrownBy, type GenesisIssue } from '../issues.js';
import type { NormalizedGenesisInput } from '../schema.js';
import type { BuildOptions, GenesisStaker } from '../types.js';
import { checkUtxoAddress, type AddressNetwork } from '../utxoAddress.js';
import { checkSigner } from './signer.js';

type Validator = NormalizedGenesisInput['validators'][number];

/** reward.PercentDenominator: delegation fees are parts per million, 100% at most. */
const MAX_DELEGATION_FEE = 1_000_000;

/** What the stakers checked so far hold, so that no later one shares a NodeID or a BLS key with them. */
export interface StakersSeen {
  nodeIds: Map<string, number>;
  blsKeys: Map<string, number>;
}

/** What a staker's rules need beyond the staker: the network (its dialect gives the PoP rule) and the build options. */
export interface StakerContext {
  network: AddressNetwork;
  options: BuildOptions;
}

/** How issues name a staker: its index, and its NodeID once known, so the operator finds it either way. */
export function validatorLabel(nodeId: string | undefined, i: number): string {
  return nodeId ? `input.validators[${i}] (${nodeId})` : `input.validators[${i}]`;
}

/** One staker checked: the genesis entry when every rule holds, and the issues. */
export function checkStaker(validator: Validator, i: number, seen: StakersSeen, context: StakerContext): { staker?: GenesisStaker; issues: GenesisIssue[] } {
  const identity = stakerNodeId(validator, i);
  const nodeID = identity.nodeID;
  if (nodeID === undefined) return { issues: identity.issues };
  const who = validatorLabel(nodeID, i);
  const reward = checkUtxoAddress(validator.rewardAddress, `${who}.rewardAddress`, context.network);
  const signer = checkSigner(validator, i, who, seen.blsKeys, context.network.dialect, context.options);
  const issues = [
    ...identity.issues,
    ...issuesThrownBy(`${who}.nodeID`, () => parseNodeId(nodeID, `${who}.nodeID`)),
    ...uniqueNodeId(nodeID, i, who, seen.nodeIds),
    ...reward.issues,
    ...delegationFeeIssues(validator, who),
    ...signer.issues,
  ];
  if (issues.length > 0) return { issues };
  const { rewardAddress, delegationFee } = validator;
  return { staker: { nodeID, rewardAddress, delegationFee, ...(signer.signer ? { signer: signer.signer } : {}) }, issues };
}

/**
 * A staker's NodeID is the hash of its staking certificate: given both, they must agree; given a
 * certificate alone, the NodeID is derived from it. readCertificate's messages already name the
 * field and never echo the input (a private key pasted by mistake stays out of every log).
 */
function stakerNodeId(validator: Validator, i: number): { nodeID?: string; issues: GenesisIssue[] } {
  const given = validator.nodeID;
  if (validator.certificate === undefined) {
    if (given !== undefined) return { nodeID: given, issues: [] };
    return { issues: [{ field: `input.validators[${i}]`, message: 'needs a nodeID or a certificate' }] };
  }
  let derived: string;
  try {
    derived = nodeIdFromCertificate(readCertificate(validator.certificate, `input.validators[${i}].certificate`));
  } catch (error) {
    return { ...(given !== undefined ? { nodeID: given } : {}), issues: [issueFrom(error, `input.validators[${i}].certificate`)] };
  }
  if (given === undefined || given === derived) return { nodeID: derived, issues: [] };
  return { nodeID: given, issues: [{ field: `${validatorLabel(given, i)}.nodeID`, message: `does not match its certificate, which belongs to ${derived}` }] };
}

/** Two stakers under one NodeID would be one validator counted twice; `nodeIds` gains this one. */
function uniqueNodeId(nodeID: string, i: number, who: string, nodeIds: Map<string, number>): GenesisIssue[] {
  const previous = nodeIds.get(nodeID);
  if (previous !== undefined) return [{ field: `${who}.nodeID`, message: `duplicate NodeID: also input.validators[${previous}]` }];
  nodeIds.set(nodeID, i);
  return [];
}

/** A delegation fee is parts per million: above 100% the node refuses the staker. */
function delegationFeeIssues(validator: Validator, who: string): GenesisIssue[] {
  if (validator.delegationFee <= MAX_DELEGATION_FEE) return [];
  return [{ field: `${who}.delegationFee`, message: `${validator.delegationFee} exceeds ${MAX_DELEGATION_FEE} (100%)` }];
}
