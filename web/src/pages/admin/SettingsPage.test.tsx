import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AccountUser } from '../../api/types';
import { ToastProvider } from '../../components/Toasts';
import { SessionProvider } from '../../session/Session';
import { fakeFetch } from '../../test/fetch';
import { adminFixture } from '../../test/fixtures';
import { Shell } from '../Shell';
import AdminPage from './AdminPage';

afterEach(() => vi.unstubAllGlobals());

const stored = {
  registration_mode: 'closed',
  early_access_capacity: 0,
  default_tier_id: '',
  mail: { from: 'berth@example.com', smtp_host: 'smtp.example.com', smtp_port: 587, smtp_username: 'berth', smtp_password: '********', smtp_security: 'starttls', configured: true },
};

function setup(signedIn: AccountUser) {
  const net = fakeFetch({
    'GET /server/login-check': { body: { authenticated: true, user: signedIn } },
    'GET /api/users/me/preferences': { body: { pinned_functions: [], theme: 'system' } },
    'GET /api/admin/settings': { body: stored },
    'GET /api/admin/tiers': { body: { items: [{ id: 't-default', name: 'default', built_in: true, default: true }, { id: 't-pro', name: 'pro', built_in: false, default: false }] } },
    'PATCH /api/admin/settings': (c) => ({ body: { ...stored, ...(c.body as object) } }),
  });
  render(
    <ToastProvider>
      <MemoryRouter initialEntries={['/admin/settings']}>
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

describe('SettingsPage', () => {
  it('sends only what changed, and never the masked password back', async () => {
    const { calls } = setup(adminFixture());
    await screen.findByRole('heading', { name: 'Settings' });
    expect(screen.getByText(/A password is set/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Registration'), { target: { value: 'early_access' } });
    fireEvent.change(screen.getByLabelText('Default tier'), { target: { value: 't-pro' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    const patch = calls.find((c) => c.method === 'PATCH');
    expect(patch?.body).toEqual({ registration_mode: 'early_access', default_tier_id: 't-pro' });
  });

  it('replaces or removes the SMTP password only when asked', async () => {
    const { calls } = setup(adminFixture());
    await screen.findByRole('heading', { name: 'Settings' });
    fireEvent.click(screen.getByLabelText('Remove the SMTP password'));
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH')).toHaveLength(1));
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ mail: { smtp_password: '' } });
  });

  it('is read-only for a viewer', async () => {
    setup(adminFixture({ admin_role: 'viewer' }));
    await screen.findByRole('heading', { name: 'Settings' });
    expect((screen.getByLabelText('Registration') as HTMLSelectElement).disabled).toBe(true);
    const save = screen.getByRole('button', { name: 'Save settings' }) as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    expect(save.title).toBe('Read-only administrators cannot change accounts.');
  });
});
