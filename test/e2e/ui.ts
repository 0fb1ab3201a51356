import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Screenshots land here (test-output/ is ignored by git); the last one of a run is its artifact. */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-output/e2e/', import.meta.url));

/**
 * Debian's Chromium rather than a Playwright-downloaded build: it is what the machine has, and the
 * flags keep a headless run from reaching out to Google's update, sync and field-trial services.
 * Every launch() gets its own fresh temporary profile, removed again when the browser closes.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = `${SCREENSHOT_DIR}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * The UI renders some controls twice (one copy per responsive layout, one of them hidden), so a
 * plain locator would be ambiguous: always act on the copy a user can see.
 */
export function visible(locator: Locator): Locator {
  return locator.filter({ visible: true }).first();
}

/**
 * Replaces the text of a CodeMirror 6 editor (the UI's payload inputs). insertText delivers the
 * JSON as one input event, so CodeMirror's bracket auto-closing and auto-indent do not rewrite it.
 */
export async function fillCodeMirror(editor: Locator, text: string): Promise<void> {
  const content = editor.locator('.cm-content');
  await content.click();
  await content.press('ControlOrMeta+a');
  await content.press('Delete');
  await editor.page().keyboard.insertText(text);
  // The UI pretty-prints the JSON when the editor loses focus, which resizes the form: blur it now,
  // or the next click's mousedown reflows the page and its mouseup lands beside the button.
  await content.evaluate((el) => (el as unknown as { blur(): void }).blur());
  const typed = await content.innerText();
  if (JSON.stringify(JSON.parse(typed)) !== JSON.stringify(JSON.parse(text))) {
    throw new Error(`the editor holds something other than the JSON pasted into it:\n${typed}`);
  }
}

export function workflowUrl(uiUrl: string, workflowId: string, namespace = 'default'): string {
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/**
 * The namespace's workflow list, reloaded until it shows `workflowId`: the list comes from the
 * visibility store, which indexes a run a moment after it starts or closes. Returns the run's link.
 */
export async function untilListed(page: Page, uiUrl: string, workflowId: string, timeoutMs = 30_000, namespace = 'default'): Promise<Locator> {
  const link = visible(page.getByRole('link', { name: workflowId, exact: true }));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.goto(`${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows`);
    try {
      await link.waitFor({ state: 'visible', timeout: 5_000 });
      return link;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`the Web UI's workflow list did not show ${workflowId} within ${timeoutMs} ms`, { cause: err });
    }
  }
}

/** The run's status badge in the header of its page (it carries no test id, only its text). */
export async function statusBadge(page: Page, status: string): Promise<void> {
  await visible(page.locator('header').getByText(status, { exact: true })).waitFor({ state: 'visible', timeout: 30_000 });
}

/** A line of the JSON the run page shows under *Result* (a read-only CodeMirror view). */
export function resultLine(page: Page, text: string): Locator {
  return page.locator('.cm-line').filter({ hasText: text });
}

/** The three parts of a run's User Metadata tab, each Markdown the UI renders in a sandboxed frame. */
export interface UserMetadataFrames {
  /** The one-line summary given at start (the CLI and the schedule give one; the UI's form none). */
  summary: FrameLocator;
  /** The static details given at start. */
  details: FrameLocator;
  /**
   * The current details the workflow keeps up to date, read by a query: blank unless a worker of
   * the run's task queue is running. Always the tab's last frame, with or without the other two.
   */
  current: FrameLocator;
}

/** Opens a run page's User Metadata tab (Temporal user metadata: Summary, Details, Current Details). */
export async function openUserMetadata(page: Page): Promise<UserMetadataFrames> {
  await visible(page.getByText('User Metadata', { exact: true })).click();
  const frames = page.frameLocator('iframe');
  return { summary: frames.first(), details: frames.nth(1), current: frames.last() };
}

/** The Web UI's *Start Workflow* form: ID, task queue, type and one json/plain payload. */
export async function startWorkflowFromUi(
  page: Page,
  uiUrl: string,
  form: { workflowId: string; taskQueue: string; workflowType: string; input: unknown },
  screenshotName?: string,
): Promise<void> {
  await page.goto(`${uiUrl}/namespaces/default/workflows/start-workflow`);
  await page.locator('#workflowId').fill(form.workflowId);
  await page.locator('#taskQueue').fill(form.taskQueue);
  await page.locator('#workflowType').fill(form.workflowType);
  await fillCodeMirror(
    page
      .locator('.editable')
      .filter({ has: page.locator('.cm-content') })
      .first(),
    JSON.stringify(form.input, null, 2),
  );
  if (!(await page.locator('input[name="encoding"][value="json/plain"]').isChecked())) {
    throw new Error('the Start Workflow form does not encode the input as json/plain');
  }
  if (screenshotName) await screenshot(page, screenshotName);
  await page.getByTestId('start-workflow-button').click();
  await page.getByText('Workflow started successfully').waitFor({ state: 'visible', timeout: 15_000 });
}

/**
 * *More Actions → Send an Update* on a workflow's page. With a worker running, the UI reads the
 * run's update definitions (the SDK's built-in metadata query) and offers them in a select;
 * without one it shows a free-text name, so both are handled.
 */
export async function sendUpdateFromUi(page: Page, update: { name: string; input: unknown }, screenshotName?: string, timeoutMs = 60_000): Promise<void> {
  await visible(page.getByRole('button', { name: 'More Actions' })).click();
  await visible(page.getByTestId('update-button')).click();
  // Both layouts carry the dialog; only the one just opened has the `open` attribute.
  const modal = page.locator('dialog[open]#update-confirmation-modal');
  await modal.waitFor({ state: 'visible' });
  await selectUpdateName(page, modal, update.name);
  await fillCodeMirror(
    modal
      .locator('.editable')
      .filter({ has: page.locator('.cm-content') })
      .first(),
    JSON.stringify(update.input),
  );
  if (screenshotName) await screenshot(page, screenshotName);
  await modal.getByTestId('confirm-modal-button').click();
  // The UI waits for the update's outcome: accepted closes the dialog, rejected (the handler's
  // validator or a failed handler) keeps it open with an error alert carrying the failure message.
  const rejected = modal.locator('[role="alert"].error');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await rejected.isVisible()) throw new Error(`the Web UI reports the update ${update.name} failed: ${await rejected.locator('p').first().innerText()}`);
    if (!(await modal.isVisible())) return;
    if (Date.now() > deadline) throw new Error(`the update ${update.name} got no outcome in the Web UI within ${timeoutMs} ms`);
    await page.waitForTimeout(200);
  }
}

async function selectUpdateName(page: Page, modal: Locator, name: string): Promise<void> {
  // The select is a button wrapping a disabled input#update-select; the free-text field is #update-name.
  const select = modal.getByRole('button', { name: 'Select an Update' });
  const freeText = modal.locator('#update-name');
  await select.or(freeText).first().waitFor({ state: 'visible' });
  if (await freeText.isVisible()) {
    await freeText.fill(name);
    return;
  }
  await select.click();
  await visible(page.getByRole('option', { name, exact: true })).click();
  if ((await modal.locator('#update-select').inputValue()) !== name) throw new Error(`the update select did not take ${name}`);
}
