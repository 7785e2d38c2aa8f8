import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AccountUser } from '../../api/types';
import { ToastProvider } from '../../components/Toasts';
import { SessionProvider } from '../../session/Session';
import { fakeFetch, type Call } from '../../test/fetch';
import { adminFixture, userFixture } from '../../test/fixtures';
import { Shell } from '../Shell';
import AdminPage from './AdminPage';

afterEach(() => vi.unstubAllGlobals());

const me = adminFixture();
const grace = userFixture();
const viewer = userFixture({ id: 'v1', email: 'vic@example.com', name: 'Vic', role: 'admin', admin_role: 'viewer' });

function setup(signedIn: AccountUser, users: AccountUser[] = [me, grace, viewer], total = users.length) {
  const net = fakeFetch({
    'GET /server/login-check': { body: { authenticated: true, user: signedIn } },
    'GET /api/users/me/preferences': { body: { pinned_functions: [], theme: 'system' } },
    'GET /api/admin/organizations': { body: { items: [{ id: 'o1', name: 'Acme', description: '', members: 2, created_at: '2026-11-01T00:00:00Z' }] } },
    'GET /api/admin/tiers': { body: { items: [{ id: 't0', name: 'default', default: true, built_in: true }, { id: 't1', name: 'Small', default: false, built_in: false }] } },
    'GET /api/admin/groups': { body: { items: [{ id: 'g1', name: 'billing', description: '', members: 1 }] } },
    'GET /api/admin/users': (c: Call) => {
      const q = new URL(c.path, 'http://x').searchParams.get('q') ?? '';
      const items = users.filter((u) => u.email.includes(q) || u.name.toLowerCase().includes(q));
      return { body: { items, page: 1, per_page: 20, total: q ? items.length : total } };
    },
  });
  render(
    <ToastProvider>
      <MemoryRouter initialEntries={['/admin']}>
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

const listCalls = (calls: Call[]) => calls.filter((c) => c.path.startsWith('/api/admin/users')).map((c) => c.path);
const emails = () => screen.getAllByRole('row').slice(1).map((r) => r.getAttribute('data-user'));

describe('UsersPage', () => {
  it('lists the accounts with their role and status', async () => {
    setup(me);
    await waitFor(() => expect(emails()).toEqual([me.email, grace.email, viewer.email]));
    const row = screen.getAllByRole('row').find((r) => r.getAttribute('data-user') === viewer.email)!;
    expect(within(row).getByText('Administrator (read-only)')).toBeTruthy();
    expect(within(row).getByText('Active')).toBeTruthy();
    expect(within(row).getByRole('link', { name: viewer.email }).getAttribute('href')).toBe('/admin/users/v1');
    expect(screen.getByText('3 accounts in all.')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Admin' })).toBeTruthy();
  });

  it('searches once typing pauses, and filters and sorts through the API', async () => {
    const { calls } = setup(me);
    await waitFor(() => expect(emails()).toHaveLength(3));
    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'grace' } });
    await waitFor(() => expect(emails()).toEqual([grace.email]));
    expect(listCalls(calls)).toContain('/api/admin/users?q=grace&sort=email&page=1&per_page=20');
    expect(screen.getByText('1 account matches.')).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'blocked' } });
    fireEvent.change(screen.getByLabelText('Role'), { target: { value: 'viewer' } });
    fireEvent.change(screen.getByLabelText('Order'), { target: { value: '-created_at' } });
    await waitFor(() =>
      expect(listCalls(calls)).toContain('/api/admin/users?q=grace&status=blocked&admin_role=viewer&sort=-created_at&page=1&per_page=20'),
    );
    fireEvent.change(screen.getByLabelText('Role'), { target: { value: 'user' } });
    await waitFor(() => expect(listCalls(calls).at(-1)).toBe('/api/admin/users?q=grace&status=blocked&role=user&sort=-created_at&page=1&per_page=20'));
  });

  it('filters by organisation, tier, group and granted feature role', async () => {
    const { calls } = setup(me);
    await waitFor(() => expect(emails()).toHaveLength(3));
    await screen.findByRole('option', { name: 'Acme' });
    fireEvent.change(screen.getByLabelText('Organisation'), { target: { value: 'o1' } });
    fireEvent.change(screen.getByLabelText('Own tier'), { target: { value: 't1' } });
    fireEvent.change(screen.getByLabelText('Group'), { target: { value: 'g1' } });
    fireEvent.change(screen.getByLabelText('Granted'), { target: { value: 'containers' } });
    await waitFor(() =>
      expect(listCalls(calls).at(-1)).toBe(
        '/api/admin/users?organization_id=o1&tier_id=t1&group_id=g1&feature_role=containers&sort=email&page=1&per_page=20',
      ),
    );
    expect(screen.getByRole('option', { name: 'default (or none)' })).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Organisation'), { target: { value: '' } });
    await waitFor(() =>
      expect(listCalls(calls).at(-1)).toBe('/api/admin/users?tier_id=t1&group_id=g1&feature_role=containers&sort=email&page=1&per_page=20'),
    );
  });

  it('pages through a long list', async () => {
    const { calls } = setup(me, [me, grace], 45);
    await screen.findByText('Page 1 of 3 · 45 in all');
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(listCalls(calls).at(-1)).toBe('/api/admin/users?sort=email&page=2&per_page=20'));
  });

  it('tells a read-only admin that they cannot change accounts', async () => {
    setup(viewer);
    await waitFor(() => expect(emails()).toHaveLength(3));
    expect(screen.getByText(/You are a read-only administrator/)).toBeTruthy();
  });

  it('is not for users: no Admin link, and the page says so', async () => {
    const { calls } = setup(grace);
    expect(await screen.findByRole('heading', { name: 'This is for administrators' })).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Admin' })).toBeNull();
    expect(listCalls(calls)).toEqual([]);
  });
});
