import type { ChainHeads } from '../chains/avax/heads.js';

/** What one old validator's agent saw its own node accept last, as the node stopped (each chain that answered). */
export interface NodeLastAccepted {
  nodeId: string;
  heads: { c?: { height: number; hash: string }; p?: number; x?: number };
}

/**
 * Whether the halted network really stopped where the API node says, as a list of problems (empty:
 * proven). The API node (a non-validator that keeps serving after the halt) is read twice, some
 * seconds apart: every chain must be where it was. Each validator's own last read is a lower bound
 * of what its node accepted (the others may accept a block after it stopped), so it may be behind
 * the API node but never ahead of it, and at the same C height it must name the same block: a
 * validator ahead of the API node accepted something the export would not carry.
 */
export function haltProofIssues(first: ChainHeads, second: ChainHeads, validators: readonly NodeLastAccepted[]): string[] {
  return [...movedAfterHalt(first, second), ...validators.flatMap((v) => aheadOfApiNode(v, second))];
}

function movedAfterHalt(first: ChainHeads, second: ChainHeads): string[] {
  const issues: string[] = [];
  if (first.c.height !== second.c.height || first.c.hash !== second.c.hash) {
    issues.push(
      `the C-Chain moved after the halt: the API node's last accepted block went from ${first.c.height} (${first.c.hash}) to ${second.c.height} (${second.c.hash})`,
    );
  }
  if (first.p !== second.p) issues.push(`the P-Chain moved after the halt: the API node's height went from ${first.p} to ${second.p}`);
  if (first.x !== second.x) issues.push(`the X-Chain moved after the halt: the API node's height went from ${String(first.x)} to ${String(second.x)}`);
  return issues;
}

function aheadOfApiNode({ nodeId, heads }: NodeLastAccepted, api: ChainHeads): string[] {
  const issues: string[] = [];
  if (heads.c && heads.c.height > api.c.height) {
    issues.push(`validator ${nodeId} accepted C-Chain block ${heads.c.height}, beyond the API node's last accepted ${api.c.height}`);
  } else if (heads.c && heads.c.height === api.c.height && heads.c.hash !== api.c.hash) {
    issues.push(`validator ${nodeId}'s C-Chain block ${heads.c.height} is ${heads.c.hash}; the API node's is ${api.c.hash}`);
  }
  if (heads.p !== undefined && heads.p > api.p) issues.push(`validator ${nodeId} accepted P-Chain height ${heads.p}, beyond the API node's ${api.p}`);
  if (heads.x !== undefined && api.x !== undefined && heads.x > api.x) {
    issues.push(`validator ${nodeId} accepted X-Chain height ${heads.x}, beyond the API node's ${api.x}`);
  }
  return issues;
}
