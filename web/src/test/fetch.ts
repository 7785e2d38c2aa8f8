// A fake fetch for component tests: routes by "METHOD /path" to answers,
// and records the requests made.
import { vi } from 'vitest';

export interface Call {
  method: string;
  path: string;
  body: unknown;
}

type Answer = { status?: number; body?: unknown; headers?: Record<string, string> };
type Route = Answer | ((call: Call) => Answer);

export function fakeFetch(routes: Record<string, Route>) {
  const calls: Call[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://berth.test');
    const method = (init?.method ?? 'GET').toUpperCase();
    let body: unknown = undefined;
    if (typeof init?.body === 'string') {
      try {
        body = JSON.parse(init.body);
      } catch {
        body = init.body;
      }
    }
    const call = { method, path: url.pathname + url.search, body };
    calls.push(call);
    const route = routes[`${method} ${url.pathname + url.search}`] ?? routes[`${method} ${url.pathname}`];
    if (!route) {
      return new Response(JSON.stringify({ status: 404, detail: `no fake for ${method} ${url.pathname}` }), {
        status: 404,
        headers: { 'Content-Type': 'application/problem+json' },
      });
    }
    const a = typeof route === 'function' ? route(call) : route;
    const status = a.status ?? 200;
    const problem = status >= 400;
    return new Response(a.body === undefined ? null : JSON.stringify(a.body), {
      status,
      headers: { 'Content-Type': problem ? 'application/problem+json' : 'application/json', ...a.headers },
    });
  });
  vi.stubGlobal('fetch', fn);
  return { calls, fn };
}
