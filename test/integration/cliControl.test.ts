import { ratificationMessage } from '../../src/keys/ratificationMessage.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { fileURLToPath } from 'node:url';
import type { RegenesisStatus } from '../../src/contract/run.js';
import { startCliDev, type CliDev } from '../rigs/cliDev.js';
import { localStaker, type TestValidator } from '../helpers/validators.js';
import { approverKeyFile, approvers } from '../helpers/approvers.js';
import { untilPhase, untilStatus } from '../helpers/phases.js';

/** How long a step of a run driven through `regenesis dev` may take to show (its worker shares two cores). */
const WAIT_MS = 300_000;

const signerKeyFile = (n: number) => fileURLToPath(new URL(`../fixtures/vectors/avalanchego-v1.14.0/signer${n}.key`, import.meta.url));

/**
 * Every human step of a run, driven through the `regenesis` CLI as an operator would, against a
 * real Temporal dev server and worker (`regenesis dev`) and a real geth chain: approve, register a
 * validator, sign offline, ratify, confirm manual steps, abort, rollback, watch and status. Each
 * refusal must exit non-zero with the run's own reason.
 */
describe('regenesis CLI: the human steps of a run', () => {
  let fx: CliDev;
  let stakers: TestValidator[];
  let connection: Connection;
  let client: Client;

  beforeAll(async () => {
    stakers = [localStaker(1), localStaker(2)];
    fx = await startCliDev('cli-control');
    connection = await Connection.connect({ address: fx.env.TEMPORAL_ADDRESS! });
    client = new Client({ connection });
  });

  afterAll(async () => {
    await connection?.close();
    await fx?.stop();
  });

  const manualPlan = (file: string, name: string, chainId: number) =>
    fx.writePlan(file, name, chainId, {
      launch: { operator: { kind: 'manual', stepTimeoutSeconds: 600 }, approvals: { required: 1, approvers: approvers('alice'), timeoutSeconds: 600 } },
    });

  function status(id: string): { execution: string; status?: RegenesisStatus; nextStep?: { what: string; commands: string[] } } {
    const r = fx.cli(['status', id, '--json']);
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  }

  /** Waiting is test plumbing, not what is tested: it asks the run directly rather than through the CLI. */
  const run = (id: string) => client.workflow.getHandle(id);

  function refused(args: string[], reason: RegExp): void {
    const r = fx.cli(args);
    expect(r.status, `${args[0]} should be refused: ${r.stdout}`).toBe(1);
    expect(r.stderr).toMatch(/^refused by /);
    expect(r.stderr).toMatch(reason);
  }

  function ok(args: string[]): string {
    const r = fx.cli(args);
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim();
  }

  it('approves, registers, signs offline, ratifies and confirms a run to completion, refusing what the run refuses', async () => {
    const id = 'cli-manual-1';
    expect(ok(['start', '--plan', manualPlan('manual.json', 'cli-manual', 5151), '--id', id])).toBe(`started ${id}`);
    const watched = fx.cliAsync(['watch', id, '--interval', '0.5']);

    const atApprove = await untilStatus(run(id), 'a genesis to approve', (s) => s.phase === 'approve' && s.genesisSha256 !== undefined, WAIT_MS);
    const sha = atApprove.genesisSha256!;
    const pending = status(id).nextStep!;
    expect(pending.commands[0]).toBe(`regenesis approve ${id} --approver <your name> --genesis-sha256 ${sha} --key-file <your approver key>`);
    // The readable status: where the run is, the review page to read, the command to approve.
    const readable = ok(['status', id]);
    expect(readable).toContain('✓ report  ▶ approve  · ratify');
    expect(readable).toContain(`review page: ${atApprove.reviewPage}`);
    expect(atApprove.reviewPage).toMatch(/reports\/review\.html$/);
    expect(readable).toContain(`$ regenesis approve ${id} --approver <your name> --genesis-sha256 ${sha} --key-file <your approver key>`);

    // Validators register while approval is pending: public material only.
    const register = (s: TestValidator, weight: string) => [
      'register-validator',
      id,
      '--node-id',
      s.nodeId,
      '--bls-public-key',
      s.blsPublicKey,
      '--proof-of-possession',
      s.proofOfPossession,
      '--weight',
      weight,
    ];
    expect(ok(register(stakers[0]!, '100'))).toBe(`registered ${stakers[0]!.nodeId} (weight 100): 1 validators`);
    // A stake no JS number holds (2^53 + 1 nAVAX) goes through as typed; a weight that is not a decimal integer is refused before it is sent.
    const bigStake = 9_007_199_254_740_993n;
    const badWeight = fx.cli(register(stakers[1]!, '1.5e3'));
    expect(badWeight.status).toBe(2);
    expect(badWeight.stderr).toMatch(/--weight: must be a decimal integer string/);
    expect(ok(register(stakers[1]!, bigStake.toString()))).toBe(`registered ${stakers[1]!.nodeId} (weight ${bigStake}): 2 validators`);
    refused(register(stakers[0]!, '100'), /already registered/);

    const aliceKey = approverKeyFile(fx.work, 'alice');
    refused(['approve', id, '--approver', 'mallory', '--genesis-sha256', sha, '--key-file', approverKeyFile(fx.work, 'mallory')], /mallory is not allowed/);
    refused(['approve', id, '--approver', 'alice', '--genesis-sha256', 'ab'.repeat(32), '--key-file', aliceKey], /stale or wrong hash/);
    refused(['approve', id, '--approver', 'alice', '--genesis-sha256', sha], /an approval is signed/);
    refused(
      ['approve', id, '--approver', 'alice', '--genesis-sha256', sha, '--key-file', approverKeyFile(fx.work, 'bob')],
      /does not verify for approver alice/,
    );
    expect(ok(['approve', id, '--approver', 'alice', '--genesis-sha256', sha, '--key-file', aliceKey])).toBe('approved by alice: 1 of 1 approvals');

    // The status names the network the ratification is for: what `regenesis sign --network-id` takes.
    const networkId = (await untilPhase(run(id), 'ratify', WAIT_MS)).ratification!.networkId!;
    const sign = (n: number) => {
      const r = fx.cli(['sign', '--genesis-sha256', sha, '--network-id', String(networkId), '--signer-key-file', signerKeyFile(n)]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain(`with BLS key ${stakers[n - 1]!.blsPublicKey}`);
      return r.stdout.trim();
    };
    const signature1 = sign(1);
    // The offline signature is the one the validator's own key makes over the ratification message of this network and genesis.
    expect(signature1).toBe(stakers[0]!.sign(ratificationMessage(networkId, sha)));
    refused(['ratify', id, '--node-id', stakers[1]!.nodeId, '--signature', signature1], /does not verify/);
    const total = (bigStake + 100n).toString();
    expect(ok(['ratify', id, '--node-id', stakers[0]!.nodeId, '--signature', signature1])).toBe(
      `ratified by ${stakers[0]!.nodeId}: 100 of ${total} stake signed`,
    );
    refused(['ratify', id, '--node-id', stakers[0]!.nodeId, '--signature', signature1], /already ratified/);
    expect(ok(['ratify', id, '--node-id', stakers[1]!.nodeId, '--signature', sign(2)])).toContain(`${total} of ${total} stake signed`);

    for (const step of ['halt-old-network', 'install-genesis', 'boot-new-network'] as const) {
      await untilStatus(run(id), `the manual step ${step}`, (s) => s.pendingStep?.step === step, WAIT_MS);
      expect(status(id).nextStep!.commands[0]).toBe(`regenesis confirm ${id} --step ${step} --operator <your name>`);
      refused(['confirm', id, '--step', 'resume-old-network', '--operator', 'bob'], /not the pending step/);
      expect(ok(['confirm', id, '--step', step, '--operator', 'bob'])).toBe(`confirmed ${step} (by bob)`);
    }

    const watch = await watched;
    expect(watch.status, watch.stderr).toBe(0);
    // Plain lines (not a terminal): the checklist, the approval the run waited for with its command, the result.
    expect(watch.stdout).toContain(`$ regenesis approve ${id} --approver <your name> --genesis-sha256 ${sha} --key-file <your approver key>`);
    expect(watch.stdout).toMatch(/✓ approve {2}✓ ratify {2}✓ migrate-validators/);
    expect(watch.stdout).toContain(`Regenesis ${id}: COMPLETED`);
    // After the commit point nothing can roll the run back.
    refused(['rollback', id, '--reason', 'too late'], /.+/);
  });

  it('rolls a run back on `rollback` and aborts another on `abort`, each saying why', async () => {
    const rolled = 'cli-manual-rollback';
    const aborted = 'cli-manual-abort';
    ok(['start', '--plan', manualPlan('rollback.json', 'cli-rollback', 5152), '--id', rolled]);
    ok(['start', '--plan', manualPlan('abort.json', 'cli-abort', 5153), '--id', aborted]);
    await untilPhase(run(rolled), 'approve', WAIT_MS);
    refused(['rollback', rolled, '--reason', '  '], /needs a reason/);
    expect(ok(['rollback', rolled, '--reason', 'found a bad account'])).toContain('rollback accepted');
    await untilPhase(run(aborted), 'approve', WAIT_MS);
    expect(ok(['abort', aborted, '--reason', 'operator changed plans'])).toContain('abort sent');

    for (const [id, reason] of [
      [rolled, 'rollback requested: found a bad account'],
      [aborted, 'aborted: operator changed plans'],
    ] as const) {
      const json = await fx.cliAsync(['watch', id, '--json']);
      const lines = json.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { execution: string; status?: RegenesisStatus });
      expect(lines.at(-1)!.execution).toBe('COMPLETED');
      expect(lines.at(-1)!.status?.phase).toBe('rolled-back');
      expect(lines.at(-1)!.status?.abortReason).toBe(reason);
      expect(json.status).toBe(1); // the run ended, but not with a new network
    }
    refused(['abort', aborted, '--reason', 'again'], /nothing to abort/);
  });
});
