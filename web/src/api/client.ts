// The one place the dashboard talks to the server: same-origin fetch to
// /api/* (signed by the webserver with the session's keypair) and
// /server/* (sessions). It never sees or stores a credential.
import { ApiError, type Problem } from './problem';

type UnauthorizedHandler = () => void;

let onUnauthorized: UnauthorizedHandler | null = null;

/**
 * setUnauthorizedHandler registers what happens when an /api call answers
 * 401: the session ended, so the app sends the user to sign in and back.
 */
export function setUnauthorizedHandler(h: UnauthorizedHandler | null): void {
  onUnauthorized = h;
}

/** unauthorized tells the app that the session is gone. */
export function unauthorized(): void {
  onUnauthorized?.();
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  /** Answer 401 without sending the user to sign in (sign-in itself). */
  quiet401?: boolean;
}

async function readProblem(res: Response): Promise<Problem> {
  const type = res.headers.get('Content-Type') ?? '';
  if (type.includes('json')) {
    try {
      return (await res.json()) as Problem;
    } catch {
      /* an unreadable body: fall back to the status */
    }
  }
  return { status: res.status, title: res.statusText };
}

/** request sends JSON (when body is given) and returns the parsed answer. */
export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  let body: BodyInit | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(path, {
    method: opts.method ?? (body ? 'POST' : 'GET'),
    headers,
    body,
    credentials: 'same-origin',
    signal: opts.signal,
  });
  if (!res.ok) {
    const problem = await readProblem(res);
    const retry = Number(res.headers.get('Retry-After')) || undefined;
    if (res.status === 401 && !opts.quiet401 && path.startsWith('/api/')) unauthorized();
    throw new ApiError(res.status, problem, retry);
  }
  if (res.status === 204 || res.headers.get('Content-Length') === '0') return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** query builds "?a=1&b=2" from the defined values. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}
