import type { AgentIdentity } from '../agent/identity.js';
import type { RehearsalNodeCost } from '../manifests.js';

/**
 * Will the new validators start on this genesis? Before the approval, the rehearsal node has just
 * built the same state a new validator will build at launch (its start time and peak memory, on the
 * worker's host), and each validator host's agent said at preflight how much memory the host has
 * and how much its old node holds. A host that cannot hold the new node, or a start slower than the
 * health timeout allows, fails the launch only after the old network has halted: the run then rolls
 * back, and the network was down for nothing. Approvers see it beforehand, as warnings.
 *
 * Warnings, not refusals: the rehearsal ran on another host, beside other work, and one node's peak
 * varies between two starts of one genesis (two 100k-account starts peaked 16% apart,
 * `npm run bench -- --only nodestart`). The figures decide nothing; approvers do.
 *
 * Each host is judged alone: agents on one machine (a test rig) each count that machine's memory.
 */

/** One validator host at preflight: what a new node can have there once the old one halts. */
export interface HostReadiness {
  nodeId: string;
  totalBytes: number;
  availableBytes: number;
  /** The old node's resident memory, given back when it halts (0 when the agent found none or did not say). */
  oldNodeBytes: number;
  /** The agent's control-group memory limit, which the new node it starts inherits, when it has one. */
  limitBytes?: number;
  /** availableBytes + oldNodeBytes, or the limit when that is lower. */
  forNewNodeBytes: number;
}

export interface LaunchReadiness {
  /** The rehearsal node's start on this genesis, on the worker's host. */
  rehearsal: RehearsalNodeCost;
  /** How long the new network has to bootstrap (plan.launch.operator.healthTimeoutSeconds). */
  healthTimeoutSeconds: number;
  /** The hosts whose agents reported their memory (older agents do not), in the agents' order. */
  hosts: HostReadiness[];
  /** What approvers should weigh before approving, in words; empty when nothing stands out. */
  warnings: string[];
}

/** A host with less than this many times the rehearsal node's peak for the new node is flagged. */
export const MEMORY_HEADROOM = 1.25;
/** A rehearsal start longer than this share of the health timeout is flagged. */
export const START_SHARE_OF_HEALTH_TIMEOUT = 0.5;

/** Bytes as GiB with one decimal, as the warnings and the status print them. */
export const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/** The readiness of a launch from the rehearsal's node and the agents' preflight answers. */
export function launchReadiness(input: { rehearsal: RehearsalNodeCost; agents: readonly AgentIdentity[]; healthTimeoutSeconds: number }): LaunchReadiness {
  const { rehearsal, healthTimeoutSeconds } = input;
  const hosts = input.agents.flatMap((agent) => (agent.memory ? [hostReadiness(agent, agent.memory)] : []));
  const warnings = [...startWarnings(rehearsal, healthTimeoutSeconds), ...hosts.flatMap((host) => memoryWarnings(host, rehearsal))];
  return { rehearsal, healthTimeoutSeconds, hosts, warnings };
}

function hostReadiness(agent: AgentIdentity, memory: NonNullable<AgentIdentity['memory']>): HostReadiness {
  const oldNodeBytes = agent.node?.running ? (agent.node.residentBytes ?? 0) : 0;
  const free = memory.availableBytes + oldNodeBytes;
  return {
    nodeId: agent.nodeId,
    totalBytes: memory.totalBytes,
    availableBytes: memory.availableBytes,
    oldNodeBytes,
    ...(memory.limitBytes === undefined ? {} : { limitBytes: memory.limitBytes }),
    forNewNodeBytes: Math.min(free, memory.limitBytes ?? free),
  };
}

/** A start that would use more than its share of the health timeout on a host like the worker's. */
function startWarnings({ startSeconds }: RehearsalNodeCost, healthTimeoutSeconds: number): string[] {
  if (startSeconds <= healthTimeoutSeconds * START_SHARE_OF_HEALTH_TIMEOUT) return [];
  const verdict =
    startSeconds >= healthTimeoutSeconds
      ? 'a validator host no faster than the worker would not be healthy in time'
      : 'a validator host no faster than the worker has less than twice the time it needs';
  return [
    `the rehearsal node took ${startSeconds}s to build this genesis and serve it, and the new validators get ${healthTimeoutSeconds}s ` +
      `(plan.launch.operator.healthTimeoutSeconds): ${verdict}; a launch that times out rolls back after the old network has halted`,
  ];
}

/** A host whose memory, once its old node halts, is short of the rehearsal node's peak with headroom. */
function memoryWarnings(host: HostReadiness, { peakResidentBytes }: RehearsalNodeCost): string[] {
  if (peakResidentBytes === undefined || host.forNewNodeBytes >= peakResidentBytes * MEMORY_HEADROOM) return [];
  const free = `${gib(host.availableBytes)} available at preflight + ${gib(host.oldNodeBytes)} its old node frees when halted`;
  const why = host.limitBytes === host.forNewNodeBytes ? `its agent's memory limit (cgroup), below the ${free}` : free;
  return [
    `validator ${host.nodeId}: its host has ${gib(host.forNewNodeBytes)} for the new node (${why}), and the rehearsal node peaked at ` +
      `${gib(peakResidentBytes)} building this genesis: less than ${MEMORY_HEADROOM}× that, the new node may run out of memory at launch`,
  ];
}
