// Where to go after signing in: only a path on this site, by the same
// rules as the server's safeNext (internal/webserver/pages.go), checked
// against the same corpus of open-redirect tricks in the tests.

const refusedEncodings = ['%2f', '%5c', '%09', '%0a', '%0d', '%00', '%20'];

/**
 * safeNext returns next when it is a same-site relative path that the
 * dashboard can show, else fallback. It refuses "//host", backslashes,
 * schemes, control characters and whitespace (browsers drop tabs and
 * newlines inside URLs), encoded separators, dot segments, and the sign-in
 * pages themselves (which would loop).
 */
export function safeNext(next: string | null | undefined, fallback = '/functions'): string {
  if (!next || next.length > 2048 || !next.startsWith('/') || next.startsWith('//')) return fallback;
  for (const ch of next) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\' || c < 0x20 || (c >= 0x7f && c <= 0x9f) || /\s/u.test(ch) || ch === '\u00a0') return fallback;
  }
  const lower = next.toLowerCase();
  if (refusedEncodings.some((e) => lower.includes(e))) return fallback;
  const pathOnly = next.split(/[?#]/, 1)[0];
  if (pathOnly.includes('/./') || pathOnly.includes('/../') || /\/\.\.?$/.test(pathOnly)) return fallback;
  let url: URL;
  try {
    url = new URL(next, 'https://berth.invalid');
  } catch {
    return fallback;
  }
  if (url.origin !== 'https://berth.invalid' || url.username || url.password) return fallback;
  if (/^\/(signin|register)(\/|$)/.test(url.pathname)) return fallback;
  return next;
}

/** signInPath is the sign-in page that comes back to path afterwards. */
export function signInPath(path: string, reason?: 'expired'): string {
  const q = new URLSearchParams();
  const next = safeNext(path, '');
  if (next && next !== '/' && next !== '/functions') q.set('next', next);
  if (reason) q.set('reason', reason);
  const s = q.toString();
  return '/signin' + (s ? '?' + s : '');
}
