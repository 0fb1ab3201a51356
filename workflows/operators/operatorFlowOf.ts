import type { RegenesisRun } from '../state.js';
import { agentsFlow } from './agentsFlow.js';
import { localFlow } from './localFlow.js';
import { manualFlow } from './manualFlow.js';
import type { OperatorFlow } from './operatorFlow.js';

/** The operator of the plan's launch section, chosen once per run (as genesisFlowOf chooses the genesis flow). */
export function operatorFlowOf(run: RegenesisRun): OperatorFlow {
  const operator = run.plan.launch!.operator;
  switch (operator.kind) {
    case 'agents':
      return agentsFlow(run, operator);
    case 'local':
      return localFlow(run, operator);
    case 'manual':
      return manualFlow(run, operator);
  }
}
