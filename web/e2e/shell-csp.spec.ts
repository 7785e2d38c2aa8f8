// The HTML shell the server sends for every dashboard page: web/dist's
// index.html with a fresh CSP nonce on each <script> and <style> tag.
// (Every other spec fails on a CSP violation through the guard fixture.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { web } from './env';
import { expect, test } from './fixtures';

test('the shell is served intact, with a nonce on every tag', async ({ request }) => {
  const want = readFileSync(join(web, 'dist', 'index.html'), 'utf8');
  const nonces: string[] = [];
  for (let i = 1; i <= 2; i++) {
    const res = await request.get('/functions');
    expect(res.ok()).toBe(true);
    const html = await res.text();
    const nonce = /script-src[^;]*'nonce-([^']+)'/.exec(res.headers()['content-security-policy'] ?? '')?.[1];
    expect(nonce, 'the shell has a CSP nonce').toBeTruthy();
    nonces.push(nonce!);
    const tags = html.match(/<(script|style)\b[^>]*>/g) ?? [];
    for (const t of tags) {
      expect(t.split(`nonce="${nonce}"`).length, `the shell's tag ${t} carries this request's nonce exactly once`).toBe(2);
    }
    const stripped = html.replaceAll(` nonce="${nonce}"`, '');
    if (stripped !== want) {
      const at = [...stripped].findIndex((c, j) => c !== want[j]);
      throw new Error(
        `request ${i}: the served shell differs from web/dist/index.html at character ${at}:\n  served:   ${JSON.stringify(stripped.slice(Math.max(0, at - 40), at + 60))}\n  expected: ${JSON.stringify(want.slice(Math.max(0, at - 40), at + 60))}`,
      );
    }
  }
  expect(nonces[0], 'each request gets its own nonce').not.toBe(nonces[1]);
});
