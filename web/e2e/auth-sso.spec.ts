// Single sign-on through a real OpenID provider (the test provider the
// global setup runs): "Sign in with Corp SSO" on the sign-in page, the
// provider's own login page, back to the page asked for with a session;
// the account is made on first sight with the provider's name and the
// mapped group; sign-out ends the provider's session too.
import { envIdP, ssoUser } from './idp';
import { expect, test } from './fixtures';

test('sign in with the OpenID provider, and out again', async ({ page, shot, adminClient }) => {
  const issuer = process.env[envIdP]!;
  await page.goto('/signin?next=/profile');
  await shot('70-signin-with-provider');
  await page.getByRole('link', { name: 'Sign in with Corp SSO' }).click();

  // The provider's page, on the provider's origin.
  await expect(page).toHaveURL(new RegExp('^' + issuer.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '/login/username'));
  await page.getByLabel('Username:').fill(ssoUser.username);
  await page.getByLabel('Password:').fill(ssoUser.password);
  await page.getByRole('button', { name: 'Login' }).click();

  // Back on berth, signed in, on the page asked for.
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole('heading', { name: 'Profile' })).toBeVisible();
  await expect(page.getByText(ssoUser.email).first()).toBeVisible();
  await shot('71-signed-in-through-provider');

  // The account came from the provider, with its mapped group.
  const users = await adminClient.json<{ items: { id: string; email: string; name: string }[] }>('GET', `/api/admin/users?q=${ssoUser.email}`);
  const made = users.items.find((u) => u.email === ssoUser.email);
  expect(made?.name).toBe(ssoUser.name);
  const groups = await adminClient.json<{ items: { name: string; members: number }[] }>('GET', '/api/admin/groups');
  expect(groups.items.find((g) => g.name === 'e2e-team')?.members).toBe(1);

  // Sign-out goes through the provider's end-session endpoint and back to berth's sign-in page.
  await expect(page.locator('.topbar__who')).toHaveText(ssoUser.name);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('link', { name: 'Sign in with Corp SSO' })).toBeVisible();
  expect((await page.request.get('/api/users/me')).status()).toBe(401);
});
