import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AccountUser, Organization } from '../../api/types';
import { ToastProvider } from '../../components/Toasts';
import { SessionProvider } from '../../session/Session';
import { fakeFetch, type Call } from '../../test/fetch';
import { adminFixture, userFixture } from '../../test/fixtures';
import { Shell } from '../Shell';
import AdminPage from './AdminPage';

afterEach(() => vi.unstubAllGlobals());

const acme: Organization = { id: 'o1', name: 'Acme', description: 'Rockets', tier_id: 't-pro', members: 1, created_at: '2026-11-01T00:00:00Z' };
const empty: Organization = { id: 'o2', name: 'Empty', description: '', members: 0, created_at: '2026-11-02T00:00:00Z' };
const grace = userFixture({ id: 'u1', organization_id: 'o1', organization_role: 'member' });
const ada = userFixture({ id: 'u-ada', email: 'ada@example.com', name: 'Ada' });

function setup(signedIn: AccountUser) {
  const net = fakeFetch({
    'GET /server/login-check': { body: { authenticated: true, user: signedIn } },
    'GET /api/users/me/preferences': { body: { pinned_functions: [], theme: 'system' } },
    'GET /api/admin/organizations': { body: { items: [acme, empty] } },
    'GET /api/admin/tiers': { body: { items: [{ id: 't-default', name: 'default', built_in: true, default: true }, { id: 't-pro', name: 'pro', built_in: false, default: false }] } },
    'POST /api/admin/organizations': (c: Call) => ({ status: 201, body: { ...empty, id: 'o3', ...(c.body as object) } }),
    'PATCH /api/admin/organizations/o1': (c: Call) => ({ body: { ...acme, ...(c.body as object) } }),
    'DELETE /api/admin/organizations/o1': {
      status: 409,
      body: { status: 409, title: 'Conflict', detail: 'the organisation Acme has 1 member: remove them first' },
    },
    'GET /api/admin/users': (c: Call) => {
      const p = new URL(c.path, 'http://x').searchParams;
      const items = p.get('organization_id') === 'o1' ? [grace] : p.get('q') === 'ada@example.com' ? [ada] : [];
      return { body: { items, page: 1, per_page: 100, total: items.length } };
    },
    'PUT /api/admin/organizations/o1/members/u-ada': { status: 204 },
    'PUT /api/admin/organizations/o1/members/u1': { status: 204 },
    'DELETE /api/admin/organizations/o1/members/u1': { status: 204 },
  });
  render(
    <ToastProvider>
      <MemoryRouter initialEntries={['/admin/organizations']}>
        <SessionProvider>
          <Routes>
            <Route element={<Shell />}>
              <Route path="admin/*" element={<AdminPage />} />
            </Route>
          </Routes>
        </SessionProvider>
      </MemoryRouter>
    </ToastProvider>,
  );
  return net;
}

const item = (name: string) => screen.getByText(name, { selector: 'h3 *, h3' }).closest('li') as HTMLElement;

describe('OrganizationsPage', () => {
  it('lists the organisations with their tier and members', async () => {
    setup(adminFixture());
    await screen.findByText('Acme');
    await waitFor(() => expect(within(item('Acme')).getByTestId('org-tier').textContent).toBe('Rockets · On pro'));
    expect(within(item('Empty')).getByTestId('org-tier').textContent).toBe('On the default tier');
    expect(within(item('Acme')).getByText('(1 member)')).toBeTruthy();
  });

  it('creates one with a tier, and edits one', async () => {
    const { calls } = setup(adminFixture());
    await screen.findByText('Acme');
    fireEvent.click(screen.getByRole('button', { name: 'New organisation…' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: ' Initech ' } });
    fireEvent.change(within(dialog).getByLabelText('Tier'), { target: { value: 't-pro' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save organisation' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'Initech', description: '', tier_id: 't-pro' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    fireEvent.click(within(item('Acme')).getByRole('button', { name: 'Edit' }));
    const edit = await screen.findByRole('dialog');
    expect((within(edit).getByLabelText('Tier') as HTMLSelectElement).value).toBe('t-pro');
    fireEvent.change(within(edit).getByLabelText('Tier'), { target: { value: '' } });
    fireEvent.click(within(edit).getByRole('button', { name: 'Save organisation' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ name: 'Acme', description: 'Rockets', tier_id: '' });
  });

  it('manages members and their roles', async () => {
    const { calls } = setup(adminFixture());
    await screen.findByText('Acme');
    fireEvent.click(within(item('Acme')).getByRole('button', { name: 'Members' }));
    const members = await screen.findByTestId('members-Acme');
    const row = await within(members).findByRole('row', { name: /grace@example.com/ });
    expect(within(row).getByTestId('member-role').textContent).toBe('Member');
    fireEvent.click(within(row).getByRole('button', { name: 'Make owner' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT' && c.path.endsWith('/members/u1'))).toBe(true));
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ role: 'owner' });

    fireEvent.change(within(members).getByLabelText('Add to Acme'), { target: { value: 'Ada@Example.com' } });
    fireEvent.change(within(members).getByLabelText('As'), { target: { value: 'owner' } });
    fireEvent.click(within(members).getByRole('button', { name: 'Add member' }));
    await waitFor(() => expect(calls.some((c) => c.path.endsWith('/members/u-ada'))).toBe(true));
    expect(calls.find((c) => c.path.endsWith('/members/u-ada'))?.body).toEqual({ role: 'owner' });

    fireEvent.change(within(members).getByLabelText('Add to Acme'), { target: { value: 'nobody@example.com' } });
    fireEvent.click(within(members).getByRole('button', { name: 'Add member' }));
    expect(await within(members).findByText('No account has the email nobody@example.com.')).toBeTruthy();
  });

  it('shows why an organisation with members cannot be deleted', async () => {
    setup(adminFixture());
    await screen.findByText('Acme');
    fireEvent.click(within(item('Acme')).getByRole('button', { name: 'Delete…' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete organisation' }));
    expect(await within(dialog).findByText(/has 1 member: remove them first/)).toBeTruthy();
  });

  it('is read-only for a viewer', async () => {
    setup(adminFixture({ admin_role: 'viewer' }));
    await screen.findByText('Acme');
    const create = screen.getByRole('button', { name: 'New organisation…' }) as HTMLButtonElement;
    expect(create.disabled).toBe(true);
    expect((within(item('Acme')).getByRole('button', { name: 'Delete…' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
