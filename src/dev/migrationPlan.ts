import { readFileSync } from 'node:fs';
import { proofOfPossession, publicKeyFromSecret } from '../keys/bls.js';
import type { PlanInput } from '../plan/index.js';
import type { StakingFiles } from '../nodes/avalanchegoFlags.js';

type PrimaryValidator = NonNullable<PlanInput['genesis']['primary']>['validators'][number];

/**
 * The plan of a local five-validator migration (tests and the demo): export P, X and C from the API
 * node at the current 30 s epoch, the same stakers under network ID 88888, rehearsal, one approval,
 * and the validators' agents for the rest.
 */
export function localMigrationPlan(options: {
  name: string;
  cChainRpcUrl: string;
  validators: PrimaryValidator[];
  /** Who approves, with the key each approval is signed with. */
  approver: { name: string; publicKey: string };
  agentTimeoutSeconds?: number;
  /** How long the new nodes have to become healthy; default 180 s (a few thousand accounts). */
  healthTimeoutSeconds?: number;
  /** 2 (the default): the old network is halted after the approval and its final state launched. */
  stages?: 1 | 2;
}): PlanInput {
  return {
    name: options.name,
    chains: { C: { rpcUrl: options.cChainRpcUrl, partitions: 2, pageSize: 64 }, P: { addresses: [], discoverAddresses: true }, X: { addresses: [] } },
    target: { epoch: 'current' },
    epoch: { source: 'proposervm', durationSeconds: 30, pollSeconds: 2 },
    genesis: {
      chainId: 43112,
      // The launch waits for it with a durable timer: avalanchego refuses a genesis that starts later.
      startTime: { afterFreezeSeconds: 75 },
      primary: { networkId: 88_888, stakeOwnerBalances: 'move-to-x', validators: options.validators },
    },
    rehearsal: { enabled: true },
    launch: {
      approvals: { required: 1, approvers: [options.approver] },
      operator: {
        kind: 'agents',
        agentTimeoutSeconds: options.agentTimeoutSeconds ?? 60,
        healthTimeoutSeconds: options.healthTimeoutSeconds ?? 180,
        ...(options.stages ? { stages: options.stages } : {}),
      },
    },
  };
}

/** A staker's plan entry from its own files, as its operator would publish it: certificate, BLS key, PoP. */
export function stakerFromFiles(files: StakingFiles, rewardAddress: string): PrimaryValidator {
  const secret = new Uint8Array(readFileSync(files.signerKeyFile));
  return {
    certificate: readFileSync(files.certFile, 'utf8'),
    blsPublicKey: publicKeyFromSecret(secret),
    proofOfPossession: proofOfPossession(secret, 'avalanchego'),
    rewardAddress,
  };
}
