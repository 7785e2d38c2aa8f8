import { fireEvent, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../App';
import { auth } from '../api';
import { fakeFetch } from '../test/fetch';

afterEach(() => {
  vi.unstubAllGlobals();
  auth.forgetOptions();
});

const temporary = { id: 'u1', email: 'new@example.com', name: 'New', role: 'user', password_change_required: true };

describe('ChoosePasswordPage', () => {
  it('is all an account with a temporary password sees, until it chooses its own', async () => {
    const { calls } = fakeFetch({
      'GET /server/login-check': { body: { authenticated: true, user: temporary } },
      'GET /api/auth/options': { body: { registration: false, min_password_length: 12 } },
      'GET /api/users/me/preferences': { status: 403, body: { type: 'urn:berth:problem:password-change-required' } },
      'PATCH /api/users/me': { body: { ...temporary, password_change_required: false } },
      'GET /api/functions': { body: { items: [], page: 1, per_page: 20, total: 0 } },
    });
    render(
      <MemoryRouter initialEntries={['/functions']}>
        <App />
      </MemoryRouter>,
    );
    await screen.findByRole('heading', { name: 'Choose your password' }, { timeout: 5000 }); // a lazily loaded page
    expect(screen.queryByRole('navigation', { name: 'Main' })).toBeNull();
    fireEvent.change(screen.getByLabelText('Temporary password'), { target: { value: 'TemporaryPassw0rdXYZ' } });
    fireEvent.change(screen.getByLabelText('New password'), { target: { value: 'my own long passphrase' } });
    fireEvent.change(screen.getByLabelText('New password, again'), { target: { value: 'my own long passphrase' } });
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
    await screen.findByRole('navigation', { name: 'Main' }, { timeout: 5000 });
    const change = calls.find((c) => c.method === 'PATCH' && c.path === '/api/users/me');
    expect(change?.body).toEqual({ password: 'my own long passphrase', current_password: 'TemporaryPassw0rdXYZ' });
    expect(calls.some((c) => c.path.startsWith('/api/functions') && calls.indexOf(c) < calls.indexOf(change!))).toBe(false);
  });
});
