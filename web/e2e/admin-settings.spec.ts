// The platform settings and the early-access queue: switch registration to
// early access with a capacity of one, two people ask, one is approved (a
// temporary password shown once), the second is refused beyond the
// capacity and rejected with a reason; a read-only admin changes nothing.
import { join } from 'node:path';
import { admin, screenshots } from './env';
import { Client, expect, failed, test } from './fixtures';

test.describe.configure({ mode: 'serial' });

test('early access: settings, requests, approval up to the capacity, rejection', async ({ page, signIn, shot, guard, adminClient, api, browser, baseURL }) => {
  const before = await adminClient.json<{ registration_mode: string; early_access_capacity: number }>('GET', '/api/admin/settings');
  try {
    await signIn(admin);
    await page.goto('/admin/settings');
    await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
    await expect(page.getByText('Mail is not configured')).toBeVisible();
    await page.getByLabel('Registration').selectOption('early_access');
    await page.getByLabel('Early-access capacity').fill('1');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(page.getByText('Settings saved')).toBeVisible();
    await shot('40-admin-settings');
    // A bad value is the server's readable refusal, not a crash.
    await page.getByLabel('SMTP server').fill('smtp://nope');
    await guard.expecting([failed(422, '/api/admin/settings')], async () => {
      await page.getByRole('button', { name: 'Save settings' }).click();
      await expect(page.getByRole('alert')).toContainText('The settings were not saved.');
    });
    await page.getByLabel('SMTP server').fill('');

    const stamp = Date.now();
    const r = await api.post('/api/early-access', { data: { email: `first-${stamp}@example.com`, name: 'first', reason: 'e2e' } });
    expect(r.status(), 'the request of first').toBe(202);
    // The second asks from the sign-in page, as a visitor.
    const visitor = await browser.newContext({ baseURL });
    try {
      const anon = await visitor.newPage();
      await anon.goto('/signin');
      await anon.getByRole('link', { name: 'Ask for early access' }).click();
      await anon.getByLabel('Name').fill('second');
      await anon.getByLabel('Email').fill(`second-${stamp}@example.com`);
      await anon.getByLabel('What would you use berth for?').fill('e2e from the form');
      await anon.getByRole('button', { name: 'Ask for access' }).click();
      await expect(anon.getByText('an administrator will look at your request')).toBeVisible();
      await anon.screenshot({ path: join(screenshots, '61-early-access-request.png'), fullPage: true, animations: 'disabled' });
    } finally {
      await visitor.close();
    }
    await page.getByRole('navigation', { name: 'Administration sections' }).getByRole('link', { name: 'Early access' }).click();
    await expect(page.getByTestId('early-mode')).toContainText('by early access; at most 1 requests are approved.');
    const first = page.locator(`[data-request="first-${stamp}@example.com"]`);
    const second = page.locator(`[data-request="second-${stamp}@example.com"]`);
    await expect(first).toBeVisible();
    await shot('41-admin-early-access');
    await first.getByRole('button', { name: 'Approve' }).click();
    const secret = page.getByTestId('secret-value');
    await expect(secret).toBeVisible();
    const pw = (await secret.textContent()) ?? '';
    expect(pw.length).toBeGreaterThanOrEqual(20);
    await shot('42-admin-early-access-approved');
    await page.getByRole('button', { name: 'I have copied the secret' }).click();
    // The capacity is reached: the server says so, in words.
    await guard.expecting([failed(409, '/approve')], async () => {
      await second.getByRole('button', { name: 'Approve' }).click();
      await expect(page.getByRole('alert')).toContainText('capacity of 1 approved accounts is reached');
    });
    await second.getByRole('button', { name: 'Reject…' }).click();
    await page.getByLabel('Reason').fill('the beta is full');
    await page.getByRole('button', { name: 'Reject the request' }).click();
    await expect(second).toHaveCount(0);
    await page.getByRole('button', { name: 'Rejected' }).click();
    await expect(page.locator(`[data-request="second-${stamp}@example.com"]`)).toContainText('rejected: the beta is full');
    // The approved account signs in with the temporary password, which must be changed first.
    const approved = await Client.login(api, { email: `first-${stamp}@example.com`, password: pw });
    expect((await approved.call('GET', '/api/functions')).status()).toBe(403);
  } finally {
    await adminClient.json('PATCH', '/api/admin/settings', {
      registration_mode: before.registration_mode,
      early_access_capacity: before.early_access_capacity,
    });
  }
});

test('a read-only admin sees the settings and changes nothing', async ({ page, signIn, shot, newAccount, adminClient }) => {
  const viewer = await newAccount('settings-viewer', 'Sid Viewer');
  await adminClient.json('PATCH', `/api/admin/users/${viewer.id}`, { role: 'admin', admin_role: 'viewer' });
  await signIn(viewer);
  await page.goto('/admin/settings');
  await expect(page.getByLabel('Registration')).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Save settings' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Save settings' })).toHaveAttribute('title', 'Read-only administrators cannot change accounts.');
  await shot('43-admin-viewer-settings');
});
