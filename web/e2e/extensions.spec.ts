// Plugins: the example plugin (examples/plugin-notes) runs beside berth;
// within a poll it is in Extensions, its settings page is drawn from its
// JSON Schema, a value out of range is refused at its field, the secret
// shows only whether it is set, and its action answers. Admin › Services
// shows its health.
import { expect, test } from './fixtures';
import { admin } from './env';

test('a plugin appears, and its settings and action work from its schema', async ({ page, signIn, shot }) => {
  await signIn(admin);
  await page.goto('/extensions');
  // The first poll may still be on its way: the list reloads with the page.
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole('link', { name: 'Notes' })).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 20000 });
  await shot('80-extensions');
  await page.getByRole('link', { name: 'Notes' }).click();
  await expect(page.getByRole('heading', { name: 'Notes', level: 1 })).toBeVisible();

  // Drawn from the schema: a text, an enum, a boolean, a secret, a nested object, a list.
  await expect(page.getByLabel('Board title')).toHaveValue('Team notes');
  await expect(page.getByLabel('Sharing')).toBeVisible();
  await expect(page.getByLabel('Search API key')).toHaveAttribute('type', 'password');
  const words = page.getByLabel('Words per note');
  await words.fill('5');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText(/at least 10|minimum/i).first()).toBeVisible();
  await words.fill('50');
  await page.getByLabel('Board title').fill('E2E board');
  await page.getByLabel('Search API key').fill('e2e-key');
  await shot('81-plugin-settings');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();

  // The action, with the key now set at the plugin.
  await page.getByRole('button', { name: 'Test the search connection' }).click();
  await expect(page.getByText('The search service accepted the key.')).toBeVisible();

  // The admin view of the service.
  await page.goto('/admin/services');
  await expect(page.getByText('notes', { exact: true }).first()).toBeVisible();
  await expect(page.getByText('Up', { exact: true }).first()).toBeVisible();
  await expect(page.getByText('notes 1.0.0')).toBeVisible();
  await shot('82-admin-services');
});
