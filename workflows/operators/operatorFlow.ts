import { failure } from '../../src/contract/failures.js';
import type { LaunchOutcome, OldNetworkRetired, Prepared } from '../../src/contract/run.js';

/**
 * How the launch phases are carried out on the network: by each validator host's agent, on a local
 * devnet the worker runs, or by an operator confirming each step by hand. The run picks one once
 * (operatorFlowOf) and workflows/launch.ts calls it phase by phase, with what was prepared: stage 1,
 * or in a two-stage run the final state at the halt.
 */
export interface OperatorFlow {
  /** ≥ 2/3 of the new stake has signed the genesis `prepared` installs; the aggregate signature proves it. */
  ratify(prepared: Prepared): Promise<LaunchOutcome['ratification']>;
  /** The old network is halted (its resumption registered first) and the genesis is on every new validator. */
  migrate(prepared: Prepared): Promise<void>;
  /** The new network is started (its stop registered first). */
  start(prepared: Prepared): Promise<void>;
  /** The new network, read back against `prepared`; throws PostVerifyFailed when it disagrees. */
  postVerify(prepared: Prepared): Promise<Pick<LaunchOutcome, 'newNetwork' | 'postVerify'>>;
  /** After the commit point, where the flow can: the old validators are never resumed again. */
  retireOld?(): Promise<OldNetworkRetired | undefined>;
}

/** What every flow checks after the read-back: a new network that disagrees with the export rolls back. */
export function assertServesExport(checked: { ok: boolean; mismatches: string[] }): void {
  if (!checked.ok) {
    throw failure('PostVerifyFailed', `the new network disagrees with the export: ${checked.mismatches.slice(0, 5).join('; ')}`);
  }
}
