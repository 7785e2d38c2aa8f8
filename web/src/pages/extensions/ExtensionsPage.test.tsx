import { render, screen, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AccountUser, PluginSummary } from '../../api/types';
import { iconURL } from '../../components/PluginIcon';
import { ToastProvider } from '../../components/Toasts';
import { SessionProvider } from '../../session/Session';
import { fakeFetch } from '../../test/fetch';
import { adminFixture, userFixture } from '../../test/fixtures';
import { crawlerSummary } from '../../test/plugins';
import { Shell } from '../Shell';
import ExtensionsPage from './ExtensionsPage';

afterEach(() => vi.unstubAllGlobals());

function setup(items: PluginSummary[], signedIn: AccountUser = userFixture()) {
  const net = fakeFetch({
    'GET /server/login-check': { body: { authenticated: true, user: signedIn } },
    'GET /api/users/me/preferences': { body: { pinned_functions: [], theme: 'system' } },
    'GET /api/plugins': { body: { items } },
  });
  render(
    <ToastProvider>
      <MemoryRouter initialEntries={['/extensions']}>
        <SessionProvider>
          <Routes>
            <Route element={<Shell />}>
              <Route path="extensions" element={<ExtensionsPage />} />
            </Route>
          </Routes>
        </SessionProvider>
      </MemoryRouter>
    </ToastProvider>,
  );
  return net;
}

describe('ExtensionsPage', () => {
  it('is in the main navigation for every signed-in user', async () => {
    setup([]);
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Extensions' }).getAttribute('href')).toBe('/extensions');
  });

  it('lists the plugins with version, description, health, icon and a link', async () => {
    setup([
      crawlerSummary(),
      crawlerSummary({ id: 'backup', name: 'Backup', version: '0.9.1', description: 'Nightly copies.', status: 'down', icon: 'javascript:alert(1)' }),
    ]);
    const list = await screen.findByTestId('plugins');
    const crawler = within(list.querySelector('[data-plugin="crawler"]') as HTMLElement);
    expect(crawler.getByRole('link', { name: 'Crawler' }).getAttribute('href')).toBe('/extensions/crawler');
    expect(crawler.getByText('1.4.0')).toBeTruthy();
    expect(crawler.getByText('Fetches pages for the search index.')).toBeTruthy();
    expect(crawler.getByText('Up')).toBeTruthy();
    const img = list.querySelector('[data-plugin="crawler"] img') as HTMLImageElement;
    expect([img.alt, img.width, img.height]).toEqual(['', 32, 32]);

    const backup = list.querySelector('[data-plugin="backup"]') as HTMLElement;
    expect(within(backup).getByText('Down')).toBeTruthy();
    expect(backup.querySelector('img')).toBeNull(); // a javascript: icon is not shown
  });

  it('says when no extension is available, and where administrators add services', async () => {
    setup([]);
    await screen.findByText('No extension is available to you.');
    expect(screen.getByText(/Administrators add services in berth.toml or in/)).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Admin › Services' })).toBeNull();
  });

  it('links an administrator to Admin › Services from the empty list', async () => {
    setup([], adminFixture());
    const link = await screen.findByRole('link', { name: 'Admin › Services' });
    expect(link.getAttribute('href')).toBe('/admin/services');
  });
});

describe('iconURL', () => {
  it('allows http(s) and paths on this site only', () => {
    const base = 'https://berth.example.com';
    expect(iconURL('https://cdn.example.com/i.svg', base)).toBe('https://cdn.example.com/i.svg');
    expect(iconURL('http://cdn.example.com/i.png', base)).toBe('http://cdn.example.com/i.png');
    expect(iconURL('/plugins/crawler/icon.svg', base)).toBe('https://berth.example.com/plugins/crawler/icon.svg');
    for (const bad of ['javascript:alert(1)', ' JavaScript:alert(1)', 'data:image/svg+xml,<svg/>', 'blob:https://x/1', 'file:///etc/passwd', '', undefined]) {
      expect(iconURL(bad, base), String(bad)).toBeNull();
    }
  });
});
