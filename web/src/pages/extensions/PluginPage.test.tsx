import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ToastProvider } from '../../components/Toasts';
import { SessionProvider } from '../../session/Session';
import { fakeFetch } from '../../test/fetch';
import { crawlerManifest, crawlerSettings, crawlerSummary } from '../../test/plugins';
import PluginPage from './PluginPage';

afterEach(() => vi.unstubAllGlobals());

type Routes = Parameters<typeof fakeFetch>[0];

const fullAdmin = { id: 'a1', email: 'root@example.com', name: 'Root', role: 'admin', admin_role: 'full_admin' };

function setup(more: Routes = {}, user: object = fullAdmin) {
  const net = fakeFetch({
    'GET /server/login-check': { body: { authenticated: true, user } },
    'GET /api/plugins': { body: { items: [crawlerSummary()] } },
    'GET /api/plugins/crawler/manifest': { body: crawlerManifest() },
    'GET /api/plugins/crawler/settings': { body: crawlerSettings },
    'PATCH /api/plugins/crawler/settings': (c) => ({ body: { ...crawlerSettings, ...(c.body as object) } }),
    ...more,
  });
  render(
    <ToastProvider>
      <MemoryRouter initialEntries={['/extensions/crawler']}>
        <SessionProvider>
          <Routes>
            <Route path="extensions/:id" element={<PluginPage />} />
          </Routes>
        </SessionProvider>
      </MemoryRouter>
    </ToastProvider>,
  );
  return net;
}

const patches = (calls: ReturnType<typeof fakeFetch>['calls']) => calls.filter((c) => c.method === 'PATCH');
const describedBy = (el: HTMLElement) =>
  (el.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' ');

async function ready() {
  await screen.findByRole('heading', { name: /Crawler/ });
  return (await screen.findByLabelText(/^Base URL/)) as HTMLInputElement;
}

describe('PluginPage', () => {
  it('shows the manifest: name, version, description, health and icon', async () => {
    setup();
    await ready();
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Crawler 1.4.0');
    expect(screen.getByText('Fetches pages for the search index.')).toBeTruthy();
    await screen.findByText('Up');
    const icon = document.querySelector('img.plugin-icon') as HTMLImageElement;
    expect([icon.getAttribute('alt'), icon.getAttribute('src'), icon.width]).toEqual(['', 'https://plugins.example.com/crawler.svg', 48]);
  });

  it('sends only what changed: a masked secret left alone is not sent', async () => {
    const { calls } = setup();
    await ready();
    fireEvent.change(screen.getByLabelText('Mode'), { target: { value: '1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(patches(calls)).toHaveLength(1));
    expect(patches(calls)[0].body).toEqual({ mode: 'careful' });
    await screen.findByText('Settings saved.');
  });

  it('sends a merge patch: nested changes partial, a cleared secret null, a new one its value, lists whole', async () => {
    const { calls } = setup();
    const url = await ready();
    fireEvent.change(url, { target: { value: 'https://docs.example.com' } });
    fireEvent.change(screen.getByLabelText('Maximum pages'), { target: { value: '20' } });
    fireEvent.click(screen.getByRole('button', { name: 'Clear Webhook secret' }));
    fireEvent.change(screen.getByLabelText('Proxy password'), { target: { value: 'pw-1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add to Allowed hosts' }));
    fireEvent.change(screen.getByLabelText('Allowed hosts 2'), { target: { value: 'docs.example.com' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(patches(calls)).toHaveLength(1));
    expect(patches(calls)[0].body).toEqual({
      base_url: 'https://docs.example.com',
      webhook_secret: null,
      proxy_password: 'pw-1',
      limits: { max_pages: 20 },
      hosts: ['example.com', 'docs.example.com'],
    });
  });

  it('says so, and sends nothing, when nothing changed', async () => {
    const { calls } = setup();
    await ready();
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await screen.findByText('Nothing changed.');
    expect(patches(calls)).toHaveLength(0);
  });

  it('checks the schema before sending, with the message at the field', async () => {
    const { calls } = setup();
    const url = await ready();
    fireEvent.change(url, { target: { value: 'http://plain.example.com' } });
    fireEvent.change(screen.getByLabelText('Maximum pages'), { target: { value: '500' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    const summary = await screen.findByRole('alert');
    expect(summary.textContent).toContain('2 settings need another look');
    expect(describedBy(url)).toContain('Not in the expected form (^https://).');
    const pages = screen.getByLabelText('Maximum pages');
    expect(describedBy(pages)).toContain('At most 100.');
    await waitFor(() => expect(document.activeElement).toBe(url));
    expect(patches(calls)).toHaveLength(0);
  });

  it('shows the server’s 422 at the field its pointer names, the rest above the form', async () => {
    setup({
      'PATCH /api/plugins/crawler/settings': {
        status: 422,
        body: {
          status: 422,
          title: 'Unprocessable Entity',
          detail: 'The settings are not valid',
          errors: [
            { location: '/limits/max_pages', message: 'at most 50 on this plan' },
            { location: '/', message: 'the crawler is paused' },
          ],
        },
      },
    });
    await ready();
    const pages = screen.getByLabelText('Maximum pages');
    fireEvent.change(pages, { target: { value: '60' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The settings were not saved.');
    expect(alert.textContent).toContain('the crawler is paused');
    expect(alert.textContent).not.toContain('at most 50 on this plan');
    expect(pages.getAttribute('aria-invalid')).toBe('true');
    expect(describedBy(pages)).toContain('at most 50 on this plan');
    await waitFor(() => expect(document.activeElement).toBe(pages));
  });

  it('runs an action and shows its answer beside its button', async () => {
    const { calls } = setup({
      'POST /api/plugins/crawler/actions/reindex': { body: { ok: true, message: 'Reindex started: 120 pages.' } },
      'POST /api/plugins/crawler/actions/purge': { body: { ok: false, message: 'The cache is locked by a running reindex.' } },
    });
    await ready();
    const reindex = screen.getByRole('button', { name: 'Reindex now' });
    expect(describedBy(reindex)).toBe('Fetch every page again.');
    fireEvent.click(reindex);
    const row = document.querySelector('[data-action="reindex"]') as HTMLElement;
    await within(row).findByText('Reindex started: 120 pages.');
    expect(calls.find((c) => c.path === '/api/plugins/crawler/actions/reindex')?.body).toEqual({});

    fireEvent.click(screen.getByRole('button', { name: 'Purge cache' }));
    const failed = await within(document.querySelector('[data-action="purge"]') as HTMLElement).findByRole('alert');
    expect(failed.textContent).toBe('The cache is locked by a running reindex.');
  });

  it('says when the extension is not there for this user', async () => {
    setup({ 'GET /api/plugins/crawler/manifest': { status: 404, body: { status: 404, title: 'Not Found' } } });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('This extension does not exist, or you may not use it.');
    expect(screen.getByRole('link', { name: 'Extensions' }).getAttribute('href')).toBe('/extensions');
  });

  it('shows the settings read-only to someone who is not a full administrator', async () => {
    setup({}, { id: 'u1', email: 'ada@example.com', name: 'Ada', role: 'user' });
    expect(await screen.findByText(/changed by full administrators/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Save settings' })).toBeNull();
  });
});
