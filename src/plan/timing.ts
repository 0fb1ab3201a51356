import { THIRTY_DAYS_SECONDS, type Plan } from './schema.js';

/** The genesis start time in unix seconds; a relative start time needs the freeze timestamp. */
export function startTimeSeconds(plan: Plan, freezeTimestamp: number): number {
  const t = plan.genesis.startTime;
  return typeof t === 'object' ? freezeTimestamp + t.afterFreezeSeconds : fixedStartTimeSeconds(t)!;
}

/** The start time in unix seconds when the plan fixes it; undefined when it waits for the freeze. */
export function fixedStartTimeSeconds(startTime: Plan['genesis']['startTime']): number | undefined {
  if (typeof startTime === 'number') return startTime;
  if (typeof startTime === 'object') return undefined;
  return Math.floor(Date.parse(startTime) / 1000);
}

/**
 * LP-326 timing rule: the new genesis starts after the freeze block and no more than 30 days
 * after it. Returns a message naming the field, or undefined when the rule holds.
 */
export function checkStartTimeAgainstFreeze(plan: Plan, freezeTimestamp: number, nowSeconds: number): string | undefined {
  const start = startTimeSeconds(plan, freezeTimestamp);
  if (start <= nowSeconds) return `plan.genesis.startTime: ${start} is in the past`;
  if (start <= freezeTimestamp) {
    return `plan.genesis.startTime: ${start} is not after the freeze block's timestamp ${freezeTimestamp}`;
  }
  if (start - freezeTimestamp > THIRTY_DAYS_SECONDS) {
    return `plan.genesis.startTime: ${start} is more than 30 days after the freeze block's timestamp ${freezeTimestamp}`;
  }
  return undefined;
}
