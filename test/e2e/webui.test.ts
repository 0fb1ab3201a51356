import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fillChain } from '../../src/dev/fill.js';
import { freePort } from '../../src/nodes/ports.js';
import { startTemporalDevServer, type TemporalDevServer } from '../../src/dev/temporal.js';
import { LocalGethDevnet } from '../../src/operator/localDevnet.js';
import { localLaunch, planFor } from '../helpers/plans.js';
import type { ReviewInput } from '../../src/report/reviewPage.js';
import { createWorker } from '../../src/worker.js';
import { ratifyUpdate, statusQuery, type RegenesisResult } from '../../workflows/messages.js';
import { uniqueTaskQueue } from '../rigs/temporal.js';
import { localStaker, validatorKeys, type TestValidator } from '../helpers/validators.js';
import { launchChromium, openUserMetadata, resultLine, screenshot, sendUpdateFromUi, startWorkflowFromUi, statusBadge, visible, workflowUrl } from './ui.js';
import { ratificationOf, untilPhase } from '../helpers/phases.js';
import { approval } from '../helpers/approvers.js';

/**
 * What an operator does in a browser, end to end: start a regenesis from the Web UI's form, approve
 * its genesis with the UI's *Send an Update*, and see the run complete — against the real Temporal
 * dev server (the CLI binary with its embedded UI), a worker in this process and a geth devnet the
 * local operator halts and relaunches. The test plays the validator and ratifies through the client.
 */
describe('Web UI end to end (Chromium, Temporal dev server, in-process worker, geth devnet)', () => {
  const cleanups: Array<{ what: string; run: () => Promise<void> }> = [];
  let server: TemporalDevServer;
  let client: Client;
  let browser: Browser;
  let page: Page;
  let taskQueue: string;
  let rpcUrl: string;
  let staker: TestValidator;

  beforeAll(async () => {
    // The SDK's default logger prints every worker state change: errors are all this test needs.
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    const work = mkdtempSync(join(tmpdir(), 'regenesis-webui-'));
    cleanups.push({ what: 'remove the work directory', run: async () => rmSync(work, { recursive: true, force: true }) });
    staker = localStaker(1);

    const devnetRoot = join(work, 'devnets');
    const [temporal, created] = await Promise.all([
      (async () => startTemporalDevServer({ stateDir: join(work, 'temporal'), port: await freePort(), uiPort: await freePort() }))(),
      LocalGethDevnet.create(devnetRoot, 'uinet'),
    ]);
    server = temporal;
    cleanups.push({ what: 'stop the Temporal dev server', run: () => server.stop() });
    cleanups.push({ what: 'stop the devnet', run: () => created.devnet.stopAll() });
    rpcUrl = created.rpcUrl;

    const native = await NativeConnection.connect({ address: server.address });
    cleanups.push({ what: 'close the worker connection', run: () => native.close() });
    taskQueue = uniqueTaskQueue('webui');
    const worker: Worker = await createWorker({ connection: native, taskQueue, artifactsDir: join(work, 'artifacts'), devnetRoot });
    const running = worker.run();
    cleanups.push({
      what: 'shut the worker down',
      run: async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      },
    });

    const connection = await Connection.connect({ address: server.address });
    cleanups.push({ what: 'close the client connection', run: () => connection.close() });
    client = new Client({ connection, namespace: 'default' });

    browser = await launchChromium();
    cleanups.push({ what: 'close the browser', run: () => browser.close() });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });

    await fillChain(rpcUrl, { accounts: 20, contracts: 2, slots: 40 });
  });

  afterAll(async () => {
    // Everything that was started is stopped, in reverse, even when one step fails.
    const failures: string[] = [];
    for (const { what, run } of cleanups.reverse()) {
      try {
        await run();
      } catch (err) {
        failures.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (failures.length > 0) throw new Error(`teardown failed: ${failures.join('; ')}`);
  });

  const plan = (extra: { C?: Record<string, unknown> } = {}) =>
    planFor(
      {
        name: 'webui-e2e',
        network: 'uinet',
        chains: { C: { rpcUrl, partitions: 2, ...extra.C } },
        target: { epoch: 'current' },
        epoch: { durationSeconds: 2, pollSeconds: 1 },
        genesis: { chainId: 9999, startTime: { afterFreezeSeconds: 3600 } },
      },
      localLaunch('uinet', validatorKeys(staker, 100)),
    );

  it('a plan with an unknown field, started from the form, shows as a Failed run naming the field', async () => {
    const workflowId = `${taskQueue}-bad-plan`;
    await startWorkflowFromUi(
      page,
      server.uiUrl,
      { workflowId, taskQueue, workflowType: 'regenesisWorkflow', input: plan({ C: { partitionz: 2 } }) },
      '01-bad-plan-form',
    );
    const handle = client.workflow.getHandle(workflowId);
    await expect(handle.result()).rejects.toThrow();
    expect((await handle.describe()).status.name).toBe('FAILED');

    await page.goto(workflowUrl(server.uiUrl, workflowId));
    await statusBadge(page, 'Failed');
    // The failure is rendered in the Result panel as JSON; its `message` line names the field.
    const message = visible(resultLine(page, '"message"'));
    await message.waitFor({ state: 'visible', timeout: 30_000 });
    expect(await message.innerText()).toMatch(/"message": "plan\.chains\.C: Unrecognized key: \\"partitionz\\"/);
    await screenshot(page, '02-bad-plan-failed');
  });

  it('starts from the form, is approved with the UI’s Send an Update, ratified by the validator and completes', async () => {
    const workflowId = `${taskQueue}-launch`;
    await startWorkflowFromUi(page, server.uiUrl, { workflowId, taskQueue, workflowType: 'regenesisWorkflow', input: plan() }, '03-start-form');
    const handle = client.workflow.getHandle(workflowId);

    await untilPhase(handle, 'approve');
    const { genesisSha256 } = await handle.query(statusQuery);
    expect(genesisSha256).toMatch(/^(0x)?[0-9a-f]{64}$/);
    await page.goto(workflowUrl(server.uiUrl, workflowId));
    await statusBadge(page, 'Running');
    // The run's current details (Temporal user metadata, kept up to date by the workflow), on the
    // run's User Metadata tab: where it is in its checklist, and the approval it waits for with the
    // exact command to give it.
    const details = (await openUserMetadata(page)).current;
    await details.getByText('Your step:').first().waitFor({ state: 'visible', timeout: 30_000 });
    await details
      .getByText(`regenesis approve ${workflowId} --approver <your name> --genesis-sha256 ${genesisSha256}`)
      .first()
      .waitFor({ state: 'visible', timeout: 10_000 });
    await details.getByText('✓ report').first().waitFor({ state: 'visible', timeout: 10_000 });
    // The activities and timers carry their own summaries.
    await visible(page.getByText('export C, partition 1 of 2', { exact: false })).waitFor({ state: 'visible', timeout: 10_000 });
    await screenshot(page, '04-awaiting-approval');

    // alice signs on her own machine (`regenesis approve --key-file`); the UI carries the signed approval.
    await sendUpdateFromUi(page, { name: 'approve', input: await approval(handle, 'alice') }, '05-approve-update');
    await visible(page.getByText('Update successful')).waitFor({ state: 'visible', timeout: 10_000 });
    await screenshot(page, '06-approve-sent');
    expect((await handle.query(statusQuery)).approvals?.approvers).toEqual(['alice']);

    const ratifying = await untilPhase(handle, 'ratify');
    await handle.executeUpdate(ratifyUpdate, { args: [{ nodeId: staker.nodeId, signature: staker.sign(ratificationOf(ratifying)) }] });
    const result = (await handle.result()) as RegenesisResult;
    if (result.status !== 'Completed') throw new Error(`rolled back in ${result.failedPhase}: ${result.reason}`);
    expect(result.launch?.approvers).toEqual(['alice']);
    expect(result.launch?.ratification.signers).toEqual([staker.nodeId]);
    expect(result.launch?.newNetwork.block0Root).toBe(result.freeze.stateRoot);

    await page.goto(workflowUrl(server.uiUrl, workflowId));
    await statusBadge(page, 'Completed');
    await visible(resultLine(page, '"status": "Completed"')).waitFor({ state: 'visible', timeout: 30_000 });
    await screenshot(page, '07-completed');

    // The review page approvers read: rendered by Chromium from the file alone, its figures are the report's.
    const manifest = JSON.parse(readFileSync(join(result.artifactsDir, 'manifest.json'), 'utf8')) as { files: Array<{ path: string }> };
    expect(manifest.files.map((f) => f.path)).toContain('reports/review.html');
    const report = JSON.parse(readFileSync(join(result.artifactsDir, 'reports/regenesis.json'), 'utf8')) as ReviewInput;
    await page.goto(pathToFileURL(join(result.artifactsDir, 'reports/review.html')).href);
    const shown = Object.fromEntries(
      await page.$$eval('[data-figure]', (els) => els.map((e) => [e.getAttribute('data-figure'), (e.textContent ?? '').trim()])),
    ) as Record<string, string>;
    expect(shown).toMatchObject({
      'genesis.sha256': genesisSha256,
      'freeze.height': String(report.freeze.height),
      'freeze.hash': report.freeze.hash,
      'freeze.stateRoot': report.freeze.stateRoot,
      'genesis.stateRoot': report.genesis.stateRoot,
      'supply.c': report.genesis.stats.totalBalance,
      'accounts.c': String(report.genesis.stats.accounts),
    });
    const checks = await page.$$eval('[data-check]', (rows) => rows.map((r) => [r.getAttribute('data-check'), r.children[1]?.textContent]));
    expect(checks).toEqual(report.verification.checks.map((c) => [c.name, c.ok ? 'ok' : 'FAILED']));
    await screenshot(page, '08-review-page');
  });
});
