// Signing in and out, registering, and a session that ends under the user.
import { admin, echoWasm } from './env';
import { Client, expect, failed, test as base, type Account } from './fixtures';

// An account with a function that has run once, made for this spec.
const test = base.extend<object, { owned: { owner: Account; fnID: string } }>({
  owned: [
    async ({ newAccount, api }, use) => {
      const owner = await newAccount('session', 'Session Owner');
      await use({ owner, fnID: await (await Client.login(api, owner)).deployedFunction('session-fn', echoWasm) });
    },
    { scope: 'worker' },
  ],
});

test.describe.configure({ mode: 'serial' });

test('sign in: a wrong password, then the right one', async ({ page, guard, shot }) => {
  await page.goto('/profile');
  await page.waitForURL(/\/signin\?next=%2Fprofile/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await shot('01-sign-in');
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill('not the password');
  await guard.expecting([failed(401, '/server/login')], async () => {
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Not signed in.' })).toBeVisible();
  });
  await shot('02-sign-in-error');
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/profile');
  await expect(page.getByRole('heading', { name: 'Profile', level: 1 })).toBeVisible();
});

test('an ended session comes back to where it was', async ({ page, context, guard, signIn, owned: { owner, fnID } }) => {
  await signIn(owner);
  await page.goto(`/functions/${fnID}/executions`);
  await expect(page.getByTestId('executions')).toBeVisible();
  await context.clearCookies();
  await guard.expecting([failed(401, '/api/functions/')], async () => {
    await page.getByRole('link', { name: 'Deployments' }).click();
    await page.waitForURL(/\/signin\?next=%2Ffunctions%2F[0-9a-f-]+%2Fdeploy&reason=expired/);
  });
  await expect(page.getByText('Your session has ended.')).toBeVisible();
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`**/functions/${fnID}/deploy`);
  await expect(page.getByRole('heading', { name: 'Versions' })).toBeVisible();
});

test('sign out, register an account, sign out', async ({ page, signIn, shot, owned: { fnID } }) => {
  await signIn(admin);
  await page.goto('/functions');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('**/signin?reason=signed-out');
  await expect(page.getByText('You are signed out.')).toBeVisible();
  await shot('25-signed-out');
  await page.getByRole('link', { name: 'Create an account' }).click();
  await expect(page.getByRole('heading', { name: 'Create an account' })).toBeVisible();
  await page.getByLabel('Name').fill('Grace Hopper');
  await page.getByLabel('Email').fill('grace@example.com');
  await page.getByLabel('Password').fill('compilers are a fine invention');
  await shot('26-register');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/functions');
  await expect(page.getByText('You have no functions yet')).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('**/signin?reason=signed-out');
  // Signed out, a protected page sends the visitor to sign in.
  await page.goto(`/functions/${fnID}/logs`);
  await page.waitForURL(/\/signin\?next=%2Ffunctions%2F.*%2Flogs$/);
});
