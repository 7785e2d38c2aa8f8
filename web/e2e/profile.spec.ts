// The profile page: the theme (kept across reloads and shown on other
// pages), the name, and a CLI keypair created and revoked.
import { echoWasm } from './env';
import { Client, expect, test } from './fixtures';

test('profile: theme, name and a keypair', async ({ page, newAccount, api, signIn, shot }) => {
  const owner = await newAccount('profile', 'Profile Owner');
  const fnID = await (await Client.login(api, owner)).deployedFunction('themed', echoWasm);
  await signIn(owner);
  await page.goto('/functions');
  await page.getByRole('link', { name: 'Profile' }).click();
  await page.getByRole('radio', { name: /^Dark/ }).check();
  await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
  await page.getByLabel('Name', { exact: true }).fill('Ada Admin');
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await page.getByLabel('Name (optional)').fill('e2e script');
  await page.getByRole('button', { name: 'Create keypair' }).click();
  await expect(page.getByTestId('secret-value')).toBeVisible();
  await shot('19-profile-dark-keypair');
  await page.getByRole('button', { name: 'I have copied the secret' }).click();
  await page.getByRole('button', { name: 'Revoke e2e script' }).click();
  await page.getByRole('dialog', { name: 'Revoke this keypair?' }).getByRole('button', { name: 'Revoke' }).click();
  await expect(page.locator('[data-keypair="e2e script"]')).toHaveCount(0);
  await page.reload();
  await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
  await expect(page.getByRole('radio', { name: /^Dark/ }), 'the theme is saved').toBeChecked();
  await page.goto(`/functions/${fnID}/metrics`);
  await expect(page.locator('figure.chart[data-total]').first()).toBeVisible();
  await shot('20-metrics-dark');
  await page.goto('/profile');
  await page.getByRole('radio', { name: /^Light/ }).check();
  await page.waitForFunction(() => document.documentElement.dataset.theme === 'light');
  await page.getByRole('radio', { name: /^System/ }).check();
  await page.waitForFunction(() => document.documentElement.dataset.themeChoice === 'system');
});
