// The administration of accounts: the Admin entry, the users list, one
// account's status, role, sessions and audit trail, and what a read-only
// administrator sees.
import type { Page } from '@playwright/test';
import { admin } from './env';
import { Client, expect, test as base, type Account, type UserOut } from './fixtures';

type Person = Account & UserOut;

// The accounts this spec administers: a user, and a read-only admin made
// one by the full admin through the API.
const test = base.extend<object, { people: { grace: Person; viewer: Person } }>({
  people: [
    async ({ newAccount, adminClient }, use) => {
      const grace = await newAccount('grace', 'Grace Hopper');
      const viewer = await newAccount('viewer', 'Vic Viewer');
      await adminClient.json('PATCH', `/api/admin/users/${viewer.id}`, { role: 'admin', admin_role: 'viewer' });
      await use({ grace, viewer });
    },
    { scope: 'worker' },
  ],
});

test.describe.configure({ mode: 'serial' });

const readOnly = 'Read-only administrators cannot change accounts.';

/** openUser finds an account through the users list's search and opens it. */
async function openUser(page: Page, email: string) {
  await page.goto('/admin/users');
  await page.getByLabel('Search').fill(email);
  await expect(page.locator('[data-testid="users"] tbody tr')).toHaveCount(1);
  await page.locator(`[data-user="${email}"]`).getByRole('link', { name: email }).click();
  await expect(page.getByRole('heading', { name: email })).toBeVisible();
}

const meta = (page: Page) => page.locator('.fn-head__meta');

test('the Admin entry is for administrators only', async ({ page, signIn, people: { grace } }) => {
  await signIn(grace);
  await page.goto('/functions');
  await expect(page.getByText('You have no functions yet')).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' })).toHaveCount(0);
  await page.goto('/admin/users');
  await expect(page.getByRole('heading', { name: 'This is for administrators' })).toBeVisible();
});

test('find an account, block it with a reason, see it blocked, enable it', async ({ page, signIn, shot, api, people: { grace } }) => {
  const graceAPI = await Client.login(api, grace);
  await signIn(admin);
  await page.goto('/functions');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
  await page.waitForURL('**/admin/users');
  await expect(page.locator(`[data-user="${admin.email}"]`)).toBeVisible();
  await expect(page.locator(`[data-user="${grace.email}"]`)).toBeVisible();
  await shot('30-admin-users');

  await page.getByLabel('Search').fill(grace.email.split('@')[0]);
  await expect(page.locator('[data-testid="users"] tbody tr')).toHaveCount(1);
  await expect(page.getByText('1 account matches.')).toBeVisible();
  await shot('31-admin-users-search');
  await page.getByRole('link', { name: grace.email }).click();
  await expect(page.getByRole('heading', { name: grace.email })).toBeVisible();
  await expect(meta(page).getByText('Active')).toBeVisible();
  // Signed in from the first test's browser, and through the API here.
  const sessions = page.getByTestId('sessions');
  await expect(sessions.locator('[data-kind="Browser session"]')).toHaveCount(1);
  await expect(sessions.locator('[data-kind="API login"]')).toHaveCount(1);
  await shot('32-admin-user');

  await page.getByRole('button', { name: 'Block…' }).click();
  const dialog = page.getByRole('dialog', { name: `Block ${grace.email}?` });
  await dialog.getByRole('button', { name: 'Block account' }).click();
  await expect(dialog.getByText('Say why; the reason is kept in the audit log.')).toBeVisible();
  await dialog.getByLabel('Reason').fill('e2e: sends spam from its functions');
  await shot('33-admin-block-dialog', false);
  await dialog.getByRole('button', { name: 'Block account' }).click();
  await expect(dialog).toBeHidden();
  await expect(meta(page).getByText('Blocked')).toBeVisible();
  await expect(page.getByText('Not signed in anywhere')).toBeVisible();
  expect((await graceAPI.call('GET', '/api/users/me')).status(), 'a blocked account’s token is refused').toBeGreaterThanOrEqual(401);

  await page.getByRole('link', { name: 'Users' }).first().click();
  await page.getByLabel('Status').selectOption('blocked');
  const row = page.locator(`[data-user="${grace.email}"]`);
  await expect(row.getByText('Blocked')).toBeVisible();
  await shot('34-admin-users-blocked');
  await row.getByRole('link', { name: grace.email }).click();
  await page.getByRole('button', { name: 'Enable' }).click();
  await expect(meta(page).getByText('Active')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Block…' })).toBeEnabled();
});

test('change its role, and back', async ({ page, signIn, people: { grace } }) => {
  await signIn(admin);
  await openUser(page, grace.email);
  const change = page.getByRole('button', { name: 'Change role' });
  await expect(change).toBeDisabled();
  await page.getByRole('radio', { name: /^Administrator \(read-only\)/ }).check();
  await change.click();
  await expect(meta(page).getByText('Administrator (read-only)')).toBeVisible();
  await page.goto('/admin/users?admin_role=viewer');
  await expect(page.locator(`[data-user="${grace.email}"]`).getByText('Administrator (read-only)')).toBeVisible();
  await openUser(page, grace.email);
  await page.getByRole('radio', { name: /^User/ }).check();
  await page.getByRole('button', { name: 'Change role' }).click();
  await expect(meta(page).getByText('User', { exact: true })).toBeVisible();
});

test('end a session; the account’s and the admin’s audit trails', async ({ page, signIn, shot, api, people: { grace } }) => {
  const graceAPI = await Client.login(api, grace);
  await signIn(admin);
  await openUser(page, grace.email);
  const login = page.getByTestId('sessions').locator('[data-kind="API login"]');
  await expect(login).toHaveCount(1);
  await shot('35-admin-user-sessions');
  await login.getByRole('button', { name: /^End API login/ }).click();
  await page.getByRole('dialog', { name: 'End this API login?' }).getByRole('button', { name: 'End it' }).click();
  await expect(login).toHaveCount(0);
  expect((await graceAPI.call('GET', '/api/users/me')).status(), 'an ended login’s token is refused').toBe(401);
  const trail = page.getByTestId('audit');
  await expect(trail.locator('[data-action="auth.register"]')).toHaveCount(1);
  await expect(trail.locator('[data-action="auth.login"]').first()).toBeVisible();
  // The account's trail also holds what administrators did to it.
  await page.reload();
  await expect(page.getByTestId('audit').locator('[data-action="admin.session_end"]').first()).toBeVisible();

  // And the admin's own trail has it too.
  await openUser(page, admin.email);
  await expect(page.getByText('This is you')).toBeVisible();
  const mine = page.getByTestId('audit');
  await expect(mine.locator('[data-action="admin.user_block"]').first()).toContainText('reason: e2e: sends spam from its functions');
  await expect(mine.locator('[data-action="admin.session_end"]').first()).toBeVisible();
  await expect(page.getByRole('button', { name: 'Block…' })).toBeDisabled();
  await shot('36-admin-own-account');
});

test('delete an account after confirming, then restore it', async ({ page, signIn, newAccount }) => {
  const gone = await newAccount('leaving', 'Leaving Soon');
  await signIn(admin);
  await openUser(page, gone.email);
  await page.getByRole('button', { name: 'Delete account…' }).click();
  await page.getByRole('dialog', { name: `Delete ${gone.email}?` }).getByRole('button', { name: 'Delete account' }).click();
  await expect(meta(page).getByText('Deleted')).toBeVisible();
  await page.getByRole('button', { name: 'Restore' }).click();
  await expect(meta(page).getByText('Active')).toBeVisible();
});

test('a read-only admin sees the accounts and can change none', async ({ page, signIn, shot, api, people: { grace, viewer } }) => {
  await Client.login(api, grace); // a session to list, with its End button
  const viewerAPI = await Client.login(api, viewer);
  await signIn(viewer);
  await page.goto('/functions');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
  await expect(page.getByText(/You are a read-only administrator/)).toBeVisible();
  await expect(page.locator(`[data-user="${grace.email}"]`)).toBeVisible();
  await shot('37-admin-viewer-users');
  await openUser(page, grace.email);
  await expect(page.getByTestId('sessions').locator('tbody tr').first()).toBeVisible();
  const actions = [
    page.getByRole('button', { name: 'Block…' }),
    page.getByRole('button', { name: 'Delete account…' }),
    page.getByRole('button', { name: 'Change role' }),
    ...(await page.getByTestId('sessions').getByRole('button', { name: /^End / }).all()),
  ];
  expect(actions.length).toBeGreaterThanOrEqual(4);
  for (const b of actions) {
    await expect(b).toBeDisabled();
    await expect(b).toHaveAttribute('title', readOnly);
  }
  await expect(page.getByRole('radio', { name: /^User/ })).toBeDisabled();
  await shot('38-admin-viewer-user');
  // The server agrees: a viewer's change is refused.
  const r = await viewerAPI.call('POST', `/api/admin/users/${grace.id}/block`, { data: { reason: 'not allowed' } });
  expect(r.status(), 'a read-only admin cannot block').toBe(403);
});

test('an account an admin creates must choose its own password first', async ({ page, signIn, shot, adminClient, api }) => {
  const email = `temp-${Date.now()}@example.com`;
  const made = await adminClient.json<{ temporary_password: string; mailed: boolean }>('POST', '/api/admin/users', {
    email,
    name: 'Tem Porary',
  });
  expect(made.mailed, 'no mail is configured: the password comes back').toBe(false);
  await signIn({ email, password: made.temporary_password });
  await page.goto('/functions');
  await expect(page.getByRole('heading', { name: 'Choose your password' })).toBeVisible();
  // The server refuses everything else meanwhile, the dashboard asks nothing else.
  const meanwhile = await Client.login(api, { email, password: made.temporary_password });
  expect((await meanwhile.call('GET', '/api/functions')).status()).toBe(403);
  await shot('39-choose-password');
  const mine = 'my very own long passphrase 42';
  await page.getByLabel('Temporary password').fill(made.temporary_password);
  await page.getByLabel('New password', { exact: true }).fill(mine);
  await page.getByLabel('New password, again').fill(mine);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('You have no functions yet')).toBeVisible();
  const after = await Client.login(api, { email, password: mine });
  expect((await after.call('GET', '/api/functions')).status()).toBe(200);
});

test('create an account in the dashboard, then issue it a new temporary password', async ({ page, signIn, shot, api }) => {
  const email = `made-${Date.now()}@example.com`;
  await signIn(admin);
  await page.goto('/admin/users');
  await page.getByRole('button', { name: 'New account…' }).click();
  const dialog = page.getByRole('dialog', { name: 'New account' });
  await dialog.getByLabel('Email').fill(email);
  await dialog.getByLabel('Name').fill('Made Here');
  await dialog.getByLabel('Role').selectOption('viewer');
  await shot('44-admin-new-account');
  await dialog.getByRole('button', { name: 'Create account' }).click();
  const first = (await page.getByTestId('secret-value').textContent()) ?? '';
  expect(first.length).toBeGreaterThanOrEqual(20);
  await page.getByRole('button', { name: 'I have copied the secret' }).click();
  const made = await Client.login(api, { email, password: first });
  expect((await made.call('GET', '/api/admin/users')).status(), 'a temporary password allows nothing').toBe(403);

  await openUser(page, email);
  await expect(page.getByText('temporary: the account must choose its own')).toBeVisible();
  await page.getByRole('button', { name: 'New temporary password…' }).click();
  await page.getByRole('button', { name: 'Issue a temporary password' }).click();
  const second = (await page.getByTestId('secret-value').textContent()) ?? '';
  expect(second).not.toBe(first);
  await shot('45-admin-temporary-password');
  expect((await made.call('GET', '/api/users/me')).status(), 'the new password ended the old login').toBe(401);
  await Client.login(api, { email, password: second });
});
