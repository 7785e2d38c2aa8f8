import { render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ToastProvider } from '../components/Toasts';
import { SessionProvider } from '../session/Session';
import { fakeFetch } from '../test/fetch';
import { userFixture } from '../test/fixtures';
import ProfilePage from './ProfilePage';

afterEach(() => vi.unstubAllGlobals());

const grace = userFixture({ organization_id: 'o1', organization_role: 'owner' });

function setup(usage: { status?: number; body: unknown }) {
  fakeFetch({
    'GET /server/login-check': { body: { authenticated: true, user: grace } },
    'GET /api/users/me': {
      body: {
        ...grace,
        tier: { id: 't1', name: 'Team' },
        feature_roles: ['containers', 'public-functions'],
        own_feature_roles: ['containers'],
        groups: ['billing', 'ops'],
        organization: { id: 'o1', name: 'Acme' },
      },
    },
    'GET /api/users/me/usage': usage,
    'GET /api/organizations/o1/members': {
      body: {
        items: [grace, userFixture({ id: 'u2', email: 'max@example.com', name: 'Max', organization_id: 'o1', organization_role: 'member' })],
        page: 1,
        per_page: 100,
        total: 3,
      },
    },
    'GET /api/users/me/preferences': { body: { pinned_functions: [], theme: 'system' } },
    'GET /api/auth/options': { body: { registration: false, min_password_length: 12 } },
    'GET /api/keypairs': { body: { keypairs: [] } },
    'GET /api/functions': { body: { items: [], page: 1, per_page: 100, total: 0 } },
  });
  render(
    <ToastProvider>
      <MemoryRouter>
        <SessionProvider>
          <ProfilePage />
        </SessionProvider>
      </MemoryRouter>
    </ToastProvider>,
  );
}

describe('ProfilePage, tier and limits', () => {
  it('shows the tier, feature roles, groups, organisation and each limit with its use', async () => {
    setup({
      body: {
        tier: { id: 't1', name: 'Team' },
        limits: [
          { limit: 'max_functions', max: 10, used: 10 },
          { limit: 'max_invocations_per_day', max: 1000, used: 12 },
          { limit: 'max_memory_mb', max: 0 },
        ],
        resets_at: '2026-11-24T00:00:00Z',
      },
    });
    const card = within(await screen.findByRole('region', { name: 'Tier and limits' }));
    const plan = await card.findByTestId('plan');
    expect(plan.textContent).toBe('TierTeamFeature rolesContainers, Public functionsGroupsbilling, opsOrganisationAcme (owner)');
    const full = await card.findByRole('row', { name: /Functions per owner/ });
    expect(full.textContent).toBe('Functions per owner1010');
    expect(within(full).getByText('10', { selector: '.text-danger' })).toBeTruthy();
    expect(card.getByRole('row', { name: /Calls per day/ }).textContent).toBe('Calls per day121,000');
    expect(card.getByRole('row', { name: /Memory ceiling/ }).textContent).toBe('Memory ceiling (MB)—no limit');
    // An owner sees the organisation's members.
    const members = await card.findByTestId('org-members');
    expect(members.textContent).toBe('grace@example.com (Grace Hopper) ownermax@example.com (Max) and 1 more');
  });

  it('says when the limits cannot be read', async () => {
    setup({ status: 503, body: { status: 503, title: 'Service Unavailable', detail: 'the database is not answering' } });
    const card = within(await screen.findByRole('region', { name: 'Tier and limits' }));
    expect((await card.findByRole('alert')).textContent).toContain('Your limits could not be loaded.');
  });
});
