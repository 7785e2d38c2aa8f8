import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AccountUser, UserSessions } from '../../api/types';
import { ToastProvider } from '../../components/Toasts';
import { SessionProvider } from '../../session/Session';
import { fakeFetch, type Call } from '../../test/fetch';
import { adminFixture, userFixture } from '../../test/fixtures';
import { readOnlyHint } from './access';
import AdminPage from './AdminPage';

afterEach(() => vi.unstubAllGlobals());

const me = adminFixture();
const grace = userFixture();
const path = `/api/admin/users/${grace.id}`;
const sessions: UserSessions = {
  web_sessions: [{ access_key: 'BKWEB0000000000000001', name: 'web session', created_at: '2026-11-23T10:00:00Z', last_used_at: '2026-11-23T10:05:00Z' }],
  keypairs: [{ access_key: 'BKCLI0000000000000002', name: 'laptop', created_at: '2026-11-23T10:00:00Z' }],
  logins: [{ id: '5d7f0e8a-1b2c-4d3e-9f40-5a6b7c8d9e0f', client_addr: '203.0.113.9', created_at: '2026-11-23T10:00:00Z', expires_at: '2026-12-23T10:00:00Z' }],
};

function setup(signedIn: AccountUser = me, routes: Parameters<typeof fakeFetch>[0] = {}) {
  let current = grace;
  const answer = (u: AccountUser) => {
    current = u;
    return { body: u };
  };
  const net = fakeFetch({
    'GET /server/login-check': { body: { authenticated: true, user: signedIn } },
    'GET /api/users/me/preferences': { body: { pinned_functions: [], theme: 'system' } },
    [`GET ${path}`]: () => ({ body: current }),
    [`GET ${path}/sessions`]: { body: sessions },
    'GET /api/admin/audit': {
      body: {
        items: [{ id: 7, at: '2026-11-23T10:00:00Z', actor_id: grace.id, actor_email: grace.email, action: 'auth.login', client_addr: '203.0.113.9', outcome: 'success' }],
        page: 1,
        per_page: 20,
        total: 1,
      },
    },
    [`POST ${path}/block`]: () => answer({ ...current, status: 'blocked' }),
    [`POST ${path}/enable`]: () => answer({ ...current, status: 'active' }),
    [`DELETE ${path}`]: () => answer({ ...current, status: 'deleted' }),
    [`POST ${path}/restore`]: () => answer({ ...current, status: 'active' }),
    [`PATCH ${path}`]: (c: Call) => {
      const b = c.body as { role: 'user' | 'admin'; admin_role: string };
      return answer({ ...current, role: b.role, admin_role: b.admin_role === 'none' ? undefined : (b.admin_role as 'viewer') });
    },
    ...routes,
  });
  render(
    <ToastProvider>
      <MemoryRouter initialEntries={[`/admin/users/${grace.id}`]}>
        <SessionProvider>
          <Routes>
            <Route path="admin/*" element={<AdminPage />} />
          </Routes>
        </SessionProvider>
      </MemoryRouter>
    </ToastProvider>,
  );
  return net;
}

const heading = () => screen.findByRole('heading', { name: grace.email });
const meta = () => document.querySelector('.fn-head__meta')!;
const button = (name: string) => screen.getByRole('button', { name }) as HTMLButtonElement;

describe('UserPage', () => {
  it('blocks with a reason, then enables', async () => {
    const { calls } = setup();
    expect((await heading()).textContent).toBe(grace.email);
    fireEvent.click(button('Block…'));
    const dialog = await screen.findByRole('dialog', { name: `Block ${grace.email}?` });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Block account' }));
    expect(await within(dialog).findByText('Say why; the reason is kept in the audit log.')).toBeTruthy();
    expect(calls.some((c) => c.path.endsWith('/block'))).toBe(false);

    fireEvent.change(within(dialog).getByLabelText('Reason'), { target: { value: '  spam from its functions ' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Block account' }));
    await waitFor(() => expect(within(meta() as HTMLElement).getByText('Blocked')).toBeTruthy());
    expect(calls.find((c) => c.path.endsWith('/block'))?.body).toEqual({ reason: 'spam from its functions' });
    // A block ends every session: the list is read again.
    await waitFor(() => expect(calls.filter((c) => c.path.endsWith('/sessions'))).toHaveLength(2));

    fireEvent.click(button('Enable'));
    await waitFor(() => expect(within(meta() as HTMLElement).getByText('Active')).toBeTruthy());
    expect(calls.some((c) => c.method === 'POST' && c.path.endsWith('/enable'))).toBe(true);
  });

  it('deletes after confirming, then restores', async () => {
    const { calls } = setup();
    await heading();
    fireEvent.click(button('Delete account…'));
    const dialog = await screen.findByRole('dialog', { name: `Delete ${grace.email}?` });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete account' }));
    await waitFor(() => expect(within(meta() as HTMLElement).getByText('Deleted')).toBeTruthy());
    expect(calls.some((c) => c.method === 'DELETE' && c.path === path)).toBe(true);
    fireEvent.click(button('Restore'));
    await waitFor(() => expect(within(meta() as HTMLElement).getByText('Active')).toBeTruthy());
  });

  it('changes the role as a pair', async () => {
    const { calls } = setup();
    await heading();
    expect(button('Change role').disabled).toBe(true); // nothing changed yet
    fireEvent.click(screen.getByRole('radio', { name: /^Administrator \(read-only\)/ }));
    fireEvent.click(button('Change role'));
    await waitFor(() => expect(within(meta() as HTMLElement).getByText('Administrator (read-only)')).toBeTruthy());
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ role: 'admin', admin_role: 'viewer' });
    fireEvent.click(screen.getByRole('radio', { name: /^User/ }));
    fireEvent.click(button('Change role'));
    await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH').at(-1)?.body).toEqual({ role: 'user', admin_role: 'none' }));
  });

  it('shows the problem when the server refuses', async () => {
    setup(me, {
      [`PATCH ${path}`]: {
        status: 409,
        body: { type: 'urn:berth:problem:conflict', status: 409, detail: 'user x is the last active full administrator: make another one first' },
      },
    });
    await heading();
    fireEvent.click(screen.getByRole('radio', { name: /^Administrator \(full\)/ }));
    fireEvent.click(button('Change role'));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('The role was not changed. User x is the last active full administrator: make another one first.');
  });

  it('lists the sessions and ends one', async () => {
    const login = sessions.logins[0].id;
    const { calls } = setup(me, { [`DELETE ${path}/sessions/${login}`]: { status: 204 } });
    await heading();
    const table = await screen.findByTestId('sessions');
    expect(within(table).getAllByRole('row').slice(1).map((r) => r.getAttribute('data-kind'))).toEqual(['Browser session', 'Keypair', 'API login']);
    fireEvent.click(within(table).getByRole('button', { name: `End API login ${login}` }));
    const dialog = await screen.findByRole('dialog', { name: 'End this API login?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'End it' }));
    await waitFor(() => expect(document.querySelector(`[data-session="${login}"]`)).toBeNull());
    expect(calls.some((c) => c.method === 'DELETE' && c.path === `${path}/sessions/${login}`)).toBe(true);
  });

  it('shows the account’s audit trail', async () => {
    const { calls } = setup();
    const trail = await screen.findByTestId('audit');
    expect(within(trail).getByText('auth.login')).toBeTruthy();
    expect(calls.some((c) => c.path === `/api/admin/audit?subject=${grace.id}&page=1&per_page=20`)).toBe(true);
  });

  it('disables every action for a read-only admin, saying why', async () => {
    setup(adminFixture({ admin_role: 'viewer' }));
    await heading();
    await screen.findByTestId('sessions');
    const actions = ['Block…', 'Delete account…', 'Change role', ...screen.getAllByRole('button', { name: /^End / }).map((b) => b.getAttribute('aria-label')!)];
    for (const name of actions) {
      const b = button(name);
      expect(b.disabled, name).toBe(true);
      expect(b.title, name).toBe(readOnlyHint);
    }
    expect(screen.getAllByRole('radio').every((r) => (r as HTMLInputElement).closest('fieldset')!.disabled)).toBe(true);
  });

  it('does not offer to block, delete or demote yourself', async () => {
    setup(adminFixture({ id: grace.id }));
    await heading();
    expect(button('Block…').disabled).toBe(true);
    expect(button('Block…').title).toMatch(/your own account/);
    expect(button('Delete account…').disabled).toBe(true);
    expect(button('Change role').title).toMatch(/your own role/);
    expect(screen.getByText('This is you')).toBeTruthy();
  });
});
