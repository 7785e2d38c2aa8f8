import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AccountUser } from '../../api/types';
import type { AdminErrors, AdminStats, SystemLogLine } from '../../api/system';
import { ToastProvider } from '../../components/Toasts';
import { SessionProvider } from '../../session/Session';
import { fakeFetch, type Call } from '../../test/fetch';
import { adminFixture, fnFixture } from '../../test/fixtures';
import { Shell } from '../Shell';
import AdminPage from './AdminPage';

afterEach(() => vi.unstubAllGlobals());

const hello = fnFixture();
const failer = fnFixture({ id: '9a1c2a9e-0d7e-4d8c-9a57-3c1f0b7d2e44', name: 'failer', owner_id: 'u2' });

const load = (over: Partial<AdminStats> = {}): AdminStats => ({
  at: '2026-11-23T14:05:09.12Z',
  window_seconds: 60,
  invocations_per_second: 41.2,
  errors_per_second: 0.05,
  error_rate: 0.0012,
  this_hour: { since: '2026-11-23T14:00:00Z', invocations: 12011, errors: 14, error_rate: 0.00117, p50_ms: 1.9, p95_ms: 7.2 },
  live_instances: { wasm: 3 },
  write_queue: 0,
  database: { status: 'ok', latency_ms: 0.412 },
  kv: { status: 'unreachable', latency_ms: 1000 },
  ...over,
});

const failures: AdminErrors = {
  executions: [
    {
      id: 'c0de0000-0d7e-4d8c-9a57-3c1f0b7d2e55', function_id: failer.id, owner_id: 'u2', version: 1, status: 'error',
      http_status: 502, error: 'the function exited with status 3', started_at: '2026-11-23T13:58:02.5Z', duration_ms: 3.2,
      bytes_in: 1, bytes_out: 0, cold_start: false, caller: 'owner',
    },
  ],
  api_errors: [
    { at: '2026-11-23T13:40:11Z', method: 'GET', endpoint: '/api/functions', status: 503, error_detail: 'unavailable', request_id: '9f2c1d0e7a6b5c4d' },
  ],
};

const lines: SystemLogLine[] = [
  { function_id: hello.id, execution_id: 'e1000000-0000-4000-8000-000000000001', at: '2026-11-23T14:01:00Z', line: 'greeting Ada' },
  { function_id: failer.id, execution_id: 'e2000000-0000-4000-8000-000000000002', at: '2026-11-23T14:02:00Z', line: 'exiting with status 3' },
];

/** FakeEventSource stands in for the browser's: tests see its URL and send it events. */
class FakeEventSource {
  static opened: FakeEventSource[] = [];
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  private listeners = new Map<string, (ev: MessageEvent<string>) => void>();
  constructor(readonly url: string) {
    FakeEventSource.opened.push(this);
  }
  addEventListener(type: string, fn: (ev: MessageEvent<string>) => void) {
    this.listeners.set(type, fn);
  }
  close() {
    this.closed = true;
  }
  send(line: SystemLogLine) {
    this.listeners.get('log')?.(new MessageEvent('log', { data: JSON.stringify(line) }));
  }
}

type Routes = Parameters<typeof fakeFetch>[0];

/** series is n buckets of 10 calls, one an error, the last still empty. */
function series(granularity: 'hour' | 'day', n: number) {
  const step = granularity === 'hour' ? 3600e3 : 86400e3;
  const end = Date.parse('2026-11-23T14:00:00Z');
  return {
    granularity,
    points: Array.from({ length: n }, (_, i) => ({
      start: new Date(end - (n - 1 - i) * step).toISOString(),
      invocations: i === n - 1 ? 0 : 10,
      errors: i === n - 1 ? 0 : 1,
      p50_ms: 2,
      p95_ms: 9,
    })),
  };
}

function setup(signedIn: AccountUser = adminFixture(), over: Routes = {}, entry = '/admin/system') {
  FakeEventSource.opened = [];
  vi.stubGlobal('EventSource', FakeEventSource);
  let n = 0;
  const net = fakeFetch({
    'GET /server/login-check': { body: { authenticated: true, user: signedIn } },
    'GET /api/users/me/preferences': { body: { pinned_functions: [], theme: 'system' } },
    'GET /api/admin/stats': () => ({ body: load({ at: `2026-11-23T14:05:${String(10 + n++).padStart(2, '0')}Z`, invocations_per_second: 40 + n }) }),
    'GET /api/admin/errors': { body: failures },
    'GET /api/admin/logs': { body: { lines } },
    'GET /api/functions': { body: { items: [hello, failer], page: 1, per_page: 100, total: 2 } },
    'GET /api/admin/stats/hourly': (c: Call) => ({ body: series('hour', Number(new URL(c.path, 'http://x').searchParams.get('hours'))) }),
    'GET /api/admin/stats/daily': (c: Call) => ({ body: series('day', Number(new URL(c.path, 'http://x').searchParams.get('days'))) }),
    ...over,
  });
  render(
    <ToastProvider>
      <MemoryRouter initialEntries={[entry]}>
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

const logCalls = (calls: Call[]) => calls.filter((c) => c.path.startsWith('/api/admin/logs')).map((c) => c.path);
const tile = (label: string) => document.querySelector(`[data-stat="${label}"]`) as HTMLElement;

describe('SystemPage', () => {
  it('shows the load, and its lines grow with each answer', async () => {
    setup();
    await screen.findByRole('heading', { name: 'System' });
    await waitFor(() => expect(tile('Invocations per second')).toBeTruthy());
    expect(within(tile('Invocations per second')).getByText('41')).toBeTruthy();
    expect(within(tile('Errors this hour')).getByText('14 (0.12 %)')).toBeTruthy();
    expect(within(tile('p50 / p95 this hour')).getByText('1.90 ms / 7.20 ms')).toBeTruthy();
    expect(within(tile('Live instances')).getByText('wasm 3')).toBeTruthy();
    expect(within(tile('Database')).getByText('OK · 412 µs')).toBeTruthy();
    expect(within(tile('Shared store')).getByText('Unreachable').className).toBe('text-danger');
    const line = within(tile('Invocations per second')).getByRole('img');
    expect(line.getAttribute('aria-label')).toBe('Invocations per second so far');
    expect(line.getAttribute('data-points')).toBe('1');

    fireEvent.click(within(screen.getByRole('region', { name: 'Load' })).getByRole('button', { name: 'Refresh' }));
    await waitFor(() => expect(within(tile('Invocations per second')).getByRole('img').getAttribute('data-points')).toBe('2'));
    const grown = within(tile('Invocations per second')).getByRole('img');
    expect(grown.getAttribute('data-max')).toBe('42');
    expect(grown.getAttribute('aria-label')).toBe('Invocations per second over the last 1.00 s');
    expect(within(tile('Invocations per second')).getByText('42')).toBeTruthy();
  });

  it('charts every function over a chosen range', async () => {
    const { calls } = setup();
    const history = within(await screen.findByRole('region', { name: 'Every function over time' }));
    expect((await history.findByTestId('history-summary')).textContent).toMatch(/^230 invocations and 23 errors \(10(\.0)? %\) in the last 24 hours/);
    fireEvent.click(history.getByRole('button', { name: '30 days' }));
    await waitFor(() => expect(history.getByTestId('history-summary').textContent).toMatch(/^290 invocations and 29 errors/));
    expect(calls.map((c) => c.path)).toContain('/api/admin/stats/daily?days=30');
    expect(calls.map((c) => c.path)).toContain('/api/admin/stats/hourly?hours=24');
  });

  it('lists the recent errors with a link to each execution', async () => {
    const { calls } = setup();
    const table = await screen.findByTestId('errors');
    const row = within(table).getAllByRole('row')[1];
    const link = within(row).getByRole('link', { name: 'failer' });
    expect(link.getAttribute('href')).toBe(`/functions/${failer.id}/executions?execution=${failures.executions[0].id}`);
    expect(within(row).getByText('Error')).toBeTruthy();
    expect(within(row).getByText('502')).toBeTruthy();
    expect(within(row).getByText('the function exited with status 3')).toBeTruthy();
    expect(within(screen.getByTestId('api-errors')).getByText('9f2c1d0e7a6b5c4d')).toBeTruthy();

    const errorCalls = () => calls.filter((c) => c.path.startsWith('/api/admin/errors')).map((c) => new URL(c.path, 'http://x').searchParams);
    const day = errorCalls()[0];
    expect(day.get('limit')).toBe('50');
    expect(Math.abs(Date.now() - 24 * 3_600_000 - Date.parse(day.get('since')!))).toBeLessThan(60_000);
    fireEvent.click(within(screen.getByRole('group', { name: 'Period' })).getByRole('button', { name: 'Last hour' }));
    await waitFor(() => expect(errorCalls()).toHaveLength(2));
    expect(Math.abs(Date.now() - 3_600_000 - Date.parse(errorCalls()[1].get('since')!))).toBeLessThan(60_000);
  });

  it('says so when nothing failed', async () => {
    setup(adminFixture(), { 'GET /api/admin/errors': { body: { executions: [], api_errors: [] } } });
    expect(await screen.findByTestId('no-errors')).toBeTruthy();
    expect(screen.queryByTestId('api-errors')).toBeNull();
  });

  it('sends the log filters in the query, and follows with them', async () => {
    const { calls } = setup();
    const log = await screen.findByRole('log');
    await waitFor(() => expect(within(log).getByText('exiting with status 3')).toBeTruthy());
    expect(within(log).getAllByRole('link', { name: 'failer' })[0].getAttribute('href')).toBe(`/functions/${failer.id}`);
    expect(logCalls(calls)).toEqual(['/api/admin/logs?limit=200']);
    await waitFor(() => expect(screen.getByRole('option', { name: 'failer' })).toBeTruthy());

    fireEvent.change(screen.getByLabelText('Owner'), { target: { value: ' grace@example.com ' } });
    fireEvent.change(screen.getByLabelText('Function'), { target: { value: failer.id } });
    fireEvent.change(screen.getByLabelText('Level'), { target: { value: 'error' } });
    fireEvent.change(screen.getByLabelText('Text'), { target: { value: 'exit status' } });
    expect(logCalls(calls)).toHaveLength(1); // nothing is sent before Show
    fireEvent.click(screen.getByRole('button', { name: 'Show' }));
    const filtered = `/api/admin/logs?user=grace%40example.com&function_id=${failer.id}&level=error&q=exit+status`;
    await waitFor(() => expect(logCalls(calls).at(-1)).toBe(filtered + '&limit=200'));
    expect((screen.getByLabelText('Owner') as HTMLInputElement).value).toBe('grace@example.com');

    fireEvent.click(screen.getByRole('button', { name: 'Follow' }));
    await waitFor(() => expect(FakeEventSource.opened).toHaveLength(1));
    expect(logCalls(calls).at(-1)).toBe(filtered + '&limit=1');
    const es = FakeEventSource.opened[0];
    expect(es.url).toBe(filtered + '&follow=true&limit=500');
    act(() => es.onopen?.());
    expect(await screen.findByText('Live: new lines appear as calls finish.')).toBeTruthy();
    act(() => es.send({ ...lines[1], execution_id: 'e3000000-0000-4000-8000-000000000003', line: 'a followed line' }));
    expect(await within(screen.getByRole('log')).findByText('a followed line')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Stop following' }));
    await waitFor(() => expect(es.closed).toBe(true));
  });

  it('shows an API error in words, and does not follow a refused filter', async () => {
    setup(adminFixture({ admin_role: 'viewer' }), {
      'GET /api/admin/stats': { status: 503, body: { status: 503, title: 'Service Unavailable', detail: 'the database cannot be reached' } },
      'GET /api/admin/logs': {
        status: 422,
        body: { status: 422, title: 'Unprocessable Entity', detail: 'validation failed: user: must be a user\u2019s id or email',
          errors: [{ location: 'query.user', message: 'must be a user’s id or email' }] },
      },
    }, '/admin/system?user=nobody&follow=true');
    const load = await screen.findByRole('region', { name: 'Load' });
    expect((await within(load).findByRole('alert')).textContent).toContain('The load could not be loaded.');
    expect(within(load).getByRole('alert').textContent).toContain('The database cannot be reached');
    const logs = screen.getByRole('region', { name: 'Function logs' });
    expect((await within(logs).findByRole('alert')).textContent).toContain('The log lines could not be loaded.');
    expect(FakeEventSource.opened).toHaveLength(0);
    expect(screen.getByText(/You are a read-only administrator/)).toBeTruthy();
  });
});
