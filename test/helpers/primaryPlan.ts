import type { PlanInput } from '../../src/plan/index.js';
import { planFor } from './plans.js';

/**
 * A proposal that builds a primary genesis from a P/X/C export of the local network's API node,
 * with the given stakers and start time: the skeleton the plan-level tests vary.
 */
export function primaryPlanInput(options: { startTime: unknown; networkId: number; validators: unknown[] }): PlanInput {
  return planFor({
    name: 'primary',
    chains: {
      C: { rpcUrl: 'http://127.0.0.1:9650/ext/bc/C/rpc' },
      P: { addresses: ['P-local18jma8ppw3nhx5r4ap8clazz0dps7rv5u00z96u'] },
      X: { addresses: ['X-local18jma8ppw3nhx5r4ap8clazz0dps7rv5u00z96u'] },
    },
    epoch: { durationSeconds: 30, source: 'proposervm' },
    genesis: { chainId: 43112, startTime: options.startTime, primary: { networkId: options.networkId, validators: options.validators } },
  });
}
