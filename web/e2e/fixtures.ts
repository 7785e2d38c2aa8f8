// The fixtures every spec uses: the server the global setup started, API
// helpers, signing in, screenshots, and the guard that fails a test on any
// console error or CSP violation it did not expect.
import { join } from 'node:path';
import { test as base, expect, request, type APIRequestContext } from '@playwright/test';
import { admin, envHelloWasm, envSkip, envURL, screenshots } from './env';
import { Client, newAccountFor, ok, type Account, type UserOut } from './api';

export { expect };
export type { Account, UserOut };
export { Client };

/** Server is the berth the global setup started. */
export interface Server {
  base: string;
  /** The Go example, built for this run: it greets and logs "greeting <name>". */
  helloWasm: string;
}

/** ConsoleGuard lets a step provoke console errors on purpose. */
export interface ConsoleGuard {
  /** expecting runs fn, tolerating console errors that match one of patterns. */
  expecting<T>(patterns: RegExp[], fn: () => Promise<T>): Promise<T>;
}

interface TestFixtures {
  requireChromium: void;
  guard: ConsoleGuard;
  /** shot saves a screenshot in test-artifacts/screenshots/<name>.png. */
  shot: (name: string, fullPage?: boolean) => Promise<void>;
  /** signIn gives this test's browser a session of the account, without the sign-in page. */
  signIn: (a: Pick<Account, 'email' | 'password'>) => Promise<void>;
}

interface WorkerFixtures {
  server: Server;
  /** api is an anonymous API client on the server. */
  api: APIRequestContext;
  /** newAccount registers an account through the API. */
  newAccount: (prefix: string, name: string) => Promise<Account & UserOut>;
  /** adminClient calls the API as the first administrator. */
  adminClient: Client;
}

/** failed matches Chromium's console line for a failed request to path. */
export const failed = (status: number, path: string) =>
  new RegExp(`status of ${status}.*${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);

export const test = base.extend<TestFixtures, WorkerFixtures>({
  server: [
    async ({}, use) => {
      await use({ base: process.env[envURL] ?? '', helloWasm: process.env[envHelloWasm] ?? '' });
    },
    { scope: 'worker' },
  ],
  api: [
    async ({ server }, use) => {
      const ctx = await request.newContext({ baseURL: server.base });
      await use(ctx);
      await ctx.dispose();
    },
    { scope: 'worker' },
  ],
  newAccount: [async ({ api }, use) => use((prefix, name) => newAccountFor(api, prefix, name)), { scope: 'worker' }],
  adminClient: [async ({ api }, use) => use(await Client.login(api, admin)), { scope: 'worker' }],

  // Registered before guard, so that it runs before a browser is needed.
  requireChromium: [
    async ({}, use, testInfo) => {
      testInfo.skip(!!process.env[envSkip], process.env[envSkip]);
      await use();
    },
    { auto: true },
  ],
  baseURL: async ({ server }, use) => use(server.base),

  guard: [
    async ({ context }, use, testInfo) => {
      const problems: string[] = [];
      let expected: Array<{ re: RegExp; seen: number }> = [];
      await context.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => {
          console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline code'}`);
        });
      });
      context.on('console', (m) => {
        const text = `${m.text()} (${m.location()?.url ?? ''})`;
        const csp = /Content Security Policy|CSP violation/i.test(text);
        if (m.type() !== 'error' && !csp) return;
        const hit = !csp && expected.find((x) => x.re.test(text));
        if (hit) {
          hit.seen++;
          return;
        }
        problems.push(`console ${m.type()}: ${text}`);
      });
      context.on('weberror', (e) => problems.push(`uncaught: ${e.error().message}`));
      await use({
        async expecting(patterns, fn) {
          const mine = patterns.map((re) => ({ re, seen: 0 }));
          expected = [...expected, ...mine];
          try {
            return await fn();
          } finally {
            await new Promise((r) => setTimeout(r, 100)); // console events arrive asynchronously
            expected = expected.filter((x) => !mine.includes(x));
          }
        },
      });
      if (testInfo.status === 'skipped') return;
      expect(problems, 'the browser reported console errors or CSP violations').toEqual([]);
    },
    { auto: true },
  ],

  shot: async ({ page }, use) => {
    await use(async (name, fullPage = true) => {
      await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage, animations: 'disabled' });
    });
  },

  signIn: async ({ page }, use) => {
    await use(async (a) => {
      await ok(await page.request.post('/server/login', { data: { email: a.email, password: a.password } }), `sign-in of ${a.email}`);
    });
  },
});
