// Groups: create one, add a member by email (twice: the server refuses
// the second in words), see it in the account's groups, remove, delete.
import { admin } from './env';
import { expect, failed, test } from './fixtures';

test('create a group, add and remove a member, delete it', async ({ page, signIn, shot, guard, newAccount, api }) => {
  const name = `team-${Date.now() % 100000}`;
  const member = await newAccount('grouped', 'Gus Grouped');
  await signIn(admin);
  await page.goto('/admin/groups');
  await page.getByLabel('New group').fill(name);
  await page.getByRole('button', { name: 'Create group' }).click();
  const group = page.locator(`[data-group="${name}"]`);
  await expect(group).toContainText('0 members');
  await group.getByRole('button', { name: 'Members' }).click();
  await group.getByLabel(`Add to ${name}`).fill(member.email);
  await group.getByRole('button', { name: 'Add member' }).click();
  await expect(group).toContainText('1 member');
  await expect(group.locator(`[data-member="${member.email}"]`)).toBeVisible();
  await shot('47-admin-groups');
  await guard.expecting([failed(409, '/members/')], async () => {
    await group.getByLabel(`Add to ${name}`).fill(member.email);
    await group.getByRole('button', { name: 'Add member' }).click();
    await expect(group.getByRole('alert')).toContainText('is a member of group');
  });
  // The member sees the group on their account.
  const r = await api.post('/api/auth/login', { data: { email: member.email, password: member.password } });
  const tok = (await r.json()) as { access_token: string };
  const me = await api.get('/api/users/me', { headers: { Authorization: `Bearer ${tok.access_token}` } });
  expect(((await me.json()) as { groups: string[] }).groups).toContain(name);

  await group.locator(`[data-member="${member.email}"]`).getByRole('button', { name: 'Remove' }).click();
  await expect(group).toContainText('0 members');
  await group.getByRole('button', { name: 'Delete…' }).click();
  await page.getByRole('button', { name: 'Delete group' }).click();
  await expect(group).toHaveCount(0);
});
