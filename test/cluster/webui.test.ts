import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusQuery, type RegenesisResult } from '../../workflows/messages.js';
import { launchChromium, openUserMetadata, resultLine, screenshot, statusBadge, untilListed, visible, workflowUrl } from '../e2e/ui.js';
import { expectRebuiltFromNode, startGethRig, type GethRig } from './gethRig.js';

const run = promisify(execFile);
const CLI = new URL('../../bin/regenesis.js', import.meta.url).pathname;

// The cluster's Web UI (the ui-server scripts/cluster.sh runs, a client of the mTLS frontend with
// the cluster's client certificate) in Chromium: a run an operator starts with the CLI through the
// cluster is in its workflow list, and its page renders what the product puts there.
describe('the Web UI of the cluster (Chromium, ui-server with the client certificate, Temporal on PostgreSQL with mTLS)', () => {
  let rig: GethRig;
  let browser: Browser;
  let page: Page;
  const workflowId = `cluster-webui-${Date.now()}`;

  beforeAll(async () => {
    [rig, browser] = await Promise.all([startGethRig('webui'), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  });

  afterAll(async () => {
    await browser?.close();
    await rig?.close();
  });

  it('lists a run the CLI started through the cluster, and shows its summary, details, activities and result', async () => {
    const taskQueue = `cluster-webui-${process.pid}`;
    const planFile = join(rig.cluster.dir, 'plan.json');
    writeFileSync(planFile, JSON.stringify(rig.plan('cluster-webui')));
    // `regenesis start` with the cluster's TEMPORAL_* variables, as an operator starts a run.
    const started = await run(process.execPath, [CLI, 'start', '--plan', planFile, '--id', workflowId], {
      env: { ...process.env, ...rig.cluster.env, REGENESIS_TASK_QUEUE: taskQueue },
      timeout: 60_000,
    });
    expect(started.stdout).toContain(`started ${workflowId}`);
    const handle = rig.client.workflow.getHandle(workflowId);
    const worker = await rig.worker(taskQueue);
    // The worker keeps running while the UI is looked at: the run's current details are read by a
    // query, which only a worker answers (a coordinator's workers always run).
    await worker.runUntil(async () => {
      const result = (await handle.result()) as RegenesisResult;
      await expectRebuiltFromNode(rig, result);
      const { freeze } = result as Extract<RegenesisResult, { status: 'Completed' }>;

      const link = await untilListed(page, rig.cluster.uiUrl, workflowId);
      await screenshot(page, 'cluster-01-workflow-list');
      await link.click();
      await page.waitForURL((url) => url.pathname.startsWith(new URL(workflowUrl(rig.cluster.uiUrl, workflowId)).pathname));
      await statusBadge(page, 'Completed');
      await visible(resultLine(page, '"status": "Completed"')).waitFor({ state: 'visible', timeout: 30_000 });
      await screenshot(page, 'cluster-02-completed-run');

      // What the CLI gave the run at start (its plan in one line and in a few), what the workflow
      // keeps current (its checklist, all done), and the activities' own summaries.
      const metadata = await openUserMetadata(page);
      await metadata.summary.getByText('regenesis cluster-webui · default · manual · epoch current').waitFor({ state: 'visible', timeout: 10_000 });
      await metadata.details.getByText('C-Chain partitions: 4').waitFor({ state: 'visible', timeout: 10_000 });
      await metadata.current.getByText('Phase: completed').first().waitFor({ state: 'visible', timeout: 30_000 });
      await metadata.current.getByText('✓ report').first().waitFor({ state: 'visible', timeout: 10_000 });
      const { genesisSha256 } = await handle.query(statusQuery);
      await metadata.current.getByText(`Genesis sha256: ${genesisSha256}`).waitFor({ state: 'visible', timeout: 10_000 });
      await visible(page.getByText(`export C, partition 1 of 4, at block ${freeze.height}`)).waitFor({ state: 'visible', timeout: 10_000 });
      await screenshot(page, 'cluster-03-user-metadata');
    });
  });

  it('would fail if the UI server had no client certificate: the frontend refuses it, so no run is listed', async () => {
    await rig.cluster.script('stop-ui');
    await rig.cluster.script('start-ui', { REGENESIS_CLUSTER_UI_CLIENT_CERT: 'false' });
    try {
      await expect(untilListed(page, rig.cluster.uiUrl, workflowId, 10_000)).rejects.toThrow(/did not show/);
      await screenshot(page, 'cluster-04-without-client-certificate');
      // What the UI's API answers its page: no connection to the frontend (gRPC UNAVAILABLE), not
      // an empty list. How the refused handshake reads varies (TLS 1.3 checks the client's
      // certificate after the client's first write): "certificate required" or a broken pipe.
      const answer = await fetch(`${rig.cluster.uiUrl}/api/v1/namespaces/default/workflows`);
      const text = await answer.text();
      expect(answer.ok).toBe(false);
      expect(JSON.parse(text)).toMatchObject({ code: 14, message: expect.stringMatching(/connection error/) });
    } finally {
      await rig.cluster.script('stop-ui');
      await rig.cluster.script('start-ui', { REGENESIS_CLUSTER_UI_CLIENT_CERT: 'true' });
    }
    await untilListed(page, rig.cluster.uiUrl, workflowId);
  });
});
