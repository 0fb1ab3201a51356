import { ApplicationFailure } from '@temporalio/activity';
import { failure } from '../src/contract/failures.js';
import { aggregatePublicKeys, aggregateSignatures, verifyAggregate, verifyMessage, verifyProofOfPossession } from '../src/keys/bls.js';
import { nodeIdFromCertificate, readCertificate } from '../src/keys/certificate.js';
import type { DialectName } from '../src/network/dialect.js';
import { ratificationMessage } from '../src/keys/ratificationMessage.js';

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
 * Validator keys and genesis ratification, under the run's dialect: avalanchego and luxd sign
 * proofs of possession and messages under different DSTs, so a key valid on one network is no
 * proof on the other. Only public material reaches the coordinator: NodeIDs, certificates, BLS
 * public keys, proofs of possession and signatures.
 */
export function ratificationActivities() {
  return {
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
        throw failure('InvalidValidator', `validator ${input.nodeId}: proofOfPossession does not verify for blsPublicKey ${input.blsPublicKey.slice(0, 18)}… under the ${dialect} rule`);
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
  };
}
