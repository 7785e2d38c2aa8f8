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
    [`GET ${path}/usage`]: {
      body: {
        tier: { id: 't-small', name: 'Small' },
        limits: [
          { limit: 'max_functions', max: 2, used: 2 },
          { limit: 'max_invocations_per_day', max: 0, used: 17 },
          { limit: 'max_artefact_bytes', max: 1048576 },
        ],
        resets_at: '2026-11-24T00:00:00Z',
      },
    },
    'GET /api/admin/tiers': {
      body: { items: [{ id: 't-default', name: 'default', built_in: true, default: true }, { id: 't-small', name: 'Small', built_in: false, default: false }] },
    },
    'GET /api/admin/organizations': { body: { items: [{ id: 'o1', name: 'Acme', description: '', members: 3, created_at: '2026-11-01T00:00:00Z' }] } },
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

  it('shows the tier in effect with its use, and moves the account to a tier and an organisation', async () => {
    let current: AccountUser & Record<string, unknown> = { ...grace, tier: { id: 't-default', name: 'default' }, groups: ['billing'] };
    const { calls } = setup(me, {
      [`GET ${path}`]: () => ({ body: current }),
      [`PATCH ${path}`]: (c: Call) => {
        const b = c.body as { tier_id?: string; organization_id?: string };
        current = { ...current, ...b, organization_role: 'member', tier: { id: 't-small', name: 'Small' } };
        return { body: current };
      },
    });
    const card = within(await screen.findByRole('region', { name: 'Tier and organisation' }));
    expect((await card.findByTestId('covering-tier')).textContent).toBe('Covered by the tier default (the default)');
    expect(card.getByTestId('user-groups').textContent).toContain('billing');
    const functionsRow = await card.findByRole('row', { name: /Functions per owner/ });
    expect(functionsRow.textContent).toBe('Functions per owner22');
    expect(card.getByRole('row', { name: /Calls per day/ }).textContent).toBe('Calls per day17no limit');
    expect(card.getByRole('row', { name: /Artefact size/ }).textContent).toBe('Artefact size (bytes)—1.0 MiB');

    await card.findByRole('option', { name: 'Acme' });
    fireEvent.change(card.getByLabelText('Own tier'), { target: { value: 't-small' } });
    fireEvent.change(card.getByLabelText('Organisation'), { target: { value: 'o1' } });
    fireEvent.click(card.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ tier_id: 't-small', organization_id: 'o1' });
    await waitFor(() => expect(card.getByTestId('covering-tier').textContent).toBe('Covered by the tier Small (its own) · Member of Acme'));
    // The account and its use are read again after the change.
    expect(calls.filter((c) => c.path === `${path}/usage`).length).toBeGreaterThan(1);
  });

  it('grants a feature role and takes back only its own grants', async () => {
    let own: string[] = [];
    const read = () => ({ body: { ...grace, tier: { id: 't-default', name: 'default' }, feature_roles: ['public-functions', ...own], own_feature_roles: own } });
    const { calls } = setup(me, {
      [`GET ${path}`]: read,
      [`PUT ${path}/feature-roles/containers`]: () => {
        own = ['containers'];
        return { status: 204 };
      },
      [`DELETE ${path}/feature-roles/containers`]: () => {
        own = [];
        return { status: 204 };
      },
    });
    const card = within(await screen.findByRole('region', { name: 'Feature roles' }));
    const row = (name: RegExp) => card.getByRole('row', { name });
    await waitFor(() => expect(within(row(/Public functions/)).getByTestId('held').textContent).toBe('From the tier'));
    expect(within(row(/Containers/)).getByTestId('held').textContent).toBe('No');
    fireEvent.click(within(row(/Containers/)).getByRole('button', { name: 'Grant' }));
    await waitFor(() => expect(within(row(/Containers/)).getByTestId('held').textContent).toBe('Granted'));
    fireEvent.click(within(row(/Containers/)).getByRole('button', { name: 'Take back' }));
    await waitFor(() => expect(within(row(/Containers/)).getByTestId('held').textContent).toBe('No'));
    expect(calls.filter((c) => c.path.includes('/feature-roles/')).map((c) => c.method)).toEqual(['PUT', 'DELETE']);
  });
});
