// The functions list: empty, a function created with live validation,
// pinning, a phone's width, and how fast a thousand functions render.
import { echoWasm } from './env';
import { Client, expect, test as base, type Account } from './fixtures';

// The account whose list this spec fills.
const test = base.extend<object, { owned: { owner: Account; client: Client } }>({
  owned: [
    async ({ newAccount, api }, use) => {
      const owner = await newAccount('lister', 'List Owner');
      await use({ owner, client: await Client.login(api, owner) });
    },
    { scope: 'worker' },
  ],
});

test.describe.configure({ mode: 'serial' });

const manyFunctions = 1000;
let fnID = ''; // the function the first step creates

test.beforeEach(async ({ signIn, owned }) => signIn(owned.owner));

test('an empty list, then a function created with live name validation', async ({ page, shot }) => {
  await page.goto('/profile');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Functions' }).click();
  await expect(page.getByText('You have no functions yet')).toBeVisible();
  await shot('03-functions-empty');
  await page.getByRole('link', { name: 'New function' }).click();
  const name = page.getByLabel('Name', { exact: true });
  await name.fill('Hello_World');
  await expect(page.getByText('Use lower-case letters only.')).toBeVisible();
  await name.fill('-hello');
  await expect(page.getByText('Start and end with a letter or a digit, not a hyphen.')).toBeVisible();
  await shot('04-create-validation');
  await name.fill('e2e-echo');
  await page.getByLabel('Description (optional)').fill('Echoes what it is sent (end-to-end test)');
  await page.getByRole('button', { name: 'Create function' }).click();
  await page.waitForURL(/\/functions\/[0-9a-f-]{36}\/deploy$/);
  fnID = page.url().match(/functions\/([0-9a-f-]{36})/)![1];
  await expect(page.getByRole('heading', { name: 'e2e-echo' })).toBeVisible();
});

test('pin a function; the first Tab reaches the skip link', async ({ page, shot, owned: { client } }) => {
  // A live function with a call, so that its row has a sparkline.
  await client.deploy(fnID, echoWasm);
  await client.invoke(fnID);
  await page.goto('/functions');
  await page.getByRole('button', { name: 'Pin e2e-echo' }).click();
  await expect(page.getByRole('button', { name: 'Unpin e2e-echo' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('button', { name: 'Unpin e2e-echo' })).toBeVisible();
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.textContent), 'the first Tab reaches the skip link').toBe('Skip to content');
  await expect(page.locator('[data-function="e2e-echo"] svg.sparkline')).toBeVisible();
  await shot('18-functions');
});

test('360 px wide, the pages fit', async ({ page, shot }) => {
  await page.setViewportSize({ width: 360, height: 760 });
  for (const [path, name, ready] of [
    ['/functions', '21-phone-functions', '[data-function="e2e-echo"]'],
    [`/functions/${fnID}`, '22-phone-overview', 'text=Invoke URL (POST)'],
    [`/functions/${fnID}/executions`, '23-phone-executions', '[data-testid="executions"]'],
  ]) {
    await page.goto(path);
    await expect(page.locator(ready).first()).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${path} fits 360 px (${overflow} px too wide)`).toBeLessThanOrEqual(0);
    await shot(name);
  }
});

test(`a list of ${manyFunctions + 1} functions renders, pinned first, and search narrows it`, async ({ page, shot, owned: { client } }, testInfo) => {
  test.setTimeout(180_000);
  await test.step(`create ${manyFunctions} functions through the API`, async () => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < manyFunctions) {
          const i = next++;
          const r = await client.call('POST', '/api/functions/init', {
            data: { name: `fn-${String(i).padStart(4, '0')}`, description: `bulk function ${i}` },
          });
          expect(r.status(), `init fn-${i}: ${r.status() === 201 ? '' : await r.text()}`).toBe(201);
        }
      }),
    );
  });
  await page.goto('/profile');
  await expect(page.getByRole('heading', { name: 'Profile', level: 1 })).toBeVisible();
  const t0 = Date.now();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Functions' }).click();
  await page.waitForFunction((n) => Number(document.querySelector<HTMLElement>('.fn-table')?.dataset.renderedCount) >= n, manyFunctions + 1, {
    timeout: 60000,
  });
  const wall = Date.now() - t0;
  const inPage = await page.evaluate(() => {
    const [s] = performance.getEntriesByName('berth:functions-fetch-start').slice(-1);
    const [e] = performance.getEntriesByName('berth:functions-rendered').slice(-1);
    return s && e ? e.startTime - s.startTime : -1;
  });
  const rows = page.locator('.fn-table [role=row][data-function]');
  expect(await rows.count(), 'rows rendered').toBe(manyFunctions + 1);
  expect(await rows.first().getAttribute('data-function'), 'the pinned function comes first').toBe('e2e-echo');
  await shot('24-functions-1000', false);
  const t1 = Date.now();
  await page.getByLabel('Search').fill('fn-0999');
  await page.waitForFunction(() => document.querySelectorAll('.fn-table [role=row][data-function]').length === 1);
  const search = Date.now() - t1;
  await expect(page.getByText('1 of 1,001 functions match.')).toBeVisible();
  const line = `${manyFunctions + 1} functions: ${wall} ms from the click to the last row (${Math.round(inPage)} ms from the first request to the rendered list, in the page); search narrows them to one in ${search} ms`;
  testInfo.annotations.push({ type: 'render', description: line });
  console.log('RENDER', line);
});
