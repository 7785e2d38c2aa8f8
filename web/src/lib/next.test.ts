import { describe, expect, it } from 'vitest';
// The server's corpus of open-redirect tricks (internal/webserver): the
// client must refuse every one, like the server does.
import corpusText from '../../../internal/webserver/testdata/open-redirects.txt?raw';
import { safeNext, signInPath } from './next';

const corpus = corpusText
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('#'))
  .map((l) => l.replaceAll('\\t', '\t').replaceAll('\\n', '\n').replaceAll('\\r', '\r').replaceAll('\\0', '\0').replaceAll('\\u3000', '\u3000'));

describe('safeNext', () => {
  it('reads the whole corpus', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(50);
  });

  it.each(corpus.map((c) => [JSON.stringify(c), c]))('never leaves the site for %s', (_, next) => {
    const got = safeNext(next, '/fallback');
    const target = new URL(got, 'https://berth.example/signin');
    expect(target.origin).toBe('https://berth.example');
    expect(got.startsWith('//')).toBe(false);
    expect(/[\\\t\n\r\0]/.test(got)).toBe(false);
  });

  it.each(['/', '/functions', '/functions/abc?tab=logs#x', '/a-b_c~d/e.f', '/functions/6f0c/executions?execution=1'])(
    'keeps the same-site path %s',
    (ok) => {
      expect(safeNext(ok)).toBe(ok);
    },
  );

  it('refuses the sign-in pages themselves, to avoid a loop', () => {
    expect(safeNext('/signin?next=/x')).toBe('/functions');
    expect(safeNext('/register')).toBe('/functions');
  });

  it('falls back on nothing', () => {
    expect(safeNext(null)).toBe('/functions');
    expect(safeNext('')).toBe('/functions');
  });
});

describe('signInPath', () => {
  it('keeps where the user was', () => {
    expect(signInPath('/functions/abc/logs?x=1', 'expired')).toBe('/signin?next=%2Ffunctions%2Fabc%2Flogs%3Fx%3D1&reason=expired');
  });
  it('leaves out the default page and unsafe paths', () => {
    expect(signInPath('/functions')).toBe('/signin');
    expect(signInPath('//evil.com')).toBe('/signin');
  });
});
