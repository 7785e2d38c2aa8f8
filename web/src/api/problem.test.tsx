import { render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorAlert } from '../components/ErrorAlert';
import { fakeFetch } from '../test/fetch';
import { request, setUnauthorizedHandler } from './client';
import { ApiError, describeProblem, errorMessage } from './problem';

afterEach(() => {
  vi.unstubAllGlobals();
  setUnauthorizedHandler(null);
});

describe('describeProblem', () => {
  it('prefers the detail, as a sentence', () => {
    expect(describeProblem(409, { detail: 'you already have a function named hello' })).toBe(
      'You already have a function named hello.',
    );
  });
  it('falls back to words for the status', () => {
    expect(describeProblem(503, {})).toBe('berth is unavailable right now; try again shortly.');
    expect(describeProblem(418, { title: "I'm a teapot" })).toBe("I'm a teapot.");
    expect(describeProblem(599, {})).toBe('The server answered 599.');
  });
  it('says when nothing answered', () => {
    expect(errorMessage(new TypeError('Failed to fetch'))).toMatch(/could not be reached/);
  });
});

describe('ErrorAlert', () => {
  it('shows the detail and each field error', () => {
    const err = new ApiError(422, {
      type: 'urn:berth:problem:validation',
      detail: 'validation failed: memory_mb: must be at most 1024 on this server',
      errors: [{ location: 'body.memory_mb', message: 'must be at most 1024 on this server' }],
    });
    render(<ErrorAlert error={err} title="Not saved." />);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('Not saved.');
    expect(alert.textContent).toContain('Validation failed: memory_mb: must be at most 1024 on this server.');
    expect(alert.querySelector('li')?.textContent).toBe('memory_mb: must be at most 1024 on this server');
    expect(err.code).toBe('validation');
    expect(err.fieldErrors).toEqual({ memory_mb: 'must be at most 1024 on this server' });
  });

  it('leaves out field errors shown next to their inputs', () => {
    const err = new ApiError(422, { detail: 'bad', errors: [{ location: 'body.name', message: 'no' }] });
    render(<ErrorAlert error={err} shownFields={['name']} />);
    expect(screen.getByRole('alert').querySelector('li')).toBeNull();
  });

  it('says when to retry after a lock-out without a time in the detail', () => {
    render(<ErrorAlert error={new ApiError(429, { detail: 'slow down' }, 120)} />);
    expect(screen.getByRole('alert').textContent).toBe('Slow down. Try again in 2 minutes.');
  });

  it('renders nothing without an error', () => {
    const { container } = render(<ErrorAlert error={null} />);
    expect(container.innerHTML).toBe('');
  });
});

describe('request', () => {
  it('turns a problem answer into an ApiError with the Retry-After', async () => {
    fakeFetch({
      'POST /server/login': {
        status: 429,
        body: { type: 'urn:berth:problem:too-many-login-failures', detail: 'too many failed sign-ins; try again in 20 minutes' },
        headers: { 'Retry-After': '1200' },
      },
    });
    const err = (await request('/server/login', { body: {} }).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(429);
    expect(err.retryAfter).toBe(1200);
    expect(err.message).toBe('Too many failed sign-ins; try again in 20 minutes.');
  });

  it('reports a 401 from /api as the end of the session, but not a quiet one', async () => {
    fakeFetch({ 'GET /api/users/me': { status: 401, body: { detail: 'authentication required' } } });
    const ended = vi.fn();
    setUnauthorizedHandler(ended);
    await request('/api/users/me').catch(() => {});
    expect(ended).toHaveBeenCalledTimes(1);
    await request('/api/users/me', { quiet401: true }).catch(() => {});
    expect(ended).toHaveBeenCalledTimes(1);
  });

  it('describes a non-JSON failure by its status', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' })));
    const err = (await request('/api/functions').catch((e: unknown) => e)) as ApiError;
    expect(err.message).toBe('The server behind berth failed.');
  });
});
