import { cChainNodeOf } from '../../chains/avax/cChainUrl.js';
import type { PlanIssue } from '../error.js';
import type { Plan } from '../schema.js';

/** The chains exported beside the C-Chain, each pinned to the epoch's P-Chain height. */
const PINNED_CHAINS = ['P', 'X', 'Q'] as const;

/**
 * A P/X/Q export is pinned to the sealed epoch's P-Chain height, which only the node's
 * proposervm reports: a block-height target or epochs read from block timestamps give no height
 * to pin it to.
 */
export function pinnedChainsNeedProposervmEpochs(plan: Plan): PlanIssue[] {
  return PINNED_CHAINS.filter((chain) => plan.chains[chain]).flatMap((chain) => {
    const field = `plan.chains.${chain}`;
    const issues: PlanIssue[] = [];
    if ('height' in plan.target) {
      issues.push({ field, message: `needs an epoch target: a ${chain}-Chain export is pinned to a sealed epoch, not to a block height` });
    }
    if (plan.epoch.source !== 'proposervm') {
      const message = `needs plan.epoch.source 'proposervm': the ${chain}-Chain export is pinned to the epoch's P-Chain height, which only the node reports`;
      issues.push({ field, message });
    }
    return issues;
  });
}

/** Only luxd networks have a Q-Chain: exporting one into an avalanchego genesis has nowhere to go. */
export function qChainOnLuxdOnly(plan: Plan): PlanIssue[] {
  const primary = plan.genesis.primary;
  if (!plan.chains.Q || !primary || primary.dialect === 'luxd') return [];
  return [{ field: 'plan.chains.Q', message: `a Q-Chain exists on luxd only; plan.genesis.primary.dialect is ${primary.dialect}` }];
}

/** proposervm epochs are read from the node's C-Chain API, so the URL must be one (not a bare EVM node). */
export function proposervmNeedsAvalancheEndpoint(plan: Plan): PlanIssue[] {
  if (plan.epoch.source !== 'proposervm' || cChainNodeOf(plan.chains.C.rpcUrl)) return [];
  const message = 'proposervm epochs need an avalanchego/luxd C-Chain endpoint (…/ext/bc/C/rpc or …/v1/bc/C/rpc) in plan.chains.C.rpcUrl';
  return [{ field: 'plan.epoch.source', message }];
}
