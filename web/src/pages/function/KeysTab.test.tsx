import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter, Outlet, Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ToastProvider } from '../../components/Toasts';
import { fakeFetch } from '../../test/fetch';
import { fnFixture } from '../../test/fixtures';
import type { FunctionContext } from './context';
import { KeysTab } from './KeysTab';

afterEach(() => vi.unstubAllGlobals());

const fn = fnFixture();
const secret = 'sk_7Q2mJm4vX9fP0c1LkR8tW3yZ5aB6nD';

function renderKeys() {
  const ctx: FunctionContext = { fn, setFn: vi.fn(), reload: vi.fn() };
  render(
    <ToastProvider>
      <MemoryRouter>
        <Routes>
          <Route element={<Outlet context={ctx} />}>
            <Route path="/" element={<KeysTab />} />
          </Route>
        </Routes>
      </MemoryRouter>
    </ToastProvider>,
  );
}

describe('API keys: the secret is shown once', () => {
  it('shows a new key’s secret with copy buttons, then forgets it', async () => {
    const { calls } = fakeFetch({
      [`GET /api/functions/${fn.id}/api-keys`]: { body: { items: [], page: 1, per_page: 100, total: 0 } },
      [`POST /api/functions/${fn.id}/api-keys`]: {
        status: 201,
        body: {
          id: 'k1',
          key_id: 'BFAAAABBBBCCCCDDDD',
          function_id: fn.id,
          name: 'billing',
          status: 'active',
          created_at: '2026-11-23T10:00:00Z',
          expires_at: '2027-02-21T10:00:00Z',
          secret,
        },
      },
    });
    const writeText = vi.fn(async () => {});
    Object.assign(navigator, { clipboard: { writeText } });
    renderKeys();
    await screen.findByText('No API keys');

    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'billing' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));

    expect((await screen.findByTestId('secret-value')).textContent).toBe(secret);
    expect(screen.getByText(/This is the only time it is shown/)).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'billing', expires_in: '90d' });

    fireEvent.click(screen.getByRole('button', { name: 'Copy the secret' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(secret));
    expect(await screen.findByText('Copied to the clipboard.')).toBeTruthy();

    // The list shows the key without its secret.
    expect(screen.getByRole('rowheader', { name: 'billing' })).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'I have copied the secret' }));
    await waitFor(() => expect(screen.queryByTestId('secret-value')).toBeNull());
    expect(document.body.innerHTML).not.toContain(secret);
    expect(JSON.stringify({ ...localStorage, ...sessionStorage })).not.toContain(secret);
    expect(screen.getByRole('button', { name: 'Create key' })).toBeTruthy();
  });

  it('asks for a name in words', async () => {
    fakeFetch({ [`GET /api/functions/${fn.id}/api-keys`]: { body: { items: [], page: 1, per_page: 100, total: 0 } } });
    renderKeys();
    await screen.findByText('No API keys');
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    expect(await screen.findByText('Give the key a name, such as the service that will use it.')).toBeTruthy();
  });
});
