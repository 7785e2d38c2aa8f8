// Organisations and what covers an account: an admin creates an
// organisation on a tier, adds a member and makes them owner, cannot
// delete it while it has members; the member's user page shows the
// organisation's tier with its use, takes a feature role grant and moves
// the account to a tier of its own; the member's profile shows the same.
import { admin } from './env';
import { expect, failed, test } from './fixtures';

test.describe.configure({ mode: 'serial' });

test('an organisation on a tier, its members, and a user page that shows what covers them', async ({
  page, signIn, shot, guard, newAccount, adminClient,
}) => {
  const stamp = Date.now() % 100000;
  const tierName = `team-${stamp}`;
  const orgName = `Acme ${stamp}`;
  const tier = await adminClient.json<{ id: string }>('POST', '/api/admin/tiers', {
    name: tierName, limits: { max_functions: 3, max_invocations_per_day: 500 }, feature_roles: ['public-functions'],
  });
  const solo = await adminClient.json<{ id: string }>('POST', '/api/admin/tiers', { name: `solo-${stamp}`, limits: { max_functions: 1 } });
  const member = await newAccount('org-member', 'Olga Member');

  await signIn(admin);
  await page.goto('/admin/organizations');
  await page.getByRole('button', { name: 'New organisation…' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill(orgName);
  await dialog.getByLabel('Description').fill('Rockets and roadrunners');
  await dialog.getByLabel('Tier').selectOption({ label: tierName });
  await dialog.getByRole('button', { name: 'Save organisation' }).click();
  const org = page.locator(`[data-org="${orgName}"]`);
  await expect(org).toContainText('0 members');
  await expect(org.getByTestId('org-tier')).toHaveText(`Rockets and roadrunners · On ${tierName}`);

  // A name is unique in any case: the server's refusal, in words.
  await page.getByRole('button', { name: 'New organisation…' }).click();
  await dialog.getByLabel('Name').fill(orgName.toUpperCase());
  await guard.expecting([failed(409, '/api/admin/organizations')], async () => {
    await dialog.getByRole('button', { name: 'Save organisation' }).click();
    await expect(dialog.getByRole('alert')).toContainText('The organisation was not saved.');
  });
  await dialog.getByRole('button', { name: 'Close' }).click();

  await org.getByRole('button', { name: 'Members' }).click();
  await org.getByLabel(`Add to ${orgName}`).fill(member.email);
  await org.getByRole('button', { name: 'Add member' }).click();
  const row = org.locator(`[data-member="${member.email}"]`);
  await expect(row.getByTestId('member-role')).toHaveText('Member');
  await expect(org).toContainText('1 member');
  await row.getByRole('button', { name: 'Make owner' }).click();
  await expect(row.getByTestId('member-role')).toHaveText('Owner');
  await shot('48-admin-organizations');
  await org.getByRole('button', { name: 'Delete…' }).click();
  await guard.expecting([failed(409, '/api/admin/organizations/')], async () => {
    await page.getByRole('dialog').getByRole('button', { name: 'Delete organisation' }).click();
    await expect(page.getByRole('dialog').getByRole('alert')).toBeVisible();
  });
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

  // The member's page: the organisation's tier covers them, with its use.
  await row.getByRole('link', { name: member.email }).click();
  const plan = page.getByRole('region', { name: 'Tier and organisation' });
  await expect(plan.getByTestId('covering-tier')).toHaveText(`Covered by the tier ${tierName} (its organisation’s) · Owner of ${orgName}`);
  await expect(plan.getByRole('row', { name: /Functions per owner/ })).toHaveText('Functions per owner03');
  await expect(plan.getByRole('row', { name: /Calls per day/ })).toHaveText('Calls per day0500');
  const roles = page.getByRole('region', { name: 'Feature roles' });
  await expect(roles.locator('[data-role="public-functions"] [data-testid="held"]')).toHaveText('From the tier');
  await roles.locator('[data-role="containers"]').getByRole('button', { name: 'Grant' }).click();
  await expect(roles.locator('[data-role="containers"] [data-testid="held"]')).toHaveText('Granted');
  await shot('49-admin-user-plan');

  // A tier of its own comes before the organisation's.
  await plan.getByLabel('Own tier').selectOption(solo.id);
  await plan.getByRole('button', { name: 'Save' }).click();
  await expect(plan.getByTestId('covering-tier')).toHaveText(`Covered by the tier solo-${stamp} (its own) · Owner of ${orgName}`);
  await expect(plan.getByRole('row', { name: /Functions per owner/ })).toHaveText('Functions per owner01');
  await expect(roles.locator('[data-role="public-functions"] [data-testid="held"]')).toHaveText('No');

  // The member sees what covers them on their profile.
  await signIn(member);
  await page.goto('/profile');
  const mine = page.getByRole('region', { name: 'Tier and limits' });
  await expect(mine.getByTestId('plan')).toContainText(`Tiersolo-${stamp}Feature roles`);
  await expect(mine.getByTestId('plan')).toContainText('Feature rolesContainers');
  await expect(mine.getByTestId('plan')).toContainText(`Organisation${orgName} (owner)`);
  await expect(mine.getByRole('row', { name: /Functions per owner/ })).toHaveText('Functions per owner01');
  await shot('60-profile-tier');

  // Out of the organisation, it can go.
  await adminClient.json('PATCH', `/api/admin/users/${member.id}`, { organization_id: '', tier_id: '' });
  const orgs = await adminClient.json<{ items: Array<{ id: string; name: string }> }>('GET', '/api/admin/organizations');
  const id = orgs.items.find((o) => o.name === orgName)!.id;
  await signIn(admin);
  await page.goto('/admin/organizations');
  await page.locator(`[data-org="${orgName}"]`).getByRole('button', { name: 'Delete…' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete organisation' }).click();
  await expect(page.locator(`[data-org="${orgName}"]`)).toHaveCount(0);
  expect((await adminClient.call('GET', `/api/admin/organizations/${id}`)).status()).toBe(404);
  await adminClient.json('DELETE', `/api/admin/tiers/${tier.id}`);
  await adminClient.json('DELETE', `/api/admin/tiers/${solo.id}`);
});

test('a read-only admin sees the organisations and changes nothing', async ({ page, signIn, newAccount, adminClient }) => {
  const viewer = await newAccount('org-viewer', 'Vera Viewer');
  await adminClient.json('PATCH', `/api/admin/users/${viewer.id}`, { role: 'admin', admin_role: 'viewer' });
  await signIn(viewer);
  await page.goto('/admin/organizations');
  await expect(page.getByRole('heading', { name: 'Organisations' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'New organisation…' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'New organisation…' })).toHaveAttribute('title', 'Read-only administrators cannot change accounts.');
});
