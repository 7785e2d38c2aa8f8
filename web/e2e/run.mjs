// End-to-end test of the dashboard: builds the UI and the berth binary,
// starts a real `berth serve` on loopback with a fresh data directory, and
// drives Debian's Chromium through playwright-core over every page. It
// fails on any console error or CSP violation that a step did not expect,
// saves a screenshot of every page in test-artifacts/screenshots/, and
// prints how long a list of 1 000 functions takes to render.
//
//   npm run e2e                 build everything, then test
//   E2E_SKIP_BUILD=1 npm run e2e   reuse web/dist and bin/berth
//   CHROMIUM=/path/to/chrome    another browser binary
//   BERTH_BIN=/path/to/berth    test that binary instead of building bin/berth
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const web = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(web, '..');
const artifacts = join(root, 'test-artifacts');
const shots = join(artifacts, 'screenshots');
const admin = { email: 'e2e-admin@example.com', password: 'e2e correct horse battery staple' };
const flags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const manyFunctions = 1000;

const started = Date.now();
const timings = [];
let step = '';
const log = (...a) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s]`, ...a);

function sh(cmd, args, opts = {}) {
  log('$', cmd, ...args);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
}

function findChromium() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(p)) return p;
  const r = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' });
  return r.stdout.trim() || null;
}

async function freePort() {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}

async function waitReady(base, proc, timeoutMS = 30000) {
  const end = Date.now() + timeoutMS;
  while (Date.now() < end) {
    if (proc.exitCode != null) throw new Error(`berth exited with ${proc.exitCode}; see test-artifacts/e2e-server.log`);
    try {
      const r = await fetch(base + '/readyz');
      if (r.ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error('berth did not become ready in time');
}

/**
 * checkShell fetches the app's HTML twice: apart from the nonce the server
 * adds to each <script> and <style> tag, it must be web/dist/index.html.
 */
async function checkShell(base) {
  const want = readFileSync(join(web, 'dist', 'index.html'), 'utf8');
  for (let i = 0; i < 2; i++) {
    const res = await fetch(base + '/functions');
    const html = await res.text();
    const nonce = /script-src[^;]*'nonce-([^']+)'/.exec(res.headers.get('Content-Security-Policy') ?? '')?.[1];
    if (!nonce) throw new Error('the shell has no CSP nonce');
    const tags = html.match(/<(script|style)\b[^>]*>/g) ?? [];
    for (const t of tags) {
      if (t.split(`nonce="${nonce}"`).length !== 2) throw new Error(`the shell's tag ${t} does not carry this request's nonce exactly once`);
    }
    const stripped = html.replaceAll(` nonce="${nonce}"`, '');
    if (stripped !== want) {
      const at = [...stripped].findIndex((c, j) => c !== want[j]);
      throw new Error(
        `request ${i + 1}: the served shell differs from web/dist/index.html at character ${at}:\n  served:   ${JSON.stringify(stripped.slice(Math.max(0, at - 40), at + 60))}\n  expected: ${JSON.stringify(want.slice(Math.max(0, at - 40), at + 60))}`,
      );
    }
  }
}

/** timed runs one named step and remembers how long it took. */
async function timed(name, fn) {
  step = name;
  const t0 = Date.now();
  log('▶', name);
  const out = await fn();
  timings.push([name, Date.now() - t0]);
  return out;
}

async function main() {
  const browserPath = findChromium();
  if (!browserPath) {
    const msg = 'Chromium is not installed (apt-get install -y chromium); the end-to-end test needs it.';
    if (process.env.CI === 'true') throw new Error(msg);
    console.log('SKIP:', msg);
    return;
  }
  mkdirSync(shots, { recursive: true });
  for (const f of readdirSync(shots)) if (f.endsWith('.png')) rmSync(join(shots, f));
  const tmp = mkdtempSync(join(tmpdir(), 'berth-e2e-'));

  // ---------- build: UI first, so that the binary embeds it ----------
  const bin = process.env.BERTH_BIN ? resolve(process.env.BERTH_BIN) : join(root, 'bin', 'berth');
  const helloWasm = join(tmp, 'hello.wasm');
  await timed('build', async () => {
    if (process.env.E2E_SKIP_BUILD !== '1' || !existsSync(join(web, 'dist', 'index.html'))) {
      sh('npm', ['run', 'build'], { cwd: web });
    }
    if (!process.env.BERTH_BIN && (process.env.E2E_SKIP_BUILD !== '1' || !existsSync(bin))) {
      sh('go', ['build', '-o', bin, './cmd/berth'], { cwd: root });
    }
    sh('go', ['build', '-o', helloWasm, './examples/hello-go'], {
      cwd: root,
      env: { ...process.env, GOOS: 'wasip1', GOARCH: 'wasm' },
    });
  });
  const echoWasm = join(root, 'internal/runtime/wasm/testdata/echo.wasm');
  const badWasm = join(root, 'internal/runtime/wasm/testdata/not-a-module.wasm');

  // ---------- the server ----------
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  mkdirSync(artifacts, { recursive: true });
  const serverLog = createWriteStream(join(artifacts, 'e2e-server.log'));
  const server = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', join(tmp, 'data')], {
    env: {
      ...process.env,
      BERTH_ADMIN_EMAIL: admin.email,
      BERTH_ADMIN_PASSWORD: admin.password,
      BERTH_METRICS_LISTEN: '',
      BERTH_AUTH_ALLOW_REGISTRATION: 'true',
      // The test creates a thousand functions from one address in seconds.
      BERTH_WEB_API_PER_SECOND: '5000',
      BERTH_WEB_API_BURST: '5000',
      BERTH_WEB_LOGIN_PER_MINUTE: '600',
      BERTH_WEB_LOGIN_BURST: '100',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.pipe(serverLog);
  server.stderr.pipe(serverLog);
  let browser;
  try {
    await timed('start berth', () => waitReady(base, server));
    log('berth serves', base);
    await timed('the shell is served intact, with a nonce', () => checkShell(base));

    // ---------- the browser ----------
    const userData = join(tmp, 'chromium-profile');
    browser = await chromium.launchPersistentContext(userData, {
      executablePath: browserPath,
      headless: true,
      args: flags,
      viewport: { width: 1280, height: 860 },
      baseURL: base,
    });
    await browser.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    try {
      await run(browser, base, { echoWasm, badWasm, helloWasm });
    } catch (e) {
      await browser.pages()[0]?.screenshot({ path: join(shots, 'FAILED.png'), fullPage: true }).catch(() => {});
      throw e;
    }
  } finally {
    await browser?.close().catch(() => {});
    server.kill('SIGTERM');
    await Promise.race([once(server, 'exit'), new Promise((r) => setTimeout(r, 10000))]);
    rmSync(tmp, { recursive: true, force: true });
  }
  log('time per step:');
  for (const [name, ms] of timings) console.log(`    ${name.padEnd(42)} ${(ms / 1000).toFixed(2).padStart(7)} s`);
  log(`passed in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in test-artifacts/screenshots/`);
}

async function run(context, base, files) {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15000);

  // ----- console errors and CSP violations fail the test -----
  const problems = [];
  let expected = []; // [{re, seen}] errors a step provokes on purpose
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline code'}`);
    });
  });
  page.on('console', (m) => {
    const text = `${m.text()} (${m.location()?.url ?? ''})`;
    const csp = /Content Security Policy|CSP violation/i.test(text);
    if (m.type() !== 'error' && !csp) return;
    const hit = !csp && expected.find((x) => x.re.test(text));
    if (hit) {
      hit.seen++;
      return;
    }
    problems.push(`[${step}] console ${m.type()}: ${text}`);
  });
  page.on('pageerror', (e) => problems.push(`[${step}] uncaught: ${e.message}`));
  /** expect lets fn provoke console errors matching res (failed requests it causes on purpose). */
  async function expecting(res, fn) {
    const mine = res.map((re) => ({ re, seen: 0 }));
    expected = [...expected, ...mine];
    try {
      return await fn();
    } finally {
      await page.waitForTimeout(100); // console events arrive asynchronously
      expected = expected.filter((x) => !mine.includes(x));
    }
  }
  const failed = (status, path) => new RegExp(`status of ${status}.*${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
  const shot = (name, fullPage = true) =>
    page.screenshot({ path: join(shots, `${name}.png`), fullPage, animations: 'disabled' });
  const assert = (ok, what) => {
    if (!ok) throw new Error(`assertion failed: ${what}`);
  };

  // ----- sign in, with a wrong password first -----
  await timed('sign in (wrong password, then right)', async () => {
    await page.goto('/profile');
    await page.waitForURL(/\/signin\?next=%2Fprofile/);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot('01-sign-in');
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill('not the password');
    await expecting([failed(401, '/server/login')], async () => {
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').filter({ hasText: 'Not signed in.' }).waitFor();
    });
    await shot('02-sign-in-error');
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/profile');
    await page.getByRole('heading', { name: 'Profile', level: 1 }).waitFor();
  });

  // ----- the empty list, then create a function with live name validation -----
  let fnID = '';
  await timed('create a function', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Functions' }).click();
    await page.getByText('You have no functions yet').waitFor();
    await shot('03-functions-empty');
    await page.getByRole('link', { name: 'New function' }).click();
    const name = page.getByLabel('Name', { exact: true });
    await name.fill('Hello_World');
    await page.getByText('Use lower-case letters only.').waitFor();
    await name.fill('-hello');
    await page.getByText('Start and end with a letter or a digit, not a hyphen.').waitFor();
    await shot('04-create-validation');
    await name.fill('e2e-echo');
    await page.getByLabel('Description (optional)').fill('Echoes what it is sent (end-to-end test)');
    await page.getByRole('button', { name: 'Create function' }).click();
    await page.waitForURL(/\/functions\/[0-9a-f-]{36}\/deploy$/);
    fnID = page.url().match(/functions\/([0-9a-f-]{36})/)[1];
    await page.getByRole('heading', { name: 'e2e-echo' }).waitFor();
  });

  // ----- deploy: a module, a broken file, then the Go example -----
  await timed('deploy by upload (3 versions, one refused)', async () => {
    const input = page.getByTestId('deploy-input');
    await input.setInputFiles(files.echoWasm);
    await page.getByText('Version 1 is live').first().waitFor();
    await shot('05-deploy');
    await expecting([failed(422, '/deploy')], async () => {
      await input.setInputFiles(files.badWasm);
      await page.getByRole('alert').filter({ hasText: 'was not deployed; the live version is unchanged' }).waitFor();
    });
    await page.locator('[data-version="2"]').getByText('Failed').waitFor();
    await shot('06-deploy-refused');
    await input.setInputFiles(files.helloWasm);
    await page.getByText('Version 3 is live').first().waitFor({ timeout: 60000 });
    await page.locator('[data-version="3"]').getByText('Live').waitFor();
  });

  // ----- metrics before any call -----
  let before = -1;
  await timed('metrics before invoking', async () => {
    await page.getByRole('link', { name: 'Metrics' }).click();
    await page.locator('figure.chart[data-total]').first().waitFor();
    before = Number(await page.locator('figure.chart[data-total]').first().getAttribute('data-total'));
    assert(before === 0, `no invocations yet (saw ${before})`);
  });

  // ----- invoke from the browser -----
  await timed('invoke from the invoke panel', async () => {
    await page.getByRole('link', { name: 'Invoke' }).click();
    await page.getByLabel('Query string').fill('name=Ada');
    await page.getByLabel('Body').fill('hello from the browser');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByTestId('invoke-status').filter({ hasText: '200' }).waitFor();
    const body = await page.getByTestId('invoke-body').textContent();
    assert(body.includes('Hello, Ada!'), `the function answered: ${body}`);
    await shot('07-invoke');
    // The HTTP trigger as an anonymous caller: a private function says 401, in words.
    await expecting([failed(401, '/fn/')], async () => {
      await page.getByLabel(/The HTTP trigger/).check();
      await page.getByLabel('Method', { exact: true }).selectOption('GET');
      await page.getByRole('button', { name: 'Send' }).click();
      await page.getByTestId('invoke-status').filter({ hasText: '401' }).waitFor();
      await page.getByText(/berth refused or the function failed: .*private/).waitFor();
    });
    await shot('08-invoke-refused');
  });

  // ----- the execution, its drawer, and the chart moving -----
  await timed('executions and the drawer', async () => {
    await page.getByRole('link', { name: 'Executions' }).click();
    const row = page.getByTestId('executions').locator('tbody tr').first();
    await row.waitFor();
    await row.getByText('Success').waitFor();
    await shot('09-executions');
    await row.getByRole('button').click();
    const drawer = page.getByRole('dialog', { name: 'Execution' });
    await drawer.getByTestId('execution-detail').waitFor();
    await drawer.getByText('greeting Ada').waitFor();
    await shot('10-execution-drawer', false);
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });
  });
  await timed('metrics after invoking (the chart moves)', async () => {
    await page.getByRole('link', { name: 'Metrics' }).click();
    const fig = page.locator('figure.chart[data-total]').first();
    await fig.waitFor();
    const after = Number(await fig.getAttribute('data-total'));
    assert(after >= 1 && after > before, `invocations went from ${before} to ${after}`);
    log(`chart: ${before} → ${after} invocations`);
    await page.getByRole('button', { name: '7 days (hourly)' }).click();
    await page.getByTestId('metrics-summary').getByText(/in the last 7 days/).waitFor();
    await page.getByRole('button', { name: '30 days' }).click();
    await page.getByTestId('metrics-summary').getByText(/in the last 30 days/).waitFor();
    await shot('11-metrics');
  });

  // ----- live logs: a line appears while the page listens -----
  let token = '';
  await timed('live logs', async () => {
    const login = await fetch(base + '/api/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(admin),
    });
    assert(login.ok, `API login answered ${login.status}`);
    token = (await login.json()).access_token;
    await page.getByRole('link', { name: 'Logs' }).click();
    await page.locator('[data-state="live"]').waitFor();
    await page.getByRole('log').getByText('greeting Ada').first().waitFor();
    const r = await fetch(`${base}/api/functions/${fnID}/invoke?name=Live`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      body: 'x',
    });
    assert(r.ok, `invoke answered ${r.status}`);
    await page.getByRole('log').getByText('greeting Live').waitFor({ timeout: 10000 });
    await shot('12-logs');
  });

  // ----- API keys: the secret once, then revoke -----
  await timed('API keys: create, secret once, revoke', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByText('No API keys').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('e2e-key');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('secret-value').textContent()).trim();
    assert(secret.length >= 20, 'a secret is shown');
    await page.getByRole('button', { name: 'Copy the secret' }).click();
    await page.getByText('Copied', { exact: true }).first().waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert(copied === secret, 'the copy button copies the secret');
    await shot('13-api-key-secret-once');
    await page.getByRole('button', { name: 'I have copied the secret' }).click();
    await page.getByTestId('secret-value').waitFor({ state: 'detached' });
    const leftovers = await page.evaluate(
      (s) => document.documentElement.outerHTML.includes(s) || JSON.stringify({ ...localStorage, ...sessionStorage }).includes(s),
      secret,
    );
    assert(!leftovers, 'the secret is gone from the page and from storage');
    const row = page.locator('[data-key="e2e-key"]');
    await row.getByText('Active').waitFor();
    await row.getByRole('button', { name: 'Revoke e2e-key' }).click();
    await row.getByText('Revoked').waitFor();
    await shot('14-api-keys');
  });

  // ----- roll back to version 1 -----
  await timed('roll back', async () => {
    await page.getByRole('link', { name: 'Deployments' }).click();
    await page.getByRole('button', { name: 'Roll back to v1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Make version 1 live?' });
    await dialog.waitFor();
    await shot('15-rollback-confirm', false);
    await dialog.getByRole('button', { name: 'Make v1 live' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('Version 1 is live').first().waitFor();
    await page.locator('[data-version="1"]').getByText('Live').waitFor();
  });

  // ----- settings: a refused value, then memory, env and a secret -----
  await timed('settings', async () => {
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    const memory = page.getByLabel('Memory (MiB)');
    await memory.fill('5');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Enter the memory from 16 to 1024 MiB.').waitFor();
    await memory.fill('64');
    await page.getByRole('button', { name: 'Add variable' }).click();
    await page.getByLabel('Name of variable 1').fill('GREETING');
    await page.getByLabel('Value of GREETING').fill('hello');
    await page.getByRole('button', { name: 'Add secret' }).click();
    await page.getByLabel('Name of new secret 1').fill('API_TOKEN');
    await page.getByLabel('Value of API_TOKEN').fill('s3cret-value-never-shown');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('The settings are saved.').first().waitFor();
    await page.locator('[data-secret="API_TOKEN"]').getByText('••••••••').waitFor();
    assert(
      !(await page.evaluate(() => document.documentElement.outerHTML.includes('s3cret-value-never-shown'))),
      'a saved secret is not kept in the page',
    );
    await shot('16-overview-settings');
  });

  // ----- schedule a deletion, see the countdown, cancel it -----
  await timed('deletion: schedule and cancel', async () => {
    // Keyboard: Tab stays inside the dialog, Escape closes it, focus goes back.
    const opener = page.getByRole('button', { name: 'Delete function…' });
    await opener.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Delete e2e-echo?' });
    await dialog.waitFor();
    for (let i = 0; i < 5; i++) await page.keyboard.press('Tab');
    assert(await dialog.evaluate((d) => d.contains(document.activeElement)), 'Tab stays in the dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert(await opener.evaluate((b) => b === document.activeElement), 'focus returns to the button that opened the dialog');
    await opener.click();
    await dialog.getByRole('button', { name: 'Schedule deletion' }).click();
    const banner = page.getByRole('region', { name: 'Scheduled deletion' });
    await banner.waitFor();
    const first = await page.getByTestId('deletion-countdown').textContent();
    await page.waitForTimeout(1200);
    const second = await page.getByTestId('deletion-countdown').textContent();
    assert(first !== second && /h/.test(first), `the countdown runs (${first} → ${second})`);
    await shot('17-deletion-scheduled');
    await banner.getByRole('button', { name: 'Cancel deletion' }).click();
    await banner.waitFor({ state: 'hidden' });
    await page.locator('.fn-head__meta').getByText('Active').waitFor();
  });

  // ----- an ended session comes back to where it was -----
  await timed('expired session returns to the page', async () => {
    await page.getByRole('link', { name: 'Executions' }).click();
    await page.getByTestId('executions').waitFor();
    await context.clearCookies();
    await expecting([failed(401, '/api/functions/')], async () => {
      await page.getByRole('link', { name: 'Deployments' }).click();
      await page.waitForURL(/\/signin\?next=%2Ffunctions%2F[0-9a-f-]+%2Fdeploy&reason=expired/);
    });
    await page.getByText('Your session has ended.').waitFor();
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`**/functions/${fnID}/deploy`);
    await page.getByRole('heading', { name: 'Versions' }).waitFor();
  });

  // ----- pin it -----
  await timed('pin a function', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Functions' }).click();
    await page.getByRole('button', { name: 'Pin e2e-echo' }).click();
    await page.getByRole('button', { name: 'Unpin e2e-echo' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Unpin e2e-echo' }).waitFor();
    await page.keyboard.press('Tab');
    assert((await page.evaluate(() => document.activeElement?.textContent)) === 'Skip to content', 'the first Tab reaches the skip link');
    await page.locator('[data-function="e2e-echo"] svg.sparkline').waitFor();
    await shot('18-functions');
  });

  // ----- profile: theme, name, a keypair -----
  await timed('profile: theme, name, keypair', async () => {
    await page.getByRole('link', { name: 'Profile' }).click();
    await page.getByRole('radio', { name: /^Dark/ }).check();
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    await page.getByLabel('Name', { exact: true }).fill('Ada Admin');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await page.getByLabel('Name (optional)').fill('e2e script');
    await page.getByRole('button', { name: 'Create keypair' }).click();
    await page.getByTestId('secret-value').waitFor();
    await shot('19-profile-dark-keypair');
    await page.getByRole('button', { name: 'I have copied the secret' }).click();
    await page.getByRole('button', { name: 'Revoke e2e script' }).click();
    await page.getByRole('dialog', { name: 'Revoke this keypair?' }).getByRole('button', { name: 'Revoke' }).click();
    await page.locator('[data-keypair="e2e script"]').waitFor({ state: 'detached' });
    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    await page.getByRole('radio', { name: /^Dark/ }).waitFor();
    assert(await page.getByRole('radio', { name: /^Dark/ }).isChecked(), 'the theme is saved');
    await page.goto(`/functions/${fnID}/metrics`);
    await page.locator('figure.chart[data-total]').first().waitFor();
    await shot('20-metrics-dark');
    await page.goto('/profile');
    await page.getByRole('radio', { name: /^Light/ }).check();
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'light');
    await page.getByRole('radio', { name: /^System/ }).check();
    await page.waitForFunction(() => document.documentElement.dataset.themeChoice === 'system');
  });

  // ----- phone width -----
  await timed('360 px wide', async () => {
    await page.setViewportSize({ width: 360, height: 760 });
    for (const [path, name, ready] of [
      ['/functions', '21-phone-functions', '[data-function="e2e-echo"]'],
      [`/functions/${fnID}`, '22-phone-overview', 'text=Invoke URL (POST)'],
      [`/functions/${fnID}/executions`, '23-phone-executions', '[data-testid="executions"]'],
    ]) {
      await page.goto(path);
      await page.locator(ready).first().waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(overflow <= 0, `${path} fits 360 px (${overflow} px too wide)`);
      await shot(name);
    }
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  // ----- a thousand functions -----
  await timed(`create ${manyFunctions} functions through the API`, async () => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < manyFunctions) {
          const i = next++;
          const r = await fetch(base + '/api/functions/init', {
            method: 'POST',
            headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({ name: `fn-${String(i).padStart(4, '0')}`, description: `bulk function ${i}` }),
          });
          if (r.status !== 201) throw new Error(`init fn-${i} answered ${r.status}: ${await r.text()}`);
        }
      }),
    );
  });
  const render = await timed(`render the list of ${manyFunctions + 1} functions`, async () => {
    await page.goto('/profile');
    await page.getByRole('heading', { name: 'Profile', level: 1 }).waitFor();
    const t0 = Date.now();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Functions' }).click();
    await page.waitForFunction((n) => Number(document.querySelector('.fn-table')?.dataset.renderedCount) >= n, manyFunctions + 1, {
      timeout: 60000,
    });
    const wall = Date.now() - t0;
    const inPage = await page.evaluate(() => {
      const [s] = performance.getEntriesByName('berth:functions-fetch-start').slice(-1);
      const [e] = performance.getEntriesByName('berth:functions-rendered').slice(-1);
      return s && e ? e.startTime - s.startTime : -1;
    });
    const rows = await page.locator('.fn-table [role=row][data-function]').count();
    assert(rows === manyFunctions + 1, `${rows} rows rendered`);
    const first = await page.locator('.fn-table [role=row][data-function]').first().getAttribute('data-function');
    assert(first === 'e2e-echo', `the pinned function comes first (saw ${first})`);
    await shot('24-functions-1000', false);
    const t1 = Date.now();
    await page.getByLabel('Search').fill('fn-0999');
    await page.waitForFunction(() => document.querySelectorAll('.fn-table [role=row][data-function]').length === 1);
    const search = Date.now() - t1;
    await page.getByText('1 of 1,001 functions match.').waitFor();
    return { wall, inPage, search };
  });

  // ----- sign out, register a second account, sign out -----
  await timed('sign out, register, sign out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/signin?reason=signed-out');
    await page.getByText('You are signed out.').waitFor();
    await shot('25-signed-out');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    await page.getByLabel('Name').fill('Grace Hopper');
    await page.getByLabel('Email').fill('grace@example.com');
    await page.getByLabel('Password').fill('compilers are a fine invention');
    await shot('26-register');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/functions');
    await page.getByText('You have no functions yet').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/signin?reason=signed-out');
    // Signed out, a protected page sends the visitor to sign in.
    await page.goto(`/functions/${fnID}/logs`);
    await page.waitForURL(/\/signin\?next=%2Ffunctions%2F.*%2Flogs$/);
  });

  if (problems.length) {
    throw new Error(`the browser reported ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  }
  log('no console errors, no CSP violations');
  log(
    `RENDER ${manyFunctions + 1} functions: ${render.wall} ms from the click to the last row (${Math.round(render.inPage)} ms from the first request to the rendered list, in the page); search narrows them to one in ${render.search} ms`,
  );
}

main().catch((e) => {
  console.error(`\n[e2e] FAILED in step "${step}": ${e.stack ?? e}`);
  process.exit(1);
});
