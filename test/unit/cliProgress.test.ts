import { describe, expect, it } from 'vitest';
import type { ExportCursor } from '../../src/contract/exportProgress.js';
import type { RegenesisStatus } from '../../src/contract/run.js';
import type { Hex } from '../../src/state/hex.js';
import { emptyStats } from '../../src/state/stats.js';
import { nextStep } from '../../src/view/nextStep.js';
import { partitionProgress, renderRun, type RunSnapshot } from '../../src/cli/progress.js';
import { planFor } from '../helpers/plans.js';

const key = (n: bigint): Hex => `0x${n.toString(16).padStart(64, '0')}`;
const cursor = (next: Hex, bytes: number, accounts: number): ExportCursor => ({ next, bytes, stats: { ...emptyStats(), accounts } });
const SPACE = 1n << 256n;

function status(over: Partial<RegenesisStatus>): RegenesisStatus {
  return { phase: 'validate', chains: {}, artifacts: [], stepsDone: [], committed: false, ...over };
}

describe('watch: progress and the next human step', () => {
  it('places a heartbeated cursor in its partition and measures how far through it is', () => {
    // 3/8 of the key space is half-way through the second of four partitions.
    const p = partitionProgress(cursor(key((SPACE * 3n) / 8n), 2048, 70), 4);
    expect(p).toEqual({ index: 1, count: 4, fraction: 0.5, accounts: 70, bytes: 2048 });
    expect(partitionProgress(cursor(key(SPACE - 1n), 0, 0), 4)?.index).toBe(3);
    expect(partitionProgress(cursor(key(0n), 0, 0), 0)).toBeUndefined();
  });

  it('draws the checklist with what is done, the rate and the ETA of each partition', () => {
    const s = status({
      phase: 'export',
      checklist: ['validate', 'preflight', 'wait-epoch', 'export', 'genesis', 'completed'],
      entered: ['validate', 'preflight', 'wait-epoch', 'export'],
      chains: { C: { partitionsTotal: 2, partitionsDone: 0, accountsExported: 0 } },
    });
    const at = (ms: number, fraction: number, accounts: number): RunSnapshot => ({
      workflowId: 'r1',
      execution: 'RUNNING',
      status: s,
      partitions: [{ index: 0, count: 2, fraction, accounts, bytes: 3 * 1024 * 1024 }],
      at: ms,
    });
    const lines = renderRun(at(10_000, 0.5, 1500), at(0, 0.25, 500));
    expect(lines[1]).toBe('  ✓ validate  ✓ preflight  ✓ wait-epoch  ▶ export  · genesis  · completed');
    // 1000 accounts in 10 s; a quarter of the range per 10 s leaves 20 s for the other half.
    expect(lines).toContain('    C 1/2 [##########..........]  50.0%  1500 accounts  3.0 MiB  100/s  ETA 20s');
  });

  it('marks the phase a rollback started from', () => {
    const s = status({
      phase: 'rolled-back',
      checklist: ['validate', 'export', 'approve', 'completed'],
      entered: ['validate', 'export', 'approve', 'rolling-back', 'rolled-back'],
    });
    const lines = renderRun({ workflowId: 'r2', execution: 'COMPLETED', status: s, partitions: [], at: 0 });
    expect(lines[1]).toBe('  ✓ validate  ✓ export  ✗ approve  · completed');
    expect(lines[2]).toBe('  ✓ rolled-back');
  });

  it('names the pending human step with the command that does it', () => {
    const sha = 'ab'.repeat(32);
    const approving = status({ phase: 'approve', genesisSha256: sha, approvals: { required: 2, approvers: ['alice'] } });
    expect(nextStep('run 1', approving)).toEqual({
      what: `approve genesis ${sha} (1 of 2 approvals)`,
      commands: [
        `regenesis approve 'run 1' --approver <your name> --genesis-sha256 ${sha} --key-file <your approver key>`,
        `regenesis abort 'run 1' --reason <why>`,
      ],
    });
    const ratifying = status({
      phase: 'ratify',
      genesisSha256: sha,
      ratification: { totalWeight: '3', signedWeight: '1', signers: ['n1'], threshold: '2/3 of stake' },
    });
    expect(nextStep('r', ratifying)?.commands[0]).toBe(`regenesis sign --genesis-sha256 ${sha} --signer-key-file <validator's signer.key>`);
    // A luxd run's validators are told to sign under luxd's rule, the only one the run accepts.
    const luxd = { ...ratifying, ratification: { ...ratifying.ratification!, dialect: 'luxd' as const } };
    expect(nextStep('r', luxd)?.commands[0]).toBe(`regenesis sign --genesis-sha256 ${sha} --signer-key-file <validator's signer.key> --dialect luxd`);
    // The network the ratification message names is in the command: without it the signature is for no network.
    const onNetwork = { ...ratifying, ratification: { ...ratifying.ratification!, networkId: 88_888 } };
    expect(nextStep('r', onNetwork)?.commands[0]).toBe(`regenesis sign --genesis-sha256 ${sha} --network-id 88888 --signer-key-file <validator's signer.key>`);
    // Agents sign by themselves: nobody is asked to.
    expect(nextStep('r', { ...ratifying, ratification: { ...ratifying.ratification!, collectedBy: 'agents' } })).toBeUndefined();
    const manual = status({ phase: 'migrate-validators', pendingStep: { step: 'halt-old-network', instruction: 'Stop every validator.' } });
    expect(nextStep('r', manual)?.commands).toEqual(['regenesis confirm r --step halt-old-network --operator <your name>']);
  });
});

describe('Web UI details (Temporal user metadata)', () => {
  it('summarises the plan at start and shows the checklist and the pending step as the run goes', async () => {
    const { parsePlan } = await import('../../src/plan/index.js');
    const { currentDetails, runSummary, runDetails } = await import('../../src/view/details.js');
    const plan = parsePlan(
      planFor({
        name: 'annual',
        network: 'lux-mainnet',
        chains: { C: { rpcUrl: 'http://127.0.0.1:9650/ext/bc/C/rpc', partitions: 8 } },
        target: { epoch: 1234 },
        epoch: { source: 'proposervm', durationSeconds: 30 },
        genesis: { chainId: 96369 },
        launch: { operator: { kind: 'manual' }, approvals: { required: 2 } },
      }),
      0,
    );
    expect(runSummary(plan)).toBe('regenesis annual · lux-mainnet · manual · epoch 1234 (proposervm, 30s epochs)');
    expect(runDetails(plan)).toContain('launch by the **manual** operator after 2 approval(s)');
    const sha = 'cd'.repeat(32);
    const details = currentDetails(
      'run-9',
      status({
        phase: 'approve',
        checklist: ['validate', 'report', 'approve', 'completed'],
        entered: ['validate', 'report', 'approve'],
        genesisSha256: sha,
        reviewPage: '/artifacts/run-9/reports/review.html',
        approvals: { required: 2, approvers: [] },
      }),
    );
    expect(details.split('\n')).toEqual([
      '**Phase: approve**',
      '',
      '✓ validate  ',
      '✓ report  ',
      '▶ **approve**  ',
      '· completed  ',
      '',
      `Genesis sha256: \`${sha}\``,
      'Review page: `/artifacts/run-9/reports/review.html`',
      '',
      `**Your step:** review /artifacts/run-9/reports/review.html, then approve genesis ${sha} (0 of 2 approvals)`,
      `\`regenesis approve run-9 --approver <your name> --genesis-sha256 ${sha} --key-file <your approver key>\`  `,
      '`regenesis abort run-9 --reason <why>`',
    ]);

    // A two-stage run after its halt: where the old network stopped, the delta, the downtime by part.
    const after = currentDetails(
      'run-9',
      status({
        phase: 'completed',
        finalStage: {
          haltedAt: '2026-12-07T02:44:31.955Z',
          heads: { c: { height: 18, hash: `0x${'ab'.repeat(32)}`, stateRoot: `0x${'cd'.repeat(32)}`, timestamp: 1 }, p: 40, x: 9 },
          delta: { fromHeight: 16, toHeight: 18, accountsChanged: 8, validatorSetChanged: false, withinLimits: false },
          downtimeSeconds: 20,
          downtimeParts: [
            { phase: 'halt', seconds: 1.4 },
            { phase: 'post-verify', seconds: 5 },
          ],
        },
      }),
    );
    expect(after).toContain(`Old network's last accepted blocks: C 18 (\`0x${'ab'.repeat(32)}\`), P 40, X 9.`);
    expect(after).toContain('Since stage 1 (C 16 → 18): 8 accounts changed; **beyond the approved delta limits: the final genesis needs approval**.');
    expect(after).toContain("Downtime: 20s, first halt to the new network's first block (halt 1.4s, post-verify 5s).");
  });
});
