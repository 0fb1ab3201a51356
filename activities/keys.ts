import { failure } from '../src/contract/failures.js';
import { checkGenesisStakers, stakerCertificateIssues, stakerInputs, type PrimaryGenesisPlan } from '../src/genesis/primary/index.js';
import { approvalMessage, verifyApproval } from '../src/keys/approverKey.js';
import { aggregatePublicKeys, aggregateSignatures, verifyAggregate, verifyMessage, verifyProofOfPossession } from '../src/keys/bls.js';
import { nodeIdFromCertificate, readCertificate } from '../src/keys/certificate.js';
import { ratificationMessage } from '../src/keys/ratificationMessage.js';
import type { DialectName } from '../src/network/dialect.js';
import { fixedStartTimeSeconds, type Plan } from '../src/plan/index.js';
import { primaryGenesisFailure } from './failures.js';

/**
 * The dialect of a key check whose input names none. Runs started before these activities were
 * told the run's dialect checked every key under avalanchego's rules, and such a run in flight
 * still sends inputs without it; new runs always name it (RegenesisRun.dialect, from the plan).
 */
function inputDialect(input: { dialect?: DialectName }): DialectName {
  return input.dialect ?? 'avalanchego';
}

/**
 * The message a ratification signs (src/keys/ratificationMessage.ts). An input that cannot make
 * one (a network ID beyond uint32, a malformed sha256) is refused, not retried.
 */
function messageOf(input: { networkId: number; genesisSha256: string }): Uint8Array {
  try {
    return ratificationMessage(input.networkId, input.genesisSha256);
  } catch (err) {
    throw failure('InvalidPlan', `ratification: ${(err as Error).message}`);
  }
}

/**
 * Refuses, as InvalidValidator, the stakers whose certificates cannot be staking certificates at
 * `now` or at the start time; the genesis build asks again once the start time is final.
 */
export function refuseStakerCertificates(primary: PrimaryGenesisPlan, now: number, startTime: number | undefined): void {
  const issues = stakerCertificateIssues(primary, { now, ...(startTime !== undefined ? { startTime } : {}) });
  if (issues.length > 0) throw failure('InvalidValidator', issues.join('; '));
}

/** The clock certificates' dates are read against: unix seconds, replaceable so tests can pick the day. */
export const unixNow = (): number => Math.floor(Date.now() / 1000);

/**
 * Every check of key material and signatures (the `keys` stub): curve arithmetic stays out of
 * workflow code, and only public material reaches the coordinator (NodeIDs, certificates, BLS
 * public keys, proofs of possession, signatures). Checks are under the run's dialect: avalanchego
 * and luxd sign under different DSTs, so a key valid on one network is no proof on the other.
 */
export function keyActivities(now: () => number = unixNow) {
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
      let stakers: ReturnType<typeof checkGenesisStakers>;
      try {
        stakers = checkGenesisStakers({ dialect: input.primary.dialect, networkID: input.primary.networkId, validators: stakerInputs(input.primary) });
      } catch (err) {
        throw primaryGenesisFailure(err);
      }
      refuseStakerCertificates(input.primary, now(), input.startTime === undefined ? undefined : fixedStartTimeSeconds(input.startTime));
      return { validators: stakers.length, stakers: stakers.map((s) => ({ nodeId: s.nodeID, blsPublicKey: s.signer?.publicKey.toLowerCase() ?? null })) };
    },

    /** A registration is accepted only if its PoP verifies and its NodeID matches its certificate. */
    async verifyValidatorKeys(input: {
      nodeId: string;
      blsPublicKey: string;
      proofOfPossession: string;
      certificatePem?: string;
      dialect?: DialectName;
    }): Promise<{ nodeId: string }> {
      const dialect = inputDialect(input);
      if (!verifyProofOfPossession(input.blsPublicKey, input.proofOfPossession, dialect)) {
        throw failure(
          'InvalidValidator',
          `validator ${input.nodeId}: proofOfPossession does not verify for blsPublicKey ${input.blsPublicKey.slice(0, 18)}… under the ${dialect} rule`,
        );
      }
      if (input.certificatePem !== undefined) {
        const derived = nodeIdFromCertificate(readCertificate(input.certificatePem, 'certificatePem'));
        if (derived !== input.nodeId) {
          throw failure('InvalidValidator', `validator ${input.nodeId}: certificatePem belongs to ${derived}, not to ${input.nodeId}`);
        }
      }
      return { nodeId: input.nodeId };
    },

    /** Checks one validator's BLS signature over the ratification message of this genesis for this network. */
    async verifyRatification(input: {
      genesisSha256: string;
      networkId: number;
      blsPublicKey: string;
      signature: string;
      dialect?: DialectName;
    }): Promise<boolean> {
      return verifyMessage(input.blsPublicKey, messageOf(input), input.signature, inputDialect(input));
    },

    /** Aggregates the ratification signatures and checks the aggregate against the signers' keys. */
    async aggregateRatification(input: {
      genesisSha256: string;
      networkId: number;
      signers: Array<{ blsPublicKey: string; signature: string }>;
      dialect?: DialectName;
    }): Promise<{ aggregateSignature: string; aggregatePublicKey: string }> {
      const dialect = inputDialect(input);
      const aggregateSignature = aggregateSignatures(input.signers.map((s) => s.signature));
      const aggregatePublicKey = aggregatePublicKeys(input.signers.map((s) => s.blsPublicKey));
      if (!verifyAggregate(aggregatePublicKey, messageOf(input), aggregateSignature, dialect)) {
        throw failure('RatificationFailed', `aggregate ratification signature does not verify for network ${input.networkId} under the ${dialect} rule`);
      }
      return { aggregateSignature, aggregatePublicKey };
    },

    /** Whether `signature` is the approver's over this run's approval message; a malformed key is the plan's fault. */
    async verifyApproval(input: { publicKey: string; workflowId: string; runKey: string; genesisSha256: string; signature: string }): Promise<boolean> {
      const message = approvalMessage(input);
      try {
        return verifyApproval(input.publicKey, message, input.signature);
      } catch (err) {
        throw failure('InvalidPlan', `plan.launch.approvals.approvers: ${(err as Error).message}`);
      }
    },
  };
}
