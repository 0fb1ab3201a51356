import { condition } from '@temporalio/workflow';
import { failure } from '../../src/contract/failures.js';
import type { ManualStep } from '../../src/contract/run.js';
import type { Plan } from '../../src/plan/index.js';
import type { RegenesisRun } from '../state.js';
import { ratifyByDeclaredValidators } from './declaredRatification.js';
import type { OperatorFlow } from './operatorFlow.js';

type ManualOperator = Extract<NonNullable<Plan['launch']>['operator'], { kind: 'manual' }>;

/**
 * An operator does each step by hand and confirms it (`confirmStep`): the run shows the instruction
 * and waits. Nothing reads the new network back here: the operator's confirmation is the record.
 */
export function manualFlow(run: RegenesisRun, op: ManualOperator): OperatorFlow {
  const step = (name: ManualStep, instruction: string, mustConfirm = true) => manualStep(run, name, instruction, op.stepTimeoutSeconds, mustConfirm);
  return {
    ratify: (prepared) => ratifyByDeclaredValidators(run, prepared),
    async migrate(prepared) {
      const installed = prepared.primaryGenesis ?? prepared.genesis;
      run.saga.add('resume-old-network', () => step('resume-old-network', 'Restart every validator of the old network on its untouched data.', false));
      await step('halt-old-network', 'Stop every validator of the old network. Keep its data directories untouched.');
      await step('install-genesis', `Install ${prepared.report.artifactsDir}/${installed.path} (sha256 ${installed.sha256}) on every new validator.`);
    },
    async start() {
      run.saga.add('stop-new-network', () => step('stop-new-network', 'Stop every validator of the new network.', false));
      await step('boot-new-network', 'Start every new validator with the installed genesis.');
    },
    postVerify: async () => ({ newNetwork: {}, postVerify: { ok: true, mismatches: [] } }),
  };
}

/**
 * A step the `manual` operator performs by hand: the instruction is shown in the status query and
 * the run waits for a `confirmStep` update. A compensation step that times out is recorded, not
 * fatal, so the rest of the rollback still runs.
 */
async function manualStep(run: RegenesisRun, step: ManualStep, instruction: string, timeoutSeconds: number, mustConfirm: boolean): Promise<void> {
  const status = run.status;
  status.pendingStep = { step, instruction };
  run.publish();
  const confirmed = await condition(() => run.confirmedSteps.has(step), timeoutSeconds * 1000, { summary: `waiting for an operator to confirm ${step}` });
  status.pendingStep = undefined;
  if (confirmed) status.stepsDone.push(step);
  else if (mustConfirm) throw failure('StepTimeout', `operator did not confirm ${step} within ${timeoutSeconds}s`);
  else status.stepsDone.push(`${step} (not confirmed)`);
}
