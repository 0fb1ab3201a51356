/**
 * Every `patched()` marker of the regenesis workflow, in one list: what each protects and when it
 * can go. A marker keeps a run started before the change on its old path when it replays, so it
 * stays while such a run may still be open (a run waits at most `plan.launch.approvalTimeout` for
 * its approvals, a few days at most in practice) or while a recorded history in
 * test/fixtures/histories predates it. Removing one means `deprecatePatch(id)` first, for one
 * release, then deleting the branch.
 *
 * test/unit/patches.test.ts keeps this list and the workflow code in step.
 */
export interface Patch {
  /** The marker written into a run's history; never renamed. */
  id: string;
  /** What a run that passes the marker does that an older run did not. */
  protects: string;
  /** The day the marker was added (YYYY-MM-DD). */
  since: string;
}

export const PATCHES = {
  runKeyRandomTail: {
    id: 'run-key-random-tail',
    protects: 'run keys take the run ID\u2019s random tail, so two runs of one plan started in the same minute never share an artifact directory',
    since: '2026-11-21',
  },
  signedApprovals: {
    id: 'signed-approvals',
    protects: 'a launch plan without approver public keys is refused: approvals are signatures over the workflow ID, run key and genesis hash',
    since: '2026-12-01',
  },
  exactStake: {
    id: 'exact-stake',
    protects: 'ratification weighs stake as bigints instead of summing JS numbers',
    since: '2026-12-01',
  },
  supplyGap: {
    id: 'supply-gap',
    protects: 'the verify step checks the P/X supply gap against plan.chains.P.maxSupplyGap',
    since: '2026-12-01',
  },
  sagaAttemptsEveryCompensation: {
    id: 'saga-attempts-every-compensation',
    protects:
      'a rollback attempts every compensation even when an earlier one failed, so a new node that will not stop cannot keep the old network from resuming',
    since: '2026-12-01',
  },
  freezeIsHalt: {
    id: 'freeze-is-halt',
    protects: 'agents launches run the final stage: halt, delta export and final genesis after the approval, so nothing accepted before the halt is lost',
    since: '2026-12-07',
  },
  agentsCheckBeforeSigning: {
    id: 'agents-check-before-signing',
    protects: 'agents stage the genesis and check it against their own nodes before they sign it',
    since: '2026-12-07',
  },
  sagaKeepsArtifactsUnlessRestored: {
    id: 'saga-keeps-artifacts-unless-restored',
    protects: 'a rollback that could not resume every old node keeps the export, the only way forward left',
    since: '2026-12-07',
  },
  retireOldNetwork: {
    id: 'retire-old-network',
    protects: 'after the commit point every halted old validator is retired by its agent and never resumed',
    since: '2026-12-07',
  },
  sagaDiscardsLast: {
    id: 'saga-discards-last',
    protects: 'a rollback discards artifacts only after every restoring compensation, so the final stage\u2019s export outlives a resume that fails',
    since: '2026-12-07',
  },
  resumeReportsChangedData: {
    id: 'resume-reports-changed-data',
    protects: 'a rollback that restarts an old node whose data directory changed while it was halted ends incomplete, naming the node',
    since: '2026-12-07',
  },
  haltHeldAtCommit: {
    id: 'halt-held-at-commit',
    protects:
      'a two-stage run reads the old network\u2019s heads once more right before the commit point and rolls back if they moved since the halt was proven',
    since: '2026-12-07',
  },
  agentsFindTheirNodes: {
    id: 'agents-find-their-nodes',
    protects: 'preflight refuses an agent that cannot find its running node, or whose node is another validator',
    since: '2026-12-07',
  },
  beaconsEveryStaker: {
    id: 'beacons-every-staker',
    protects:
      'every new node starts at once with every other staker as its bootstrapper (their addresses as the agents reported them at the halt), so no single staker\u2019s host holds up the launch',
    since: '2026-12-07',
  },
  emergencyHaltApprovals: {
    id: 'emergency-halt-approvals',
    protects: 'an emergency run whose agents halt only for approved runs waits for signed approvals of the halt before halting',
    since: '2026-12-07',
  },
} as const satisfies Record<string, Patch>;
