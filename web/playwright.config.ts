// The dashboard's end-to-end tests: a real `berth serve` (started by
// e2e/global-setup.ts) driven through Debian's Chromium, one spec per area
// of the dashboard in e2e/. `npm run e2e` runs them; see e2e/env.ts for the
// environment they read (CHROMIUM, E2E_SKIP_BUILD, BERTH_BIN).
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';
import { artifacts, chromiumFlags, findChromium } from './e2e/env';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  globalSetup: './e2e/global-setup.ts',
  // One worker on one server: the machine is small, and the order of the
  // steps within a spec is part of what it tests.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: process.env.CI === 'true',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  outputDir: join(artifacts, 'playwright'),
  reporter: [['list'], ['html', { outputFolder: join(artifacts, 'playwright-report'), open: 'never' }]],
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 860 },
    permissions: ['clipboard-read', 'clipboard-write'],
    actionTimeout: 15_000,
    navigationTimeout: 15_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: findChromium() ?? undefined,
      args: chromiumFlags,
    },
  },
});
