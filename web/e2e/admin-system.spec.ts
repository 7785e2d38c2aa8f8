// Admin › System: an owner's calls make log lines and a failure; the
// administrator sees the load, the failure among the recent errors, and
// the lines, filtered by function and by text and followed live; a
// read-only administrator sees the same page.
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { admin, root } from './env';
import { Client, expect, test as base } from './fixtures';

const exit3Wasm = join(root, 'internal/runtime/wasm/testdata/exit3.wasm');

interface Calls {
  client: Client;
  helloID: string;
  failerID: string;
}

// One owner with two live functions: hello greets (a log line per call),
// failer logs a line and exits with status 3 (a failed execution).
const test = base.extend<object, { calls: Calls }>({
  calls: [
    async ({ newAccount, api, server }, use) => {
      const owner = await newAccount('sysowner', 'System Owner');
      const client = await Client.login(api, owner);
      const helloID = await client.createFunction('sys-hello', 'Greets (Admin › System test)');
      await client.deploy(helloID, server.helloWasm);
      const failerID = await client.createFunction('sys-failer', 'Always fails (Admin › System test)');
      await client.deploy(failerID, exit3Wasm);
      await client.invoke(helloID, 'name=Sysadmin');
      const r = await client.call('POST', `/api/functions/${failerID}/invoke`, { body: 'x' });
      expect(r.status(), 'the failing function answers 502').toBe(502);
      await use({ client, helloID, failerID });
    },
    { scope: 'worker' },
  ],
});

test.describe.configure({ mode: 'serial' });

const logs = (page: Page) => page.getByRole('log', { name: 'Log lines of every function' });
const logsPanel = (page: Page) => page.getByRole('region', { name: 'Function logs' });

/** refreshUntil clicks a panel's Refresh until check passes: executions are written a moment after the call. */
async function refreshUntil(page: Page, region: string, check: () => Promise<void>) {
  await expect(async () => {
    await page.getByRole('region', { name: region }).getByRole('button', { name: 'Refresh' }).click();
    await check();
  }).toPass({ timeout: 20_000 });
}

test('the load and the recent errors', async ({ page, signIn, shot, calls }) => {
  await signIn(admin);
  await page.goto('/admin/users');
  await page.getByRole('navigation', { name: 'Administration sections' }).getByRole('link', { name: 'System' }).click();
  await page.waitForURL('**/admin/system');
  await expect(page.getByRole('heading', { name: 'System', exact: true })).toBeVisible();

  const load = page.getByTestId('load');
  await expect(load.locator('[data-stat="Database"]')).toContainText('OK');
  await expect(load.locator('[data-stat="Invocations per second"] svg[role="img"]')).toHaveAttribute('data-points', /[1-9]/);
  await refreshUntil(page, 'Load', async () => {
    const n = Number((await load.locator('[data-stat="Invocations per second"] dd').textContent()) ?? '0');
    expect(n, 'the calls of the last minute show').toBeGreaterThan(0);
  });

  // The history is every replica's roll-ups: the two calls are in the current hour.
  await refreshUntil(page, 'Every function over time', async () => {
    const text = (await page.getByTestId('history-summary').textContent()) ?? '';
    const m = /^([\d,]+) invocations? and ([\d,]+) errors?/.exec(text);
    expect(m, `the history summary: ${text}`).not.toBeNull();
    expect(Number(m![1].replace(/,/g, ''))).toBeGreaterThanOrEqual(2);
    expect(Number(m![2].replace(/,/g, ''))).toBeGreaterThanOrEqual(1);
  });

  const row = page.getByTestId('errors').locator('tbody tr').filter({ hasText: 'sys-failer' }).first();
  await refreshUntil(page, 'Recent errors', () => expect(row).toBeVisible({ timeout: 1000 }));
  await expect(row).toContainText('Error');
  await expect(row).toContainText('502');
  await expect(row).toContainText(/status 3/);
  await expect(page.getByTestId('errors')).not.toContainText('sys-hello');
  await shot('50-admin-system');

  // The function's name opens that execution in its Executions tab.
  await row.getByRole('link', { name: 'sys-failer' }).click();
  await page.waitForURL(`**/functions/${calls.failerID}/executions?execution=*`);
  await expect(page.getByRole('dialog', { name: 'Execution' })).toContainText('exiting with status 3');
});

test('every function’s logs, filtered by function and by text, and followed', async ({ page, signIn, shot, calls }) => {
  await signIn(admin);
  await page.goto('/admin/system');
  await refreshUntil(page, 'Function logs', async () => {
    await expect(logs(page).getByText('greeting Sysadmin').first()).toBeVisible({ timeout: 1000 });
    await expect(logs(page).getByText('exiting with status 3').first()).toBeVisible({ timeout: 1000 });
  });

  // By function: only hello's lines.
  await page.getByLabel('Function', { exact: true }).selectOption({ label: 'sys-hello' });
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(`**/admin/system?function=${calls.helloID}`);
  await expect(logs(page).getByText('greeting Sysadmin').first()).toBeVisible();
  await expect(logs(page).getByText('exiting with status 3')).toHaveCount(0);
  await expect(logs(page).locator(`[data-function="${calls.failerID}"]`)).toHaveCount(0);

  // By text, in any case, across every function: only failer's lines.
  await page.getByLabel('Function', { exact: true }).selectOption({ label: 'Every function' });
  await page.getByLabel('Text', { exact: true }).fill('EXITING WITH');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(logs(page).getByText('exiting with status 3').first()).toBeVisible();
  await expect(logs(page).getByText('greeting Sysadmin')).toHaveCount(0);
  await expect(logs(page).locator('.logs__line').first().getByRole('link', { name: 'sys-failer' })).toBeVisible();

  // Follow hello's lines: a new call appears without a reload.
  await page.getByLabel('Text', { exact: true }).fill('');
  await page.getByLabel('Function', { exact: true }).selectOption({ label: 'sys-hello' });
  await page.getByRole('button', { name: 'Show' }).click();
  await page.getByRole('button', { name: 'Follow' }).click();
  await expect(logsPanel(page).locator('[data-state="live"]')).toBeVisible();
  await expect(logs(page).getByText('greeting Sysadmin').first()).toBeVisible();
  await calls.client.invoke(calls.helloID, 'name=Followed');
  await calls.client.call('POST', `/api/functions/${calls.failerID}/invoke`, { body: 'x' });
  await expect(logs(page).getByText('greeting Followed')).toBeVisible({ timeout: 15_000 });
  await expect(logs(page).getByText('exiting with status 3')).toHaveCount(0);
  await shot('51-admin-system-logs');
  await page.getByRole('button', { name: 'Stop following' }).click();
  await expect(logsPanel(page).locator('[data-state="look"]')).toBeVisible();
});

test('a read-only administrator sees the same page', async ({ page, signIn, newAccount, adminClient }) => {
  const viewer = await newAccount('sysviewer', 'Sys Viewer');
  await adminClient.json('PATCH', `/api/admin/users/${viewer.id}`, { role: 'admin', admin_role: 'viewer' });
  await signIn(viewer);
  await page.goto('/admin/system');
  await expect(page.getByText(/You are a read-only administrator/)).toBeVisible();
  await expect(page.getByTestId('load').locator('[data-stat="Database"]')).toContainText('OK');
  await expect(page.getByTestId('errors').locator('tbody tr').filter({ hasText: 'sys-failer' }).first()).toBeVisible();
  await page.getByLabel('Level', { exact: true }).selectOption('error');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(logs(page).getByText('exiting with status 3').first()).toBeVisible();
  await expect(logs(page).getByText(/greeting/)).toHaveCount(0);
});
