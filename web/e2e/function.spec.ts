// One function's pages, in the order a user meets them: deploy, metrics,
// invoke, executions, logs, API keys, roll back, settings and deletion.
import { badWasm, echoWasm } from './env';
import { Client, expect, failed, test as base, type Account } from './fixtures';

interface Owned {
  owner: Account;
  client: Client;
  fnID: string;
}

// The account and its function, not yet deployed, that this spec's steps share.
const test = base.extend<object, { owned: Owned }>({
  owned: [
    async ({ newAccount, api }, use) => {
      const owner = await newAccount('owner', 'Function Owner');
      const client = await Client.login(api, owner);
      await use({ owner, client, fnID: await client.createFunction('e2e-echo', 'Echoes what it is sent (end-to-end test)') });
    },
    { scope: 'worker' },
  ],
});

test.describe.configure({ mode: 'serial' });

let fnID = '';
let before = -1; // invocations the chart showed before the first call

test.beforeEach(async ({ signIn, owned }) => {
  fnID = owned.fnID;
  await signIn(owned.owner);
});

const tab = (path = '') => `/functions/${fnID}${path && '/' + path}`;

test('deploy by upload: three versions, one refused', async ({ page, server, guard, shot }) => {
  test.setTimeout(120_000);
  await page.goto(tab('deploy'));
  await expect(page.getByRole('heading', { name: 'e2e-echo' })).toBeVisible();
  const input = page.getByTestId('deploy-input');
  await input.setInputFiles(echoWasm);
  await expect(page.getByText('Version 1 is live').first()).toBeVisible();
  await shot('05-deploy');
  await guard.expecting([failed(422, '/deploy')], async () => {
    await input.setInputFiles(badWasm);
    await expect(page.getByRole('alert').filter({ hasText: 'was not deployed; the live version is unchanged' })).toBeVisible();
  });
  await expect(page.locator('[data-version="2"]').getByText('Failed')).toBeVisible();
  await shot('06-deploy-refused');
  await input.setInputFiles(server.helloWasm);
  await expect(page.getByText('Version 3 is live').first()).toBeVisible({ timeout: 60000 });
  await expect(page.locator('[data-version="3"]').getByText('Live')).toBeVisible();
});

test('metrics before any call', async ({ page }) => {
  await page.goto(tab('metrics'));
  const fig = page.locator('figure.chart[data-total]').first();
  await expect(fig).toBeVisible();
  before = Number(await fig.getAttribute('data-total'));
  expect(before, 'no invocations yet').toBe(0);
});

test('invoke from the invoke panel, then as an anonymous caller', async ({ page, guard, shot }) => {
  await page.goto(tab());
  await page.getByRole('link', { name: 'Invoke' }).click();
  await page.getByLabel('Query string').fill('name=Ada');
  await page.getByLabel('Body').fill('hello from the browser');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('invoke-status').filter({ hasText: '200' })).toBeVisible();
  await expect(page.getByTestId('invoke-body'), 'the function answered').toContainText('Hello, Ada!');
  await shot('07-invoke');
  // The HTTP trigger as an anonymous caller: a private function says 401, in words.
  await guard.expecting([failed(401, '/fn/')], async () => {
    await page.getByLabel(/The HTTP trigger/).check();
    await page.getByLabel('Method', { exact: true }).selectOption('GET');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect(page.getByTestId('invoke-status').filter({ hasText: '401' })).toBeVisible();
    await expect(page.getByText(/berth refused or the function failed: .*private/)).toBeVisible();
  });
  await shot('08-invoke-refused');
});

test('the execution and its drawer', async ({ page, shot }) => {
  await page.goto(tab());
  await page.getByRole('link', { name: 'Executions' }).click();
  const row = page.getByTestId('executions').locator('tbody tr').first();
  await expect(row).toBeVisible();
  await expect(row.getByText('Success')).toBeVisible();
  await shot('09-executions');
  await row.getByRole('button').click();
  const drawer = page.getByRole('dialog', { name: 'Execution' });
  await expect(drawer.getByTestId('execution-detail')).toBeVisible();
  await expect(drawer.getByText('greeting Ada')).toBeVisible();
  await shot('10-execution-drawer', false);
  await page.keyboard.press('Escape');
  await expect(drawer).toBeHidden();
});

test('metrics after invoking: the chart moves', async ({ page, shot }) => {
  await page.goto(tab());
  await page.getByRole('link', { name: 'Metrics' }).click();
  const fig = page.locator('figure.chart[data-total]').first();
  await expect(fig).toBeVisible();
  const after = Number(await fig.getAttribute('data-total'));
  expect(after >= 1 && after > before, `invocations went from ${before} to ${after}`).toBe(true);
  console.log(`chart: ${before} → ${after} invocations`);
  await page.getByRole('button', { name: '7 days (hourly)' }).click();
  await expect(page.getByTestId('metrics-summary').getByText(/in the last 7 days/)).toBeVisible();
  await page.getByRole('button', { name: '30 days' }).click();
  await expect(page.getByTestId('metrics-summary').getByText(/in the last 30 days/)).toBeVisible();
  await shot('11-metrics');
});

test('live logs: a line appears while the page listens', async ({ page, shot, owned: { client } }) => {
  await page.goto(tab());
  await page.getByRole('link', { name: 'Logs' }).click();
  await expect(page.locator('[data-state="live"]')).toBeVisible();
  await expect(page.getByRole('log').getByText('greeting Ada').first()).toBeVisible();
  await client.invoke(fnID, 'name=Live');
  await expect(page.getByRole('log').getByText('greeting Live')).toBeVisible({ timeout: 10000 });
  await shot('12-logs');
});

test('API keys: the secret once, then revoke', async ({ page, shot }) => {
  await page.goto(tab());
  await page.getByRole('link', { name: 'API keys' }).click();
  await expect(page.getByText('No API keys')).toBeVisible();
  await page.getByLabel('Name', { exact: true }).fill('e2e-key');
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = ((await page.getByTestId('secret-value').textContent()) ?? '').trim();
  expect(secret.length, 'a secret is shown').toBeGreaterThanOrEqual(20);
  await page.getByRole('button', { name: 'Copy the secret' }).click();
  await expect(page.getByText('Copied', { exact: true }).first()).toBeVisible();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied, 'the copy button copies the secret').toBe(secret);
  await shot('13-api-key-secret-once');
  await page.getByRole('button', { name: 'I have copied the secret' }).click();
  await expect(page.getByTestId('secret-value')).toHaveCount(0);
  const leftovers = await page.evaluate(
    (s) => document.documentElement.outerHTML.includes(s) || JSON.stringify({ ...localStorage, ...sessionStorage }).includes(s),
    secret,
  );
  expect(leftovers, 'the secret is gone from the page and from storage').toBe(false);
  const row = page.locator('[data-key="e2e-key"]');
  await expect(row.getByText('Active')).toBeVisible();
  await row.getByRole('button', { name: 'Revoke e2e-key' }).click();
  await expect(row.getByText('Revoked')).toBeVisible();
  await shot('14-api-keys');
});

test('roll back to version 1', async ({ page, shot }) => {
  await page.goto(tab());
  await page.getByRole('link', { name: 'Deployments' }).click();
  await page.getByRole('button', { name: 'Roll back to v1' }).click();
  const dialog = page.getByRole('dialog', { name: 'Make version 1 live?' });
  await expect(dialog).toBeVisible();
  await shot('15-rollback-confirm', false);
  await dialog.getByRole('button', { name: 'Make v1 live' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('Version 1 is live').first()).toBeVisible();
  await expect(page.locator('[data-version="1"]').getByText('Live')).toBeVisible();
});

test('settings: a refused value, then memory, a variable and a secret', async ({ page, shot }) => {
  await page.goto(tab('deploy'));
  await page.getByRole('link', { name: 'Overview' }).click();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  const memory = page.getByLabel('Memory (MiB)');
  await memory.fill('5');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Enter the memory from 16 to 1024 MiB.')).toBeVisible();
  await memory.fill('64');
  await page.getByRole('button', { name: 'Add variable' }).click();
  await page.getByLabel('Name of variable 1').fill('GREETING');
  await page.getByLabel('Value of GREETING').fill('hello');
  await page.getByRole('button', { name: 'Add secret' }).click();
  await page.getByLabel('Name of new secret 1').fill('API_TOKEN');
  await page.getByLabel('Value of API_TOKEN').fill('s3cret-value-never-shown');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('The settings are saved.').first()).toBeVisible();
  await expect(page.locator('[data-secret="API_TOKEN"]').getByText('••••••••')).toBeVisible();
  expect(
    await page.evaluate(() => document.documentElement.outerHTML.includes('s3cret-value-never-shown')),
    'a saved secret is not kept in the page',
  ).toBe(false);
  await shot('16-overview-settings');
});

test('deletion: the dialog by keyboard, schedule, countdown, cancel', async ({ page, shot }) => {
  await page.goto(tab());
  // Keyboard: Tab stays inside the dialog, Escape closes it, focus goes back.
  const opener = page.getByRole('button', { name: 'Delete function…' });
  await opener.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Delete e2e-echo?' });
  await expect(dialog).toBeVisible();
  for (let i = 0; i < 5; i++) await page.keyboard.press('Tab');
  expect(await dialog.evaluate((d) => d.contains(document.activeElement)), 'Tab stays in the dialog').toBe(true);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(opener, 'focus returns to the button that opened the dialog').toBeFocused();
  await opener.click();
  await dialog.getByRole('button', { name: 'Schedule deletion' }).click();
  const banner = page.getByRole('region', { name: 'Scheduled deletion' });
  await expect(banner).toBeVisible();
  const first = await page.getByTestId('deletion-countdown').textContent();
  await page.waitForTimeout(1200);
  const second = await page.getByTestId('deletion-countdown').textContent();
  expect(first !== second && /h/.test(first ?? ''), `the countdown runs (${first} → ${second})`).toBe(true);
  await shot('17-deletion-scheduled');
  await banner.getByRole('button', { name: 'Cancel deletion' }).click();
  await expect(banner).toBeHidden();
  await expect(page.locator('.fn-head__meta').getByText('Active')).toBeVisible();
});
