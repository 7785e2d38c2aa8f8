import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { auth } from '../api';
import { ToastProvider } from '../components/Toasts';
import { SessionProvider } from '../session/Session';
import { fakeFetch, type Call } from '../test/fetch';
import ForgotPasswordPage from './ForgotPasswordPage';
import ResetPasswordPage from './ResetPasswordPage';

afterEach(() => {
  vi.unstubAllGlobals();
  auth.forgetOptions();
});

function Where() {
  const loc = useLocation();
  return <p data-testid="where">{loc.pathname + loc.search}</p>;
}

function renderAt(url: string, routes: Parameters<typeof fakeFetch>[0]) {
  const net = fakeFetch({
    'GET /server/login-check': { body: { authenticated: false } },
    'GET /api/auth/options': { body: { registration: false, min_password_length: 12 } },
    ...routes,
  });
  render(
    <ToastProvider>
      <MemoryRouter initialEntries={[url]}>
        <SessionProvider>
          <Routes>
            <Route path="/forgot-password" element={<ForgotPasswordPage />} />
            <Route path="/reset-password" element={<><ResetPasswordPage /><Where /></>} />
          </Routes>
        </SessionProvider>
      </MemoryRouter>
    </ToastProvider>,
  );
  return net;
}

const accepted = 'If an active account has this address, a link to choose a new password is on its way.';

describe('ForgotPasswordPage', () => {
  it('asks for a link and shows the same answer for every address', async () => {
    const { calls } = renderAt('/forgot-password', { 'POST /api/auth/reset-password': { status: 202, body: { status: 'accepted', message: accepted } } });
    fireEvent.click(await screen.findByRole('button', { name: 'Send me a link' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Enter the email of your account.');
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: ' ada@example.com ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send me a link' }));
    expect(await screen.findByText(accepted)).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ email: 'ada@example.com' });
  });
});

describe('ResetPasswordPage', () => {
  it('takes the token out of the address, checks the two passwords, and sets the new one', async () => {
    const done = 'Your password is changed, and every session, login and keypair of your account has ended. Sign in with the new password.';
    const { calls } = renderAt('/reset-password?token=bpr_secret', {
      'POST /api/auth/reset-password/confirm': (c: Call) => ({ body: { message: done, ended: { web_sessions: 1, keypairs: 0, token_families: 2 } }, status: (c.body as { token: string }).token === 'bpr_secret' ? 200 : 400 }),
    });
    await waitFor(() => expect(screen.getByTestId('where').textContent).toBe('/reset-password'));
    fireEvent.change(screen.getByLabelText('New password'), { target: { value: 'a long new passphrase' } });
    fireEvent.change(screen.getByLabelText('New password, again'), { target: { value: 'a long new passphrase!' } });
    fireEvent.click(screen.getByRole('button', { name: 'Set the new password' }));
    expect(await screen.findByText('The two passwords differ.')).toBeTruthy();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    fireEvent.change(screen.getByLabelText('New password, again'), { target: { value: 'a long new passphrase' } });
    fireEvent.click(screen.getByRole('button', { name: 'Set the new password' }));
    expect(await screen.findByText(done)).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ token: 'bpr_secret', new_password: 'a long new passphrase' });
    expect(screen.getByRole('link', { name: 'Sign in' }).getAttribute('href')).toBe('/signin');
  });

  it('offers a new link when this one is used or expired', async () => {
    renderAt('/reset-password?token=bpr_spent', {
      'POST /api/auth/reset-password/confirm': {
        status: 400,
        body: { type: 'urn:berth:problem:reset-token-invalid', status: 400, detail: 'this password-reset link is invalid, used or expired; ask for a new one' },
      },
    });
    fireEvent.change(await screen.findByLabelText('New password'), { target: { value: 'a long new passphrase' } });
    fireEvent.change(screen.getByLabelText('New password, again'), { target: { value: 'a long new passphrase' } });
    fireEvent.click(screen.getByRole('button', { name: 'Set the new password' }));
    expect((await screen.findByRole('alert')).textContent).toContain('This password-reset link is invalid, used or expired');
    expect(screen.getByRole('link', { name: 'Ask for a new link' }).getAttribute('href')).toBe('/forgot-password');
    expect(screen.queryByLabelText('New password')).toBeNull();
  });

  it('says what to do without a token', async () => {
    renderAt('/reset-password', {});
    expect(await screen.findByText(/needs the link from the mail/)).toBeTruthy();
  });
});
