// Loads 24-hour series for many functions (the list's sparklines) a few at
// a time, for rows as they scroll into view, and keeps them for a minute.
import { functions } from '../api';
import type { Series } from '../api/types';

const ttl = 60_000;
const concurrency = 4;

interface Entry {
  at: number;
  promise: Promise<Series>;
}

const cache = new Map<string, Entry>();
const waiting: Array<() => void> = [];
let running = 0;

function slot(): Promise<void> {
  if (running < concurrency) {
    running++;
    return Promise.resolve();
  }
  return new Promise((resolve) => waiting.push(resolve));
}

function release() {
  const next = waiting.shift();
  if (next) next();
  else running--;
}

/** hourly24 returns the function's last 24 hourly buckets. */
export function hourly24(id: string): Promise<Series> {
  const hit = cache.get(id);
  if (hit && Date.now() - hit.at < ttl) return hit.promise;
  const promise = slot().then(() => functions.hourly(id, 24).finally(release));
  promise.catch(() => cache.delete(id));
  cache.set(id, { at: Date.now(), promise });
  return promise;
}

/** forget drops a function's cached series (after it was invoked). */
export function forget(id: string): void {
  cache.delete(id);
}

type Callback = () => void;
const watched = new Map<Element, Callback>();
let observer: IntersectionObserver | null = null;

/**
 * whenVisible calls cb once el first comes near the viewport (at once where
 * IntersectionObserver does not exist). It returns a function that stops
 * watching.
 */
export function whenVisible(el: Element, cb: Callback): () => void {
  if (typeof IntersectionObserver === 'undefined') {
    cb();
    return () => {};
  }
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        const f = watched.get(e.target);
        watched.delete(e.target);
        observer?.unobserve(e.target);
        f?.();
      }
    },
    { rootMargin: '200px 0px' },
  );
  watched.set(el, cb);
  observer.observe(el);
  return () => {
    watched.delete(el);
    observer?.unobserve(el);
  };
}
