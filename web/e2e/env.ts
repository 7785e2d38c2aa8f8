// What the configuration, the global setup and the fixtures of the
// end-to-end tests share: where things are, which browser, and how the
// global setup tells the workers about the server it started.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** web is the dashboard's directory, root the repository's. */
export const web = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const root = resolve(web, '..');
export const artifacts = join(root, 'test-artifacts');
export const screenshots = join(artifacts, 'screenshots');

/** The first administrator, made by `berth serve` from its environment. */
export const admin = { email: 'e2e-admin@example.com', password: 'e2e correct horse battery staple', name: '' };

/** Chromium's flags: headless, and nothing that reaches the network on its own. */
export const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * findChromium is the browser to drive: $CHROMIUM when set, else Debian's
 * Chromium; null when there is none.
 */
export function findChromium(): string | null {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(p)) return p;
  const r = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' });
  return r.stdout.trim() || null;
}

export const missingChromium = 'Chromium is not installed (apt-get install -y chromium); the end-to-end tests need it.';

/**
 * The global setup hands the server to the workers through these
 * variables: workers start after it and inherit its environment.
 */
export const envURL = 'BERTH_E2E_URL';
export const envHelloWasm = 'BERTH_E2E_HELLO_WASM';
export const envSkip = 'BERTH_E2E_SKIP';

/** Test modules the Go runtime's tests ship: one that echoes, one that is not a module. */
export const echoWasm = join(root, 'internal/runtime/wasm/testdata/echo.wasm');
export const badWasm = join(root, 'internal/runtime/wasm/testdata/not-a-module.wasm');
