import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { auth } from '../api';
import { ToastProvider } from '../components/Toasts';
import { SessionProvider } from '../session/Session';
import { fakeFetch, type Call } from '../test/fetch';
import EarlyAccessRequestPage from './EarlyAccessRequestPage';

afterEach(() => {
  vi.unstubAllGlobals();
  auth.forgetOptions();
});

const received = 'Thank you: your request is received. An administrator will look at it; you hear from us by mail.';

function setup(mode: string, answer: (c: Call) => { status?: number; body?: unknown; headers?: Record<string, string> }) {
  const net = fakeFetch({
    'GET /server/login-check': { body: { authenticated: false } },
    'GET /api/auth/options': { body: { registration: mode === 'open', registration_mode: mode, min_password_length: 12 } },
    'POST /api/early-access': answer,
  });
  render(
    <ToastProvider>
      <MemoryRouter>
        <SessionProvider>
          <EarlyAccessRequestPage />
        </SessionProvider>
      </MemoryRouter>
    </ToastProvider>,
  );
  return net;
}

function fill() {
  fireEvent.change(screen.getByLabelText('Name'), { target: { value: ' Grace ' } });
  fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'grace@example.com' } });
  fireEvent.change(screen.getByLabelText('What would you use berth for?'), { target: { value: 'image resizing ' } });
  fireEvent.click(screen.getByRole('button', { name: 'Ask for access' }));
}

describe('EarlyAccessRequestPage', () => {
  it('sends the request and shows the server’s answer', async () => {
    const { calls } = setup('early_access', () => ({ status: 202, body: { status: 'received', message: received } }));
    await screen.findByRole('button', { name: 'Ask for access' });
    fireEvent.click(screen.getByRole('button', { name: 'Ask for access' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Enter your name.');
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    fill();
    expect(await screen.findByText(received)).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ email: 'grace@example.com', name: 'Grace', reason: 'image resizing' });
  });

  it('says when there were too many requests', async () => {
    setup('early_access', () => ({
      status: 429,
      headers: { 'Retry-After': '3600' },
      body: { type: 'urn:berth:problem:rate-limited', status: 429, detail: 'too many early-access requests from your address; try again later' },
    }));
    await screen.findByRole('button', { name: 'Ask for access' });
    fill();
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('Too many early-access requests from your address'));
  });

  it('offers no form when the server takes no requests', async () => {
    setup('closed', () => ({ status: 403 }));
    expect(await screen.findByText(/does not take early-access requests/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Ask for access' })).toBeNull();
  });
});
