import { ApplicationFailure } from '@temporalio/common';

/**
 * Every way a regenesis step can fail on purpose, with whether waiting and retrying can fix it and
 * what the operator should do. The failure type is what the Web UI, the CLI and the run's result
 * show; `NON_RETRYABLE` (the activities' retry policies) is derived from this table, so a new type
 * cannot be thrown without deciding whether it is retried.
 */
export const FAILURES = {
  // The plan and its inputs.
  InvalidPlan: { retry: false, action: 'fix the plan: the message names the field and the reason' },
  InvalidValidator: { retry: false, action: 'fix the validator keys or certificate named in the message' },
  InvalidSignature: { retry: false, action: 'sign the genesis sha256 with the validator’s own BLS key (regenesis sign)' },
  CanaryKey: { retry: false, action: 'provide the canary key file (REGENESIS_CANARY_KEY_FILE) on the worker, or set transferCheck: false' },
  // The old network and its nodes.
  NodeUnreachable: { retry: false, action: 'check the node URL in the plan and that the node is up' },
  UnsupportedNode: { retry: false, action: 'export from a node that serves the needed API (geth-family with debug_accountRange, or anvil)' },
  NodeReplyInvalid: {
    retry: false,
    action:
      "the node answered with what no node of one network serves (the message quotes it): check that the plan's URL reaches that network's own avalanchego/luxd, not a proxy or a node of another network; asking again gets the same answer",
  },
  MissingPreimage: { retry: false, action: 'export from a node that keeps preimages (geth --cache.preimages)' },
  StateUnavailable: { retry: false, action: 'export from an archive node that still has the state at the freeze block' },
  RpcTransport: { retry: true, action: 'none: transient, retried with backoff' },
  // The epoch and the pinning of P/X/Q to it.
  EpochUnpinned: { retry: false, action: 'set plan.epoch.pollSeconds below the epoch duration' },
  EpochWaitTimeout: { retry: false, action: 'check the chain is producing blocks, or raise plan.epoch.maxWaitSeconds' },
  HeightMismatch: { retry: false, action: 'halt the network or run an emergency regenesis, so P/X/Q cannot move during the export' },
  HaltUnproven: {
    retry: false,
    action:
      'the old network was not proven stopped (a head moved after the halt, a validator was ahead of the API node, or a validator was not halted): it was resumed; stop the node named in the message for good or give it an agent, then start again',
  },
  HaltNotApproved: {
    retry: false,
    action:
      'a validator host requires signed approvals of the run before its node is halted (its --approver-keys-file): approve the run with keys that host lists, or, for an emergency run (which halts before any approval), halt that host by hand',
  },
  HaltNotHeld: {
    retry: false,
    action:
      "the old network came back after its halt was proven (a halted node runs again, or a head moved before the commit point): the run rolled back; turn off whatever restarts the named node (a supervisor's restart policy), then start again",
  },
  // What the run wrote.
  ArtifactStorage: { retry: false, action: 'free or fix the artifacts directory named in the message, then start again' },
  InvalidGenesis: { retry: false, action: 'fix plan.genesis.primary: the message says which value' },
  VerificationFailed: { retry: false, action: 'read the verification section of reports/regenesis.json: the export and the genesis disagree' },
  RehearsalFailed: { retry: false, action: 'read reports/rehearsal.json: a node booted from the genesis disagrees with the export' },
  GenesisMismatch: { retry: false, action: 'the staged genesis is not the approved one: check the artifact store the agent reads' },
  GenesisRejected: {
    retry: false,
    action:
      'a validator’s agent refused to sign a genesis that disagrees with its own node or keys: the message names the check and both values; rebuild the genesis from the halted network, or fix that validator’s weight, keys or node',
  },
  // Humans.
  ApprovalTimeout: { retry: false, action: 'start a new run; approvers must approve within plan.launch.approvals.timeoutSeconds' },
  RatificationIncomplete: { retry: false, action: 'start a new run; ≥ 2/3 of the stake must ratify in time' },
  RatificationFailed: { retry: false, action: 'a signature did not aggregate: check each validator’s signature' },
  StepTimeout: { retry: false, action: 'confirm manual steps within plan.launch.operator.stepTimeoutSeconds' },
  // Validator agents and the new network.
  AgentUnavailable: { retry: false, action: 'start `regenesis agent` on the validator host named in the message' },
  AgentMismatch: { retry: false, action: 'the agent on that queue is not the genesis staker: check its staking certificate and BLS key' },
  AgentStepFailed: { retry: false, action: 'read the agent’s log on the host named in the message' },
  OldNodeRetired: {
    retry: false,
    action:
      'a run passed its commit point and retired this old node: the new network is the network; restart the old node by hand only after the new network is stopped for good',
  },
  NodeNotRunning: { retry: false, action: 'the node the agent manages is not running: check the host' },
  NodeNotRestartable: {
    retry: false,
    action:
      'fix what the message names on that host (the node binary, the agent\u2019s work directory, the node\u2019s config file or inline keys), then start the run again',
  },
  NewNetworkUnhealthy: { retry: false, action: 'read the new nodes’ logs: they did not bootstrap in time (the old network was restored)' },
  PostVerifyFailed: {
    retry: false,
    action:
      'the new network disagrees with the export (the old network was restored): read the failure message (it names each mismatch) and, for a primary network, reports/post-launch.json',
  },
  CompensationIncomplete: {
    retry: false,
    action:
      'finish the rollback by hand: the message lists what did not run, by host; `regenesis resume-old-node --run-key <key>` on a host restarts the old node its agent could not',
  },
} as const satisfies Record<string, { retry: boolean; action: string }>;

export type FailureType = keyof typeof FAILURES;

/** Failure types no retry can fix: the run stops (and rolls back what it did). */
export const NON_RETRYABLE: readonly FailureType[] = (Object.keys(FAILURES) as FailureType[]).filter((type) => !FAILURES[type].retry);

/** A failure of a catalogued type; retried only if the catalogue says waiting can fix it. */
export function failure(type: FailureType, message: string, ...details: unknown[]): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: !FAILURES[type].retry, details });
}

export function isFailureType(type: string | undefined | null): type is FailureType {
  return typeof type === 'string' && Object.hasOwn(FAILURES, type);
}
