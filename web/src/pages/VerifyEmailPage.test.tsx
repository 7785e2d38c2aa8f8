import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../App';
import { auth } from '../api';
import { fakeFetch, type Call } from '../test/fetch';
import { userFixture } from '../test/fixtures';

afterEach(() => {
  vi.unstubAllGlobals();
  auth.forgetOptions();
});

const una = userFixture({ email: 'una@example.com', email_verification_required: true, email_verified: false });

function setup(verify: (c: Call) => { status?: number; body?: unknown; headers?: Record<string, string> }) {
  const net = fakeFetch({
    'GET /server/login-check': { body: { authenticated: true, user: una } },
    'GET /api/users/me/preferences': { body: { pinned_functions: [], theme: 'system' } },
    'POST /api/email-verification/verify': verify,
    'POST /api/email-verification/resend': { status: 202, body: { status: 'sent', message: 'A code is on its way to una@example.com; it is valid for 15 minutes.' } },
    'GET /api/functions': { body: { items: [], page: 1, per_page: 20, total: 0 } },
    'GET /api/stats/overview': { body: {} },
  });
  render(
    <MemoryRouter initialEntries={['/functions']}>
      <Routes>
        <Route path="*" element={<App />} />
      </Routes>
    </MemoryRouter>,
  );
  return net;
}

describe('VerifyEmailPage', () => {
  it('is all an unconfirmed account sees, and goes once the code is right', async () => {
    const { calls } = setup((c) =>
      (c.body as { code: string }).code === '042917'
        ? { body: { verified: true, message: 'Your address una@example.com is confirmed.' } }
        : { status: 422, body: { status: 422, title: 'Unprocessable Entity', detail: 'validation failed',
            errors: [{ location: 'body.code', message: 'is not the code we mailed; 4 tries left' }] } },
    );
    expect(await screen.findByRole('heading', { name: 'Confirm your email address' })).toBeTruthy();
    expect(screen.getByText('una@example.com')).toBeTruthy();
    expect(calls.some((c) => c.path.startsWith('/api/functions'))).toBe(false);

    fireEvent.change(screen.getByLabelText('Code'), { target: { value: '12' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Enter the six digits from the mail.');

    fireEvent.change(screen.getByLabelText('Code'), { target: { value: '111111' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm' }));
    expect(await screen.findByText(/not the code we mailed; 4 tries left/)).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Send a new code' }));
    expect(await screen.findByText(/A code is on its way/)).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Code'), { target: { value: '042917' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm' }));
    await waitFor(() => expect(screen.queryByRole('heading', { name: 'Confirm your email address' })).toBeNull());
    expect(calls.filter((c) => c.path === '/api/email-verification/verify').map((c) => c.body)).toEqual([{ code: '111111' }, { code: '042917' }]);
  });
});
