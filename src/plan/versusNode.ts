import type { EvmNodeKind } from '../manifests.js';
import type { DialectName } from '../network/dialect.js';
import type { Plan } from './schema.js';

/** What preflight learned from the node the plan exports from. */
export interface NodeFacts {
  kind: EvmNodeKind;
  headHeight: number;
  /** The avalanchego/luxd family behind an Avalanche C-Chain URL, when the run asked for it. */
  dialect?: DialectName;
  nodeVersion?: string;
}

/**
 * The rules between a plan and the node it exports from, in one place: what can be rehearsed on
 * what, which source a primary genesis needs, and whether the target exists yet. Returns the first
 * broken rule as `field: reason`, or undefined. Pure, so preflight and tests apply the same rules.
 */
export function planVersusNode(plan: Plan, node: NodeFacts): string | undefined {
  const primary = plan.genesis.primary;
  if (node.kind === 'coreth' && plan.rehearsal.enabled && !primary) {
    // A bare C-Chain genesis would be rehearsed on geth, whose state root differs from coreth's
    // (coreth accounts carry isMultiCoin); coreth is rehearsed inside a primary genesis on avalanchego.
    return 'plan.rehearsal.enabled: a coreth (Avalanche C-Chain) source cannot be rehearsed on geth; give plan.genesis.primary (rehearsed on avalanchego) or set it to false';
  }
  if (primary && node.kind !== 'coreth') {
    return `plan.genesis.primary: needs an Avalanche C-Chain (coreth) source; plan.chains.C is ${node.kind}`;
  }
  if (primary && primary.dialect !== 'avalanchego' && plan.rehearsal.enabled) {
    return `plan.rehearsal.enabled: a ${primary.dialect} primary genesis is rehearsed on ${primary.dialect}, which this worker cannot run; set it to false`;
  }
  const declared = plan.chains.C.dialect;
  if (declared && node.dialect && declared !== node.dialect) {
    return `plan.chains.C.dialect: ${declared}, but the node reports ${node.nodeVersion ?? node.dialect}`;
  }
  if ('height' in plan.target && plan.target.height > node.headHeight) {
    return `plan.target.height: ${plan.target.height} is above the chain head ${node.headHeight}`;
  }
  return undefined;
}
