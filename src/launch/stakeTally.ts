import type { RegenesisStatus } from '../contract/run.js';
import type { DialectName } from '../network/dialect.js';
import { reachesTwoThirds } from '../plan/stake.js';

/** A validator of the new network as ratification weighs it: its NodeID and its exact stake. */
export interface WeighedStaker {
  nodeId: string;
  /** nAVAX/wei, exact: mainnet's stake is far above what a JS number holds exactly. */
  weight: bigint;
}

/**
 * Ratification's arithmetic, in one place for every operator: the stake of the new validator set,
 * the stake of those that signed, and the 2/3 rule in integers. Declared validators (manual,
 * local) and genesis stakers (agents) are weighed by the same code.
 */
export class StakeTally {
  constructor(private readonly stakers: readonly WeighedStaker[]) {}

  /** The whole stake of the new validator set. */
  total(): bigint {
    return this.stakers.reduce((sum, s) => sum + s.weight, 0n);
  }

  /** The stake of the stakers among `signers`; a NodeID outside the set weighs nothing. */
  signed(signers: ReadonlySet<string>): bigint {
    return this.stakers.reduce((sum, s) => (signers.has(s.nodeId) ? sum + s.weight : sum), 0n);
  }

  /** At least two thirds of a non-empty stake has signed. */
  reached(signers: ReadonlySet<string>): boolean {
    return reachesTwoThirds(this.signed(signers), this.total());
  }

  /** The stakers that have not signed, in set order: whom an operator asks next. */
  missing(signers: ReadonlySet<string>): string[] {
    return this.stakers.filter((s) => !signers.has(s.nodeId)).map((s) => s.nodeId);
  }

  /**
   * What the status query, `watch` and the Web UI show of a ratification: the same weights the
   * decision uses, whoever collects the signatures (humans through `regenesis ratify`, or agents).
   */
  status(signers: ReadonlySet<string>, context: RatificationContext): NonNullable<RegenesisStatus['ratification']> {
    return {
      totalWeight: this.total().toString(),
      signedWeight: this.signed(signers).toString(),
      signers: [...signers],
      threshold: context.collectedBy === 'agents' ? '2/3 of the genesis stake' : '2/3 of stake',
      ...(context.deadline ? { deadline: context.deadline } : {}),
      ...(context.collectedBy ? { collectedBy: context.collectedBy } : {}),
      dialect: context.dialect,
      networkId: context.networkId,
    };
  }
}

/** Who collects a ratification and under which rule its signatures are checked. */
export interface RatificationContext {
  dialect: DialectName;
  networkId: number;
  deadline?: string;
  collectedBy?: 'agents';
}
