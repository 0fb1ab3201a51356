import { ScheduleOverlapPolicy, type Client, type ScheduleDescription } from '@temporalio/client';
import { config } from './config.js';
import { parsePlan, type PlanInput } from './plan/index.js';
import { regenesisWorkflow } from '../workflows/index.js';
import { startMetadata } from './view/details.js';

/**
 * The annual regenesis: a Temporal Schedule whose action starts a proposal run (export, genesis,
 * verification, rehearsal, report) that then waits for approval before it touches the network.
 * Overlap policy SKIP: a run still waiting for approval is never doubled by the next tick.
 */
export const DEFAULT_INTERVAL = '365 days';

export async function createRegenesisSchedule(
  client: Client,
  options: { scheduleId: string; plan: PlanInput; every?: string; taskQueue?: string; paused?: boolean },
): Promise<void> {
  const plan = { ...options.plan, kind: 'scheduled' as const };
  // The plan must hold whenever the schedule fires: a fixed start time would be stale next year.
  const parsed = parsePlan(plan, Math.floor(Date.now() / 1000));
  if (typeof plan.genesis.startTime !== 'object') {
    throw new Error('plan.genesis.startTime: a scheduled plan needs a relative start time ({ "afterFreezeSeconds": N })');
  }
  await client.schedule.create({
    scheduleId: options.scheduleId,
    spec: { intervals: [{ every: options.every ?? DEFAULT_INTERVAL }] },
    action: {
      type: 'startWorkflow',
      workflowType: regenesisWorkflow,
      workflowId: `${options.scheduleId}-run`,
      taskQueue: options.taskQueue ?? config.taskQueue,
      args: [plan],
      ...startMetadata(parsed),
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    state: { paused: options.paused ?? false, note: 'annual regenesis proposal' },
  });
}

export interface ScheduleSummary {
  scheduleId: string;
  paused: boolean;
  note?: string;
  every: string[];
  nextActionTimes: string[];
  recentRuns: string[];
}

export function summarizeSchedule(d: ScheduleDescription): ScheduleSummary {
  return {
    scheduleId: d.scheduleId,
    paused: d.state.paused,
    note: d.state.note,
    every: (d.spec.intervals ?? []).map((i) => `${i.every}`),
    nextActionTimes: d.info.nextActionTimes.map((t) => t.toISOString()),
    recentRuns: d.info.recentActions.map((a) => a.action.workflow.workflowId),
  };
}
