import { readFile, writeFile } from 'node:fs/promises';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { approvalMessage, approverPublicKey, APPROVER_SCHEMES, newApproverSecret, signApproval, type ApproverScheme } from '../keys/approverKey.js';
import type { Command } from 'commander';
import { connectClient } from '../client.js';
import { publicKeyFromSecret } from '../keys/bls.js';
import { readSignerKey, signRatification } from '../keys/signerKey.js';
import { DIALECTS, type DialectName } from '../network/dialectName.js';
import { abortSignal, approveUpdate, confirmStepUpdate, ratifyUpdate, registerValidatorUpdate, rollbackUpdate, statusQuery } from '../../workflows/messages.js';
import type { ManualStep } from '../contract/run.js';
import { stakeWeightSchema } from '../plan/index.js';

/** Exit code of a command the run refused (stale hash, unknown approver, after commit, …). */
export const REFUSED = 1;

/**
 * The human steps of a run, one command each. Each sends one message, prints what the run answered,
 * and on refusal prints the run's reason and exits with REFUSED; nothing is retried behind the
 * operator's back. `sign` is offline: the BLS key is read on this machine and never sent anywhere.
 */
export function addControlCommands(program: Command): void {
  program
    .command('approve')
    .description("approve the genesis of a run: the sha256 you reviewed must be the run's (a stale hash is refused)")
    .argument('<workflowId>')
    .requiredOption('--approver <name>', 'who approves (must be among plan.launch.approvals.approvers when the plan lists them)')
    .requiredOption('--genesis-sha256 <hex>', 'the sha256 of the genesis you reviewed (reports/review.html and `regenesis status` show it)')
    .option('--key-file <file>', "the approver's secret key file (from `regenesis approver-key`): signs this run and this genesis; the key stays here")
    .action((id: string, o: { approver: string; genesisSha256: string; keyFile?: string }) =>
      send(id, async (client) => {
        const handle = client.workflow.getHandle(id);
        const signature = o.keyFile ? await signApprovalFor(handle, id, o.genesisSha256, o.keyFile) : undefined;
        const approval = { approver: o.approver, genesisSha256: o.genesisSha256, ...(signature ? { signature } : {}) };
        const r = await handle.executeUpdate(approveUpdate, { args: [approval] });
        return `approved by ${o.approver}: ${r.approvals} of ${r.required} approvals`;
      }),
    );

  program
    .command('approver-key')
    .description("offline: make an approver's key pair; the secret goes to --out (mode 0600), the public key to the plan")
    .requiredOption('--out <file>', 'where to write the secret key (refused if it exists)')
    .option('--scheme <scheme>', `${APPROVER_SCHEMES.join(' or ')}`, 'ed25519')
    .action(async (o: { out: string; scheme: string }) => {
      if (!(APPROVER_SCHEMES as readonly string[]).includes(o.scheme)) throw new Error(`--scheme: ${o.scheme} is not one of ${APPROVER_SCHEMES.join(', ')}`);
      const secret = newApproverSecret(o.scheme as ApproverScheme);
      await writeFile(o.out, `${secret}\n`, { mode: 0o600, flag: 'wx' });
      console.log(approverPublicKey(secret));
    });

  program
    .command('confirm')
    .description('confirm a manual operator step the run is waiting for (see `regenesis status`)')
    .argument('<workflowId>')
    .requiredOption('--step <step>', 'the pending step, e.g. halt-old-network')
    .requiredOption('--operator <name>', 'who did it')
    .action((id: string, o: { step: ManualStep; operator: string }) =>
      send(id, async (client) => {
        const r = await client.workflow.getHandle(id).executeUpdate(confirmStepUpdate, { args: [{ step: o.step, operator: o.operator }] });
        return `confirmed ${r.confirmed} (by ${o.operator})`;
      }),
    );

  program
    .command('abort')
    .description('stop a run before its commit point: what it did is undone, the old network is resumed')
    .argument('<workflowId>')
    .requiredOption('--reason <text>', 'why (shown in the result)')
    .action((id: string, o: { reason: string }) =>
      send(id, async (client) => {
        const handle = client.workflow.getHandle(id);
        const { status } = await handle.describe();
        if (status.name !== 'RUNNING') throw new Refusal(`the run is ${status.name}: there is nothing to abort`);
        await handle.signal(abortSignal, o.reason);
        return `abort sent: the run rolls back (unless it has passed its commit point); follow it with \`regenesis watch ${id}\``;
      }),
    );

  program
    .command('rollback')
    .description('roll a run back before its commit point; refused after it (the new network is live)')
    .argument('<workflowId>')
    .requiredOption('--reason <text>', 'why (shown in the result)')
    .action((id: string, o: { reason: string }) =>
      send(id, async (client) => {
        await client.workflow.getHandle(id).executeUpdate(rollbackUpdate, { args: [o.reason] });
        return `rollback accepted: the run undoes its steps in reverse; follow it with \`regenesis watch ${id}\``;
      }),
    );

  program
    .command('register-validator')
    .description('add a validator to the new network of a manual-operator run (public keys only)')
    .argument('<workflowId>')
    .requiredOption('--node-id <NodeID>', 'NodeID-…')
    .requiredOption('--bls-public-key <hex>', '48-byte compressed G1 public key, 0x hex')
    .requiredOption('--proof-of-possession <hex>', '96-byte proof of possession, 0x hex')
    .requiredOption('--weight <n>', 'stake weight in nAVAX/wei, a decimal integer (exact at any size)')
    .option('--certificate <file>', 'PEM staking certificate: the NodeID must be derived from it')
    .action((id: string, o: { nodeId: string; blsPublicKey: string; proofOfPossession: string; weight: string; certificate?: string }) => {
      const weight = weightOption(o.weight);
      return send(id, async (client) => {
        const certificatePem = o.certificate ? await readFile(o.certificate, 'utf8') : undefined;
        const registration = {
          nodeId: o.nodeId,
          blsPublicKey: o.blsPublicKey,
          proofOfPossession: o.proofOfPossession,
          weight,
          ...(certificatePem ? { certificatePem } : {}),
        };
        const r = await client.workflow.getHandle(id).executeUpdate(registerValidatorUpdate, { args: [registration] });
        return `registered ${o.nodeId} (weight ${weight}): ${r.validators} validators`;
      });
    });

  program
    .command('sign')
    .description("offline: ratify a genesis for one network with a validator's BLS signer key file and print the signature (the key never leaves this machine)")
    .requiredOption('--genesis-sha256 <hex>', 'the genesis sha256 to ratify')
    .requiredOption(
      '--network-id <id>',
      "the new network's ID, the genesis's networkID (the plan's genesis.primary.networkId, else its genesis.chainId): the signature counts for that network only",
    )
    .requiredOption('--signer-key-file <file>', "the validator's BLS signer key (32 raw bytes, staking/signer.key)")
    .option('--dialect <dialect>', `signature domain: ${DIALECTS.join(' or ')}`, 'avalanchego')
    .action(async (o: { genesisSha256: string; networkId: string; signerKeyFile: string; dialect: string }) => {
      if (!(DIALECTS as readonly string[]).includes(o.dialect)) throw new Error(`--dialect: ${o.dialect} is not one of ${DIALECTS.join(', ')}`);
      const subject = { networkId: networkIdOption(o.networkId), genesisSha256: o.genesisSha256.replace(/^0x/, '').toLowerCase() };
      const secret = await readSignerKey(o.signerKeyFile, '--signer-key-file');
      const signature = signRatification(secret, subject, o.dialect as DialectName);
      console.error(`ratified genesis ${subject.genesisSha256} for network ${subject.networkId} with BLS key ${publicKeyFromSecret(secret)} (${o.dialect})`);
      console.log(signature);
    });

  program
    .command('ratify')
    .description("send a validator's ratification of the run's genesis (from `regenesis sign`) to a run")
    .argument('<workflowId>')
    .requiredOption('--node-id <NodeID>', 'the validator that signed')
    .requiredOption('--signature <hex>', '96-byte BLS signature, 0x hex')
    .action((id: string, o: { nodeId: string; signature: string }) =>
      send(id, async (client) => {
        const r = await client.workflow.getHandle(id).executeUpdate(ratifyUpdate, { args: [{ nodeId: o.nodeId, signature: o.signature }] });
        return `ratified by ${o.nodeId}: ${r.signedWeight} of ${r.totalWeight} stake signed`;
      }),
    );
}

/** --network-id as the integer the ratification message carries (uint32); refused here, naming the option. */
function networkIdOption(text: string): number {
  const id = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(id) || id < 1 || id > 0xffff_ffff) throw new Error(`--network-id: ${text} is not a network ID (an integer from 1 to 2^32-1)`);
  return id;
}

/** --weight as the decimal string a run takes (sent as a string, never through a JS number); refused here, naming the option. */
function weightOption(text: string): string {
  const parsed = stakeWeightSchema.safeParse(text);
  if (!parsed.success) throw new Error(`--weight: ${parsed.error.issues[0]?.message ?? 'not a stake weight'}`);
  return parsed.data;
}

/** The approver's signature over this run (workflow ID and run key, read from the run) and this genesis. */
async function signApprovalFor(handle: WorkflowHandle, workflowId: string, genesisSha256: string, keyFile: string): Promise<string> {
  const secret = (await readFile(keyFile, 'utf8')).trim();
  const { runKey } = await handle.query(statusQuery);
  if (!runKey) throw new Refusal('the run has no run key yet: try again in a moment');
  return signApproval(secret, approvalMessage({ workflowId, runKey, genesisSha256 }), `--key-file ${keyFile}`);
}

/** A refusal decided on this side (e.g. the run is closed), reported like the run's own refusals. */
class Refusal extends Error {}

async function send(workflowId: string, act: (client: Client) => Promise<string>): Promise<void> {
  const client = await connectClient();
  try {
    console.log(await act(client));
  } catch (err) {
    const reason = refusalOf(err);
    if (reason === undefined) throw err;
    console.error(`refused by ${workflowId}: ${reason}`);
    process.exitCode = REFUSED;
  } finally {
    await client.connection.close();
  }
}

/** The run's reason for refusing a message, or undefined when the error is not a refusal. */
function refusalOf(err: unknown): string | undefined {
  if (err instanceof Refusal) return err.message;
  if (err instanceof WorkflowNotFoundError) return 'no such run (or it has closed)';
  if (err instanceof WorkflowUpdateFailedError) {
    // The update's validator or handler threw: its message is the reason, one or two causes down.
    let cause: unknown = err.cause ?? err;
    while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
    return cause instanceof Error ? cause.message : err.message;
  }
  return undefined;
}
