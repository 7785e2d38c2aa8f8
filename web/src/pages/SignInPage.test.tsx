import { fireEvent, render, screen } from '@testing-library/react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { auth } from '../api';
import { ToastProvider } from '../components/Toasts';
import { SessionProvider } from '../session/Session';
import { fakeFetch } from '../test/fetch';
import { SignInPage } from './SignInPage';

afterEach(() => {
  vi.unstubAllGlobals();
  auth.forgetOptions();
});

function Where() {
  const loc = useLocation();
  return <p data-testid="where">{loc.pathname + loc.search}</p>;
}

function renderAt(url: string) {
  render(
    <ToastProvider>
      <MemoryRouter initialEntries={[url]}>
        <SessionProvider>
          <Routes>
            <Route path="/signin" element={<SignInPage />} />
            <Route path="*" element={<Where />} />
          </Routes>
        </SessionProvider>
      </MemoryRouter>
    </ToastProvider>,
  );
}

const user = { id: 'u1', email: 'ada@example.com', name: 'Ada', role: 'user' };

function signIn() {
  fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'ada@example.com' } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'a long enough password' } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('SignInPage', () => {
  it('shows the lock-out in words', async () => {
    fakeFetch({
      'GET /server/login-check': { body: { authenticated: false } },
      'GET /api/auth/options': { body: { registration: false, min_password_length: 12 } },
      'POST /server/login': {
        status: 429,
        body: { type: 'urn:berth:problem:too-many-login-failures', detail: 'too many failed sign-ins; try again in 20 minutes' },
        headers: { 'Retry-After': '1200' },
      },
    });
    renderAt('/signin');
    await screen.findByRole('heading', { name: 'Sign in' });
    signIn();
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Not signed in. Too many failed sign-ins; try again in 20 minutes.');
    expect((screen.getByLabelText('Password') as HTMLInputElement).value).toBe('');
  });

  it('goes back where the user was after signing in', async () => {
    fakeFetch({
      'GET /server/login-check': { body: { authenticated: false } },
      'GET /api/auth/options': { body: { registration: true, min_password_length: 12 } },
      'POST /server/login': { body: { authenticated: true, user } },
      'GET /api/users/me/preferences': { body: { pinned_functions: [], theme: 'dark' } },
    });
    renderAt('/signin?next=%2Ffunctions%2Fabc%2Flogs&reason=expired');
    expect(await screen.findByText(/Your session has ended/)).toBeTruthy();
    expect(await screen.findByRole('link', { name: 'Create an account' })).toBeTruthy();
    signIn();
    expect((await screen.findByTestId('where')).textContent).toBe('/functions/abc/logs');
  });

  it('never follows a next that leaves the site', async () => {
    fakeFetch({
      'GET /server/login-check': { body: { authenticated: false } },
      'GET /api/auth/options': { body: { registration: false, min_password_length: 12 } },
      'POST /server/login': { body: { authenticated: true, user } },
      'GET /api/users/me/preferences': { body: { pinned_functions: [], theme: 'system' } },
    });
    renderAt('/signin?next=%2F%2Fevil.example%2F');
    await screen.findByRole('heading', { name: 'Sign in' });
    signIn();
    expect((await screen.findByTestId('where')).textContent).toBe('/functions');
  });

  it.each([
    ['open', 'Create an account'],
    ['early_access', 'Ask for early access'],
  ])('in the registration mode %s, links a newcomer to “%s”', async (mode, link) => {
    fakeFetch({
      'GET /server/login-check': { body: { authenticated: false } },
      'GET /api/auth/options': { body: { registration: mode === 'open', registration_mode: mode, min_password_length: 12 } },
    });
    renderAt('/signin');
    const a = await screen.findByRole('link', { name: link });
    expect(a.getAttribute('href')).toBe(mode === 'open' ? '/register' : '/early-access');
  });

  it.each([
    ['invite', 'Accounts are by invitation: ask an administrator to create yours.'],
    ['closed', 'Accounts are created by an administrator.'],
  ])('in the registration mode %s, says how accounts are given', async (mode, text) => {
    fakeFetch({
      'GET /server/login-check': { body: { authenticated: false } },
      'GET /api/auth/options': { body: { registration: false, registration_mode: mode, min_password_length: 12 } },
    });
    renderAt('/signin');
    expect(await screen.findByText(text)).toBeTruthy();
    expect(screen.queryByRole('link', { name: /Create an account|early access/ })).toBeNull();
  });

  it('offers each OpenID provider, keeping where to go next', async () => {
    fakeFetch({
      'GET /server/login-check': { body: { authenticated: false } },
      'GET /api/auth/options': {
        body: { registration: false, min_password_length: 12, local_passwords: true, providers: [{ id: 'corp', name: 'Corp SSO' }] },
      },
    });
    renderAt('/signin?next=/functions/f1');
    const a = await screen.findByRole('link', { name: 'Sign in with Corp SSO' });
    expect(a.getAttribute('href')).toBe('/server/oidc/corp/start?next=%2Ffunctions%2Ff1');
    expect(screen.getByText('or with your berth password')).toBeTruthy();
    expect(screen.getByLabelText('Password')).toBeTruthy();
  });

  it('hides the password form where passwords are off, but not from the administrator', async () => {
    fakeFetch({
      'GET /server/login-check': { body: { authenticated: false } },
      'GET /api/auth/options': {
        body: { registration: false, min_password_length: 12, local_passwords: false, providers: [{ id: 'corp', name: 'Corp SSO' }] },
      },
    });
    renderAt('/signin');
    await screen.findByRole('link', { name: 'Sign in with Corp SSO' });
    expect(screen.queryByLabelText('Password')).toBeNull();
    expect(screen.queryByText(/Accounts are created/)).toBeNull();
    fireEvent.click(screen.getByRole('link', { name: 'Administrator sign-in with a password' }));
    expect(await screen.findByLabelText('Password')).toBeTruthy();
  });
});
