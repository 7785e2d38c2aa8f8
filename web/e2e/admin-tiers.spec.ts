// Tiers: create one with limits and a feature role, edit it, see the
// server refuse to delete a tier in use (in words), then delete it.
import { admin } from './env';
import { expect, failed, test } from './fixtures';

test('create, edit and delete a tier; a tier in use stays', async ({ page, signIn, shot, guard, adminClient, newAccount }) => {
  const name = `e2e-small-${Date.now() % 100000}`;
  await signIn(admin);
  await page.goto('/admin/tiers');
  await expect(page.locator('[data-tier="default"]')).toContainText('(default)');
  await expect(page.locator('[data-tier="default"]').getByRole('button', { name: 'Delete…' })).toBeDisabled();
  await page.getByRole('button', { name: 'New tier…' }).click();
  const dialog = page.getByRole('dialog', { name: 'New tier' });
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByLabel('Functions per owner').fill('-1');
  await dialog.getByRole('button', { name: 'Save tier' }).click();
  await expect(dialog.getByRole('alert')).toContainText('Functions per owner: a whole number from 0');
  await dialog.getByLabel('Functions per owner').fill('2');
  await dialog.getByLabel('Calls per day').fill('1000');
  await dialog.getByRole('checkbox', { name: /Containers/ }).check();
  await dialog.getByRole('button', { name: 'Save tier' }).click();
  const row = page.locator(`[data-tier="${name}"]`);
  await expect(row.getByTestId('limits')).toHaveText('Functions per owner: 2 · Calls per day: 1,000');
  await expect(row).toContainText('containers');
  await shot('46-admin-tiers');

  await row.getByRole('button', { name: 'Edit' }).click();
  await page.getByRole('dialog').getByLabel('Functions per owner').fill('3');
  await page.getByRole('dialog').getByRole('button', { name: 'Save tier' }).click();
  await expect(row.getByTestId('limits')).toHaveText('Functions per owner: 3 · Calls per day: 1,000');

  // On a tier, an account keeps it from being deleted.
  const { items } = await adminClient.json<{ items: Array<{ id: string; name: string }> }>('GET', '/api/admin/tiers');
  const tier = items.find((t) => t.name === name)!;
  const someone = await newAccount('tiered', 'Tia Tiered');
  await adminClient.json('PATCH', `/api/admin/users/${someone.id}`, { tier_id: tier.id });
  await row.getByRole('button', { name: 'Delete…' }).click();
  await guard.expecting([failed(409, '/api/admin/tiers/')], async () => {
    await page.getByRole('button', { name: 'Delete tier' }).click();
    await expect(page.getByRole('dialog').getByRole('alert')).toContainText('is in use by 1 accounts');
  });
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  await adminClient.json('PATCH', `/api/admin/users/${someone.id}`, { tier_id: '' });
  await row.getByRole('button', { name: 'Delete…' }).click();
  await page.getByRole('button', { name: 'Delete tier' }).click();
  await expect(row).toHaveCount(0);
});
