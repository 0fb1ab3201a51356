import { ActivityCancellationType, type ActivityOptions } from '@temporalio/common';
import { NON_RETRYABLE } from '../src/contract/failures.js';

/**
 * Timeouts and retry policies, one per activity, kept beside the activities they govern. This file
 * holds plain data only, so workflow code can import it without pulling Node APIs into its sandbox.
 */

const transient = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  nonRetryableErrorTypes: [...NON_RETRYABLE],
};

export const policies = {
  /** Reachability and capability checks: short, and bounded so a dead node fails the plan fast. */
  preflight: { startToCloseTimeout: '1 minute', retry: { ...transient, maximumAttempts: 3 } },
  /** One read of the chain head / epoch; the durable wait loop around it does the patience. */
  chainRead: { startToCloseTimeout: '1 minute', retry: { ...transient, maximumAttempts: 10 } },
  /**
   * A key-range partition of the state export. It heartbeats its cursor after every page; a node
   * outage is retried with backoff for ~10 minutes and each retry resumes from the last cursor.
   */
  exportPartition: {
    startToCloseTimeout: '6 hours',
    // On abort the workflow waits until every partition has stopped writing before it discards them.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    heartbeatTimeout: '30 seconds',
    retry: { ...transient, maximumAttempts: 25 },
  },
  /** The P-Chain export: validators at a height and the plan's UTXOs, a few paginated reads. */
  exportChain: { startToCloseTimeout: '1 hour', heartbeatTimeout: '30 seconds', retry: { ...transient, maximumAttempts: 10 } },
  /** Genesis writing and state root: local disk and CPU only. */
  genesis: { startToCloseTimeout: '6 hours', heartbeatTimeout: '30 seconds', retry: { ...transient, maximumAttempts: 5 } },
  verify: { startToCloseTimeout: '1 hour', heartbeatTimeout: '30 seconds', retry: { ...transient, maximumAttempts: 5 } },
  rehearse: { startToCloseTimeout: '2 hours', heartbeatTimeout: '30 seconds', retry: { ...transient, maximumAttempts: 3 } },
  /** Reading a launched network back and its canary transfers: the network is down meanwhile, so minutes, not a rehearsal's hours. */
  postLaunch: { startToCloseTimeout: '30 minutes', heartbeatTimeout: '30 seconds', retry: { ...transient, maximumAttempts: 5 } },
  report: { startToCloseTimeout: '30 minutes', heartbeatTimeout: '30 seconds', retry: { ...transient, maximumAttempts: 5 } },
  /** Stopping and starting node processes: slow, and safe to repeat (every step is idempotent). */
  operator: { startToCloseTimeout: '15 minutes', heartbeatTimeout: '30 seconds', retry: { ...transient, maximumAttempts: 10 } },
  /** Pure checks of public key material and signatures. */
  keys: { startToCloseTimeout: '1 minute', retry: { ...transient, maximumAttempts: 3 } },
  /** Compensations must finish: retried long, never given up by a short budget. */
  compensation: { startToCloseTimeout: '10 minutes', retry: { ...transient, maximumAttempts: 50 } },
} satisfies Record<string, ActivityOptions>;

/**
 * Validator agents' activities, scheduled on each agent's own task queue. The workflow bounds each
 * from the plan's agent timeout (workflows/agentCalls.ts AgentBound): the whole step where it takes
 * seconds, the wait for the agent to pick it up where it may rightly take minutes. Either way an
 * agent that is not there fails the step, naming it, instead of leaving the run waiting forever.
 */
export const agentPolicies = {
  /** identify and sign: instant on a live agent. */
  ask: { startToCloseTimeout: '1 minute', retry: transient },
  /** Staging, halting: minutes at most, heartbeated, safe to repeat. */
  step: { startToCloseTimeout: '15 minutes', heartbeatTimeout: '30 seconds', retry: transient },
  /** Starting a new node: a node that cannot start fails after three tries, and the run rolls back. */
  start: { startToCloseTimeout: '5 minutes', heartbeatTimeout: '30 seconds', retry: { ...transient, maximumAttempts: 3 } },
  /** Compensations (stop new node, resume old node) must finish: retried for an hour. */
  undo: { startToCloseTimeout: '15 minutes', heartbeatTimeout: '60 seconds', scheduleToCloseTimeout: '1 hour', retry: transient },
} satisfies Record<string, ActivityOptions>;
