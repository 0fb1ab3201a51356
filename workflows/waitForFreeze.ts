import { sleep } from '@temporalio/workflow';
import { failure } from '../src/contract/failures.js';
import type { FreezePoint } from '../src/manifests.js';
import { chainRead } from './activities.js';
import type { RegenesisRun } from './state.js';

/** LP-181 wait: durable timers between reads, never a busy loop; the freeze is the sealing block. */
export async function waitForFreeze(run: Pick<RegenesisRun, 'plan' | 'status' | 'publish'>): Promise<FreezePoint> {
  const { plan, status } = run;
  const rpcUrl = plan.chains.C.rpcUrl;
  if ('height' in plan.target) return chainRead.freezeBlock({ rpcUrl, height: plan.target.height });
  let target: number | 'current' = plan.target.epoch;
  const giveUpAt = Date.now() + plan.epoch.maxWaitSeconds * 1000;
  for (;;) {
    const epoch = await chainRead.epochStatus({ rpcUrl, epoch: plan.epoch, target });
    target = epoch.target;
    // Epoch T seals with the first block at or after its end: T - current + 1 epochs from the current one's start.
    const sealsAfter = epoch.current.startTime + (target - epoch.current.number + 1) * epoch.durationSeconds;
    status.epoch = { target, current: epoch.current.number, headHeight: epoch.headHeight, sealsAfter: new Date(sealsAfter * 1000).toISOString() };
    if (epoch.sealed) {
      if (plan.epoch.source === 'proposervm' && epoch.sealed.sealingPChainHeight == null) {
        // Exports of the other chains are pinned to this height: without it there is nothing to pin to.
        throw failure(
          'EpochUnpinned',
          `epoch ${epoch.sealed.number} sealed, but the node no longer reports its P-Chain height (it moved past epoch ${epoch.sealed.number + 1} between reads): set plan.epoch.pollSeconds below the epoch duration`,
        );
      }
      const block = await chainRead.freezeBlock({ rpcUrl, height: epoch.sealed.sealingHeight });
      return {
        ...block,
        epoch: {
          number: epoch.sealed.number,
          startTime: epoch.sealed.startTime,
          durationSeconds: plan.epoch.durationSeconds,
          pChainHeight: epoch.sealed.sealingPChainHeight,
        },
      };
    }
    if (Date.now() >= giveUpAt) {
      throw failure(
        'EpochWaitTimeout',
        `epoch ${target} did not seal within plan.epoch.maxWaitSeconds=${plan.epoch.maxWaitSeconds}: the chain's head is block ${epoch.headHeight} at ${epoch.headTimestamp}`,
      );
    }
    run.publish();
    await sleep(plan.epoch.pollSeconds * 1000, { summary: `waiting for epoch ${target} to seal` });
  }
}
