import type { FinalStageStatus, RegenesisStatus } from '../contract/run.js';
import { gib, type LaunchReadiness } from '../launch/readiness.js';
import type { Plan } from '../plan/schema.js';
import { checklistOf } from './checklist.js';
import { nextStep } from './nextStep.js';

/**
 * What the Web UI shows of a run besides its payloads (Temporal user metadata): a one-line summary
 * and static details written at start, and current details the workflow keeps up to date. All of
 * it is Markdown built from the plan and the status only, so workflow code can produce it.
 */

/** One line: which plan, on which network, what kind of run, at which target. */
export function runSummary(plan: Plan): string {
  return `regenesis ${plan.name} · ${plan.network} · ${plan.kind} · ${targetOf(plan)}`;
}

/** The plan in a few Markdown lines: what is exported, where it freezes, how it launches. */
export function runDetails(plan: Plan): string {
  const chains = (['C', 'P', 'X', 'Q'] as const).filter((c) => plan.chains[c] !== undefined);
  const launch = plan.launch
    ? `launch by the **${plan.launch.operator.kind}** operator after ${plan.launch.approvals.required} approval(s) and ratification by ≥ 2/3 of the stake`
    : 'a **proposal**: no launch (ends after the report)';
  return [
    `**Plan** ${plan.name} (${plan.kind}) on network **${plan.network}**`,
    `- chains: ${chains.join(', ')}; C-Chain partitions: ${plan.chains.C.partitions}`,
    `- freeze: ${targetOf(plan)}`,
    `- new genesis: chain ID ${plan.genesis.chainId}${plan.genesis.primary ? `, primary network ${plan.genesis.primary.networkId} (${plan.genesis.primary.dialect})` : ''}`,
    `- rehearsal: ${plan.rehearsal.enabled ? 'yes' : 'no'}`,
    `- ${launch}`,
  ].join('\n');
}

/** The checklist, what the run waits for, and the pending human step with its command. */
export function currentDetails(workflowId: string, status: RegenesisStatus): string {
  const { marks, rollback } = checklistOf(status);
  const lines = [`**Phase: ${status.phase}**`, '', ...marks.map((m) => `${m.mark} ${m.mark === '▶' ? `**${m.phase}**` : m.phase}  `)];
  if (rollback) lines.push(`${rollback.mark} **${rollback.phase}**${status.abortReason ? `: ${status.abortReason}` : ''}  `);
  lines.push('');
  if (status.phase === 'wait-epoch' && status.epoch?.target != null) {
    lines.push(
      `Waiting for epoch ${status.epoch.target} to seal (current ${status.epoch.current ?? '?'}${status.epoch.sealsAfter ? `, seals after ${status.epoch.sealsAfter}` : ''}).`,
    );
  }
  const c = status.chains.C;
  if (c && status.phase === 'export') lines.push(`Export C: ${c.partitionsDone} of ${c.partitionsTotal} partitions, ${c.accountsExported} accounts.`);
  if (status.finalStage) lines.push(...finalStageLines(status.finalStage));
  if (status.waitingFor) lines.push(`Waiting for ${status.waitingFor}.`);
  if (status.genesisSha256) lines.push(`Genesis sha256: \`${status.genesisSha256}\``);
  if (status.reviewPage) lines.push(`Review page: \`${status.reviewPage}\``);
  if (status.launchReadiness) lines.push('', ...readinessLines(status.launchReadiness).map((l, i) => (i === 0 ? `**${l}**` : l)));
  const step = nextStep(workflowId, status);
  if (step) lines.push('', `**Your step:** ${step.what}`, ...step.commands.map((command) => `\`${command}\`  `));
  return lines.join('\n').trimEnd();
}

/**
 * The launch's readiness in plain lines (status, watch, Web UI): what the rehearsal node needed,
 * the hosts' memory for the new node, and each warning. The first line is the heading.
 */
export function readinessLines(r: LaunchReadiness): string[] {
  const peakBytes = r.rehearsal.peakResidentBytes;
  const peak = peakBytes === undefined ? '' : `, peak memory ${gib(peakBytes)}`;
  const hosts = r.hosts
    .map((h) => `${h.nodeId} ${gib(h.forNewNodeBytes)} of ${gib(h.totalBytes)}${h.limitBytes === undefined ? '' : ` (cgroup limit ${gib(h.limitBytes)})`}`)
    .join(', ');
  // Nothing to hold a host's memory against, or no host that said: the memory check did not run.
  const unjudged = peakBytes === undefined ? 'no peak memory measured on the worker' : r.hosts.length === 0 ? 'no agent reported its host memory' : undefined;
  const none = unjudged ? `no warnings; memory not judged (${unjudged})` : 'no warnings';
  return [
    r.warnings.length > 0 ? `Launch readiness: ${r.warnings.length} warning(s) to weigh before approving` : `Launch readiness: ${none}`,
    `- rehearsal node: served this genesis ${r.rehearsal.startSeconds}s after it started${peak}; health timeout ${r.healthTimeoutSeconds}s`,
    ...(hosts ? [`- memory for the new node once the old halts: ${hosts}`] : []),
    ...r.warnings.map((w) => `- ⚠ ${w}`),
  ];
}

/** Where the old network stopped, what changed since stage 1, and the downtime so far (two-stage runs). */
export function finalStageLines(stage: FinalStageStatus): string[] {
  const lines = [`Halted at ${stage.haltedAt}.`];
  const h = stage.heads;
  if (h) lines.push(`Old network's last accepted blocks: C ${h.c.height} (\`${h.c.hash}\`), P ${h.p}${h.x === undefined ? '' : `, X ${h.x}`}.`);
  const d = stage.delta;
  if (d) {
    const limits = d.withinLimits ? 'within the approved delta limits' : '**beyond the approved delta limits: the final genesis needs approval**';
    lines.push(
      `Since stage 1 (C ${d.fromHeight} → ${d.toHeight}): ${d.accountsChanged} accounts changed${d.validatorSetChanged ? ', validator set changed' : ''}; ${limits}.`,
    );
  }
  if (stage.downtimeSeconds !== undefined) {
    const parts = (stage.downtimeParts ?? []).map((p) => `${p.phase} ${p.seconds}s`).join(', ');
    lines.push(`Downtime: ${stage.downtimeSeconds}s, first halt to the new network's first block${parts ? ` (${parts})` : ''}.`);
  }
  return lines;
}

function targetOf(plan: Plan): string {
  if ('height' in plan.target) return `block ${plan.target.height}`;
  return `epoch ${plan.target.epoch} (${plan.epoch.source}, ${plan.epoch.durationSeconds}s epochs)`;
}

/** The static user metadata of a run, given when it is started (CLI, schedule, demos). */
export function startMetadata(plan: Plan): { staticSummary: string; staticDetails: string } {
  return { staticSummary: runSummary(plan), staticDetails: runDetails(plan) };
}
