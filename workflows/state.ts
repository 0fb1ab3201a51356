import { CancellationScope, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { AgentIdentity } from '../src/agent/identity.js';
import type { Approval, ManualStep, Phase, Ratification, RegenesisStatus, StepConfirmation, ValidatorRegistration } from '../src/contract/run.js';
import type { DialectName } from '../src/network/dialectName.js';
import { StakeTally } from '../src/launch/stakeTally.js';
import { approverKeys, ratificationNetworkId, runDialect, stakeOf, validatorKeysSchema, type ApproverKey, type Plan } from '../src/plan/index.js';
import { currentDetails } from '../src/view/details.js';
import { searchAttributes } from './messages.js';
import { Saga } from './saga.js';

/** A declared validator of the new network (manual and local operators). */
export interface DeclaredValidator {
  nodeId: string;
  blsPublicKey: string;
  /** nAVAX/wei, exact: mainnet's stake is far above what a JS number holds exactly. */
  weight: bigint;
}

/**
 * The state of one run: what it shows (status), what humans sent it (approvals, validators,
 * signatures, confirmed steps), its compensations and its cancellation scope. The message handlers
 * check and record through this class only, so every rule about what a message may do is here,
 * next to the data it guards; the steps of the run read the same object.
 */
export class RegenesisRun {
  readonly status: RegenesisStatus;
  readonly saga = new Saga();
  readonly scope = new CancellationScope();
  readonly approvers: string[] = [];
  /** The approvals as sent (signatures included): what a validator host that checks them is shown before it halts. */
  readonly approvals: Approval[] = [];
  /** An emergency run's approvals of its halt (approvals.ts), kept apart from the genesis approvals that follow. */
  readonly haltApprovals: Approval[] = [];
  readonly validators: DeclaredValidator[];
  readonly signatures = new Map<string, string>();
  readonly confirmedSteps = new Set<ManualStep>();
  /**
   * An emergency run whose agents halted the validators before the export: the agents as they
   * identified themselves, and the P-Chain height the halted network stopped at (the P/X pin).
   */
  haltedByAgents?: { agents: AgentIdentity[]; pChainHeight: number };
  /** The old validators this run halted through their agents: the ones it retires after its commit point. */
  readonly haltedNodeIds = new Set<string>();
  /**
   * Where each halted validator's peers reached it, as its agent reported at the halt (its public
   * address, whatever it was bound to): the new node listens there too, with the same flags, so
   * these are the new network's bootstrappers. Agents that predate the report leave it out.
   */
  readonly peerAddresses = new Map<string, string>();
  /**
   * The node family whose BLS rules every key of this run is checked under (registrations,
   * ratification signatures, their aggregate) and that its validators sign under: fixed by the
   * plan, so it is the same from the first registration to the launch.
   */
  readonly dialect: DialectName;
  /**
   * The freeze is the halt: after approval the old network is halted, where it stopped is proven,
   * and the state there (stage 1 plus what changed) is what launches. Fixed by the plan once.
   */
  readonly twoStage: boolean;

  constructor(
    readonly plan: Plan,
    readonly runKey: string,
    /** Approvals are signatures checked against the plan's approver keys (runs started before that take names). */
    readonly signedApprovals = false,
    /** Ratification weighs stake exactly (runs started before that compared sums of JS numbers, and replay as they decided). */
    readonly exactStake = true,
    /** The run may have two stages (runs started before the freeze was the halt launch the stage-1 state, and replay so). */
    freezeIsHalt = false,
  ) {
    this.dialect = runDialect(plan);
    this.twoStage = freezeIsHalt && twoStageOf(plan);
    this.status = {
      phase: 'validate',
      runKey,
      checklist: plannedPhases(plan, this.twoStage),
      entered: ['validate'],
      enteredAt: [new Date(Date.now()).toISOString()],
      chains: {},
      artifacts: [],
      stepsDone: [],
      committed: false,
    };
    this.validators = (plan.launch?.validators ?? []).map((v) => ({ nodeId: v.nodeId, blsPublicKey: v.blsPublicKey, weight: stakeOf(v.weight) }));
    upsertSearchAttributes([
      { key: searchAttributes.network, value: plan.network },
      { key: searchAttributes.kind, value: plan.kind },
      { key: searchAttributes.phase, value: this.status.phase },
    ]);
  }

  enter(phase: Phase): void {
    this.status.phase = phase;
    this.status.entered?.push(phase);
    this.status.enteredAt?.push(new Date(Date.now()).toISOString());
    upsertSearchAttributes([{ key: searchAttributes.phase, value: phase }]);
    this.publish();
  }

  /**
   * Shows the status in the Web UI as the run's current details (checklist, what it waits for, the
   * pending human step and its command). Called whenever the status changes in a way a human
   * reads; it records nothing in history, so it can be called as often as needed.
   */
  publish(): void {
    setCurrentDetails(currentDetails(workflowInfo().workflowId, this.status));
  }

  nowSeconds(): number {
    return Math.floor(Date.now() / 1000);
  }

  /** The commit point: from here the new network is the network; nothing is undone any more. */
  commit(): void {
    this.saga.commit();
    this.status.committed = true;
    this.enter('committed');
  }

  /** Cancels the steps in flight; the rollback branch then says `reason`. */
  stop(reason: string): void {
    this.status.abortReason = reason;
    this.publish();
    this.scope.cancel();
  }

  checkRollback(reason: string): void {
    if (this.status.committed) throw new Error('rollback refused: the run has passed its commit point and the new network is live');
    if (typeof reason !== 'string' || reason.trim() === '') throw new Error('rollback needs a reason');
  }

  checkApproval(approval: Approval): void {
    const { plan, status } = this;
    if (!plan.launch) throw new Error('this run is a proposal without a launch section: there is nothing to approve');
    if (!status.genesisSha256) throw new Error('no genesis to approve yet: wait for the genesis phase');
    if (status.committed) throw new Error('the run has passed its commit point');
    if (!approval || typeof approval.approver !== 'string' || approval.approver.trim() === '') throw new Error('approver: required');
    if (approval.genesisSha256 !== status.genesisSha256) {
      throw new Error(`genesisSha256: stale or wrong hash ${String(approval.genesisSha256)}; the genesis of this run is ${status.genesisSha256}`);
    }
    const allowed = plan.launch.approvals.approvers?.map((a) => (typeof a === 'string' ? a : a.name));
    if (allowed && !allowed.includes(approval.approver)) throw new Error(`approver: ${approval.approver} is not allowed to approve this run`);
    if (this.approvers.includes(approval.approver)) throw new Error(`approver: ${approval.approver} has already approved`);
    if (this.signedApprovals && (typeof approval.signature !== 'string' || !/^0x[0-9a-fA-F]{128}$/.test(approval.signature))) {
      throw new Error('signature: an approval is signed (64-byte 0x hex): make it with `regenesis approve --key-file`');
    }
  }

  /** The key an approver's signature must verify under (signed approvals only). */
  approverKeyOf(name: string): ApproverKey {
    const key = approverKeys(this.plan).find((k) => k.name === name);
    if (!key) throw new Error(`approver: ${name} has no public key in the plan`);
    return key;
  }

  approve(approval: Approval): { approvals: number; required: number } {
    // Checked again: two approvals by one approver can be verified side by side.
    if (this.approvers.includes(approval.approver)) throw new Error(`approver: ${approval.approver} has already approved`);
    this.approvers.push(approval.approver);
    this.approvals.push(approval);
    this.publish();
    return { approvals: this.approvers.length, required: this.plan.launch?.approvals.required ?? 0 };
  }

  checkRegistration(registration: ValidatorRegistration): void {
    const { plan, status } = this;
    if (!plan.launch) throw new Error('this run has no launch section: validators cannot register');
    if (plan.launch.operator.kind === 'agents') {
      throw new Error('the validator set of this run is the genesis stakers, ratified by their agents: registerValidator cannot add to it');
    }
    if (['ratify', 'migrate-validators', 'launch', 'post-verify', 'committed'].includes(status.phase)) {
      throw new Error('the validator set is frozen: ratification has started');
    }
    const parsed = validatorKeysSchema.safeParse({
      nodeId: registration?.nodeId,
      blsPublicKey: registration?.blsPublicKey,
      proofOfPossession: registration?.proofOfPossession,
      weight: registration?.weight,
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${issue?.path.join('.')}: ${issue?.message}`);
    }
    if (this.validators.some((v) => v.nodeId === registration.nodeId)) throw new Error(`nodeId: ${registration.nodeId} is already registered`);
    if (this.validators.some((v) => v.blsPublicKey.toLowerCase() === registration.blsPublicKey.toLowerCase())) {
      throw new Error('blsPublicKey: already used by another validator');
    }
  }

  register(registration: ValidatorRegistration): { validators: number } {
    // The validator checked the weight; a recorded registration of an older client carries a safe integer number.
    this.validators.push({ nodeId: registration.nodeId, blsPublicKey: registration.blsPublicKey, weight: stakeOf(registration.weight) });
    this.status.validators = this.validators.map((v) => ({ nodeId: v.nodeId, weight: v.weight.toString() }));
    this.publish();
    return { validators: this.validators.length };
  }

  checkRatification(ratification: Ratification): void {
    const { status } = this;
    if (status.phase !== 'ratify' || this.ratified()) throw new Error(`not ratifying now (phase ${status.phase})`);
    if (!this.validators.some((v) => v.nodeId === ratification?.nodeId))
      throw new Error(`nodeId: ${String(ratification?.nodeId)} is not in the new validator set`);
    if (this.signatures.has(ratification.nodeId)) throw new Error(`nodeId: ${ratification.nodeId} has already ratified`);
    if (typeof ratification.signature !== 'string' || !/^0x[0-9a-fA-F]{192}$/.test(ratification.signature)) {
      throw new Error('signature: must be a 96-byte 0x-hex BLS signature');
    }
  }

  validatorOf(nodeId: string): DeclaredValidator {
    const validator = this.validators.find((v) => v.nodeId === nodeId);
    if (!validator) throw new Error(`nodeId: ${nodeId} is not in the new validator set`);
    return validator;
  }

  recordSignature(ratification: Ratification): { signedWeight: string; totalWeight: string } {
    this.signatures.set(ratification.nodeId, ratification.signature);
    this.refreshRatification();
    return { signedWeight: this.signedWeight().toString(), totalWeight: this.totalWeight().toString() };
  }

  checkConfirmation(confirmation: StepConfirmation): void {
    const pending = this.status.pendingStep?.step;
    if (pending !== confirmation?.step) throw new Error(`step: ${String(confirmation?.step)} is not the pending step (${pending ?? 'none'})`);
    if (typeof confirmation.operator !== 'string' || confirmation.operator.trim() === '') throw new Error('operator: required');
  }

  confirm(confirmation: StepConfirmation): { confirmed: ManualStep } {
    this.confirmedSteps.add(confirmation.step);
    this.publish();
    return { confirmed: confirmation.step };
  }

  signedWeight(): bigint {
    return this.tally().signed(this.signedNodeIds());
  }

  totalWeight(): bigint {
    return this.tally().total();
  }

  /** The declared validators weighed by ratification's one rule (src/launch/stakeTally.ts). */
  private tally(): StakeTally {
    return new StakeTally(this.validators);
  }

  private signedNodeIds(): Set<string> {
    return new Set(this.signatures.keys());
  }

  /** Two thirds of the new stake, exactly. */
  ratified(): boolean {
    if (!this.exactStake) return this.ratifiedAsNumbers();
    return this.tally().reached(this.signedNodeIds());
  }

  /**
   * The rule of runs started before stakes were exact: sums of JS numbers, which round above 2^53.
   * Such a run replays the decisions it made, so it keeps deciding as it did.
   */
  private ratifiedAsNumbers(): boolean {
    const sum = (validators: DeclaredValidator[]) => validators.reduce((total, v) => total + Number(v.weight), 0);
    const total = sum(this.validators);
    return total > 0 && sum(this.validators.filter((v) => this.signatures.has(v.nodeId))) * 3 >= total * 2;
  }

  /** Publishes ratification progress in the status query (on entry, with a deadline, and on every signature). */
  refreshRatification(timeoutSeconds?: number): void {
    const deadline = timeoutSeconds === undefined ? this.status.ratification?.deadline : this.deadline(timeoutSeconds);
    this.status.ratification = this.tally().status(this.signedNodeIds(), {
      dialect: this.dialect,
      networkId: ratificationNetworkId(this.plan),
      ...(deadline ? { deadline } : {}),
    });
    this.publish();
  }

  /** An ISO time `seconds` from now, for the deadlines the status shows. */
  deadline(seconds: number): string {
    return new Date((this.nowSeconds() + seconds) * 1000).toISOString();
  }
}

/** An agents launch of a planned run with `stages: 2`; an emergency run is already halted at its export. */
function twoStageOf(plan: Plan): boolean {
  const op = plan.launch?.operator;
  return op?.kind === 'agents' && op.stages === 2 && plan.kind !== 'emergency';
}

/** The phases a run of this plan passes through when all goes well: what `watch` and the Web UI show as its checklist. */
function plannedPhases(plan: Plan, twoStage: boolean): Phase[] {
  return [
    'validate',
    'preflight',
    'wait-epoch',
    'export',
    'genesis',
    'verify',
    ...(plan.rehearsal.enabled ? (['rehearse'] as const) : []),
    'report',
    ...(plan.launch ? launchPhases(twoStage) : []),
    'completed',
  ];
}

/** The launch phases, in order: a two-stage run halts and finalises the genesis before it is ratified. */
function launchPhases(twoStage: boolean): Phase[] {
  if (!twoStage) return ['approve', 'ratify', 'migrate-validators', 'launch', 'post-verify', 'committed'];
  return ['approve', 'halt', 'final-heads', 'delta-export', 'final-genesis', 'final-verify', 'ratify', 'launch', 'post-verify', 'committed'];
}
