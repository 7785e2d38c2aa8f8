import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ToastProvider } from '../components/Toasts';
import { SessionProvider } from '../session/Session';
import { fakeFetch } from '../test/fetch';
import { fnFixture } from '../test/fixtures';
import { FunctionsPage } from './FunctionsPage';

afterEach(() => vi.unstubAllGlobals());

const fns = [
  fnFixture({ id: 'id-b', name: 'billing' }),
  fnFixture({ id: 'id-a', name: 'auth', status: 'initialized', active_version: null }),
  fnFixture({ id: 'id-c', name: 'cron', description: 'nightly billing report' }),
];
const hour = (n: number) => ({ start: new Date(Date.UTC(2026, 10, 23, n)).toISOString(), invocations: n, errors: n === 2 ? 1 : 0, p50_ms: 1, p95_ms: 2 });

function setup() {
  const net = fakeFetch({
    'GET /server/login-check': { body: { authenticated: true, user: { id: 'u1', email: 'a@example.com', name: 'A', role: 'user' } } },
    'GET /api/users/me/preferences': { body: { pinned_functions: ['id-c'], theme: 'system' } },
    'PATCH /api/users/me/preferences': (c) => ({ body: { theme: 'system', ...(c.body as object) } }),
    'GET /api/functions': { body: { items: fns, page: 1, per_page: 100, total: 3 } },
    'GET /api/functions/id-a/stats/hourly': { body: { granularity: 'hour', points: [hour(0), hour(1), hour(2)] } },
    'GET /api/functions/id-b/stats/hourly': { body: { granularity: 'hour', points: [hour(0), hour(0), hour(0)] } },
    'GET /api/functions/id-c/stats/hourly': { body: { granularity: 'hour', points: [hour(0), hour(0), hour(0)] } },
  });
  render(
    <ToastProvider>
      <MemoryRouter initialEntries={['/functions']}>
        <SessionProvider>
          <FunctionsPage />
        </SessionProvider>
      </MemoryRouter>
    </ToastProvider>,
  );
  return net;
}

const names = () => screen.getAllByRole('row').slice(1).map((r) => r.getAttribute('data-function'));

describe('FunctionsPage', () => {
  it('lists pinned functions first, then by name, with their last day', async () => {
    setup();
    await waitFor(() => expect(names()).toEqual(['cron', 'auth', 'billing']));
    expect(screen.getByRole('button', { name: 'Unpin cron' }).getAttribute('aria-pressed')).toBe('true');
    const auth = screen.getAllByRole('row').find((r) => r.getAttribute('data-function') === 'auth')!;
    expect(await within(auth).findByRole('img', { name: 'auth: 3 invocations in the last 24 hours' })).toBeTruthy();
    expect(within(auth).getByText('33 %')).toBeTruthy(); // 1 error in 3
    expect(within(auth).getByText('Not deployed')).toBeTruthy();
    expect(screen.getByText('3 functions, 1 pinned.')).toBeTruthy();
  });

  it('searches names and descriptions', async () => {
    setup();
    await waitFor(() => expect(names()).toHaveLength(3));
    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'billing' } });
    expect(names()).toEqual(['cron', 'billing']);
    expect(screen.getByText('2 of 3 functions match.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'zzz' } });
    expect(screen.getByText('No function matches')).toBeTruthy();
  });

  it('saves a pin in the preferences', async () => {
    const { calls } = setup();
    await screen.findByRole('button', { name: 'Unpin cron' });
    expect((screen.getByRole('button', { name: 'Pin auth' }) as HTMLButtonElement).disabled).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: 'Pin auth' }));
    await waitFor(() => expect(names()).toEqual(['cron', 'auth', 'billing']));
    await screen.findByRole('button', { name: 'Unpin auth' });
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ pinned_functions: ['id-c', 'id-a'] });
  });
});
