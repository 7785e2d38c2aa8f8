import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AccountUser, AdminService } from '../../api/types';
import { ToastProvider } from '../../components/Toasts';
import { SessionProvider } from '../../session/Session';
import { fakeFetch } from '../../test/fetch';
import { adminFixture } from '../../test/fixtures';
import { Shell } from '../Shell';
import AdminPage from './AdminPage';
import { checkService } from './ServicesPage';

afterEach(() => vi.unstubAllGlobals());

const services: AdminService[] = [
  {
    id: 'search',
    name: 'Search',
    url: 'http://search.internal:8080',
    health_path: '/healthz',
    source: 'config',
    status: 'up',
    checked_at: new Date().toISOString(),
    latency_ms: 12,
    plugin: { id: 'search', name: 'Search', version: '2.1.0' },
  },
  {
    id: 'crawler',
    name: 'Crawler',
    url: 'https://crawler.internal',
    health_path: '/health',
    source: 'api',
    status: 'down',
    checked_at: new Date().toISOString(),
    last_error: 'connection refused',
    manifest_error: 'settings_schema: not a JSON Schema object',
  },
];

function setup(signedIn: AccountUser = adminFixture(), more: Parameters<typeof fakeFetch>[0] = {}) {
  const net = fakeFetch({
    'GET /server/login-check': { body: { authenticated: true, user: signedIn } },
    'GET /api/users/me/preferences': { body: { pinned_functions: [], theme: 'system' } },
    'GET /api/admin/services': { body: { items: services } },
    'POST /api/admin/services': (c) => ({ status: 201, body: { ...(c.body as object), source: 'api', status: 'unknown', health_path: '' } }),
    'PATCH /api/admin/services/crawler': (c) => ({ body: { ...services[1], ...(c.body as object) } }),
    'DELETE /api/admin/services/crawler': { status: 204 },
    ...more,
  });
  render(
    <ToastProvider>
      <MemoryRouter initialEntries={['/admin/services']}>
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

const item = async (id: string) => {
  await screen.findByTestId('services');
  return document.querySelector(`[data-service="${id}"]`) as HTMLElement;
};

describe('ServicesPage', () => {
  it('is a tab of the administration', async () => {
    setup();
    const tabs = await screen.findByRole('navigation', { name: 'Administration sections' });
    expect(within(tabs).getByRole('link', { name: 'Services' }).getAttribute('href')).toBe('/admin/services');
  });

  it('shows each service with its health, plugin and errors; config services read-only', async () => {
    setup();
    const search = within(await item('search'));
    expect(search.getByText('Up')).toBeTruthy();
    expect(search.getByText('set in berth.toml')).toBeTruthy();
    expect(search.getByText('search 2.1.0')).toBeTruthy();
    expect(search.getByText('in 12 ms')).toBeTruthy();
    expect(search.queryByRole('button', { name: /Edit|Delete/ })).toBeNull();

    const crawler = within(await item('crawler'));
    expect(crawler.getByText('Down')).toBeTruthy();
    expect(crawler.getByTestId('last-error').textContent).toContain('connection refused');
    expect(crawler.getByTestId('manifest-error').textContent).toContain('settings_schema: not a JSON Schema object');
    expect(crawler.getByRole('button', { name: 'Edit Crawler' })).toBeTruthy();
    expect(crawler.getByRole('button', { name: 'Delete Crawler…' })).toBeTruthy();
  });

  it('checks a new service before sending it, then creates it', async () => {
    const { calls } = setup();
    await item('search');
    fireEvent.click(screen.getByRole('button', { name: 'New service…' }));
    const dialog = await screen.findByRole('dialog');
    const d = within(dialog);
    fireEvent.change(d.getByLabelText('ID'), { target: { value: 'Billing_API' } });
    fireEvent.change(d.getByLabelText('URL'), { target: { value: 'ftp://billing.internal' } });
    fireEvent.change(d.getByLabelText('Health path'), { target: { value: 'healthz' } });
    fireEvent.click(d.getByRole('button', { name: 'Add service' }));
    const id = d.getByLabelText('ID');
    expect(id.getAttribute('aria-invalid')).toBe('true');
    expect(d.getByText('Lower-case letters, digits and dashes only.')).toBeTruthy();
    expect(d.getByText('Required.')).toBeTruthy(); // the name
    expect(d.getByText(/An http:\/\/ or https:\/\/ address/)).toBeTruthy();
    expect(d.getByText(/A path that starts with \//)).toBeTruthy();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);

    fireEvent.change(id, { target: { value: 'billing-api' } });
    fireEvent.change(d.getByLabelText('Name'), { target: { value: 'Billing' } });
    fireEvent.change(d.getByLabelText('URL'), { target: { value: 'https://billing.internal:9000' } });
    fireEvent.change(d.getByLabelText('Health path'), { target: { value: '' } });
    fireEvent.click(d.getByRole('button', { name: 'Add service' }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1));
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ id: 'billing-api', name: 'Billing', url: 'https://billing.internal:9000' });
    await screen.findByText('Service Billing is saved.');
  });

  it('shows the server’s refusal of a new service at its field', async () => {
    setup(adminFixture(), {
      'POST /api/admin/services': {
        status: 422,
        body: { status: 422, detail: 'validation failed', errors: [{ location: '/id', message: 'a service with this id exists' }] },
      },
    });
    await item('search');
    fireEvent.click(screen.getByRole('button', { name: 'New service…' }));
    const d = within(await screen.findByRole('dialog'));
    fireEvent.change(d.getByLabelText('ID'), { target: { value: 'search' } });
    fireEvent.change(d.getByLabelText('Name'), { target: { value: 'Search again' } });
    fireEvent.change(d.getByLabelText('URL'), { target: { value: 'https://search.internal' } });
    fireEvent.click(d.getByRole('button', { name: 'Add service' }));
    await d.findByText('a service with this id exists');
    expect(d.getByLabelText('ID').getAttribute('aria-invalid')).toBe('true');
    expect(d.getByRole('alert').textContent).not.toContain('a service with this id exists');
  });

  it('edits only what changed', async () => {
    const { calls } = setup();
    const crawler = within(await item('crawler'));
    fireEvent.click(crawler.getByRole('button', { name: 'Edit Crawler' }));
    const d = within(await screen.findByRole('dialog'));
    expect(d.queryByLabelText('ID')).toBeNull();
    fireEvent.change(d.getByLabelText('URL'), { target: { value: 'https://crawler2.internal' } });
    fireEvent.click(d.getByRole('button', { name: 'Save service' }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH')).toHaveLength(1));
    expect(calls.find((c) => c.method === 'PATCH')).toMatchObject({ path: '/api/admin/services/crawler', body: { url: 'https://crawler2.internal' } });
  });

  it('deletes an API service after a confirmation', async () => {
    const { calls } = setup();
    const crawler = within(await item('crawler'));
    fireEvent.click(crawler.getByRole('button', { name: 'Delete Crawler…' }));
    const d = within(await screen.findByRole('dialog'));
    expect(d.getByText(/berth stops checking it/)).toBeTruthy();
    expect(calls.filter((c) => c.method === 'DELETE')).toHaveLength(0);
    fireEvent.click(d.getByRole('button', { name: 'Delete service' }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'DELETE')).toHaveLength(1));
    expect(calls.find((c) => c.method === 'DELETE')?.path).toBe('/api/admin/services/crawler');
    await screen.findByText('Service Crawler is deleted.');
  });

  it('lets a read-only administrator look but not change', async () => {
    setup(adminFixture({ admin_role: 'viewer' }));
    const crawler = within(await item('crawler'));
    expect((crawler.getByRole('button', { name: 'Edit Crawler' }) as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByRole('button', { name: 'New service…' }) as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('checkService', () => {
  it('accepts a valid service and names each problem', () => {
    expect(checkService({ id: 'a-1', name: 'A', url: 'http://a:80', health_path: '/h' }, true)).toEqual({});
    expect(checkService({ name: 'A', url: 'https://a' }, false)).toEqual({});
    expect(Object.keys(checkService({ id: 'ok', name: ' ', url: 'javascript:alert(1)', health_path: 'h' }, true))).toEqual(['name', 'url', 'health_path']);
    expect(checkService({ id: 'a b', name: 'A', url: 'https://a' }, true).id).toBe('Lower-case letters, digits and dashes only.');
  });
});
