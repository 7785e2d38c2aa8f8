import { useCallback, useEffect, useRef, useState } from 'react';

export interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** reload fetches again, keeping the current data on screen meanwhile. */
  reload: () => Promise<void>;
  setData: (d: T | ((prev: T | undefined) => T)) => void;
}

/**
 * useAsync runs load when deps change, aborting the previous run; stale
 * answers never overwrite newer ones.
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const run = useRef(0);
  const ctrl = useRef<AbortController | null>(null);
  const loader = useCallback(load, deps);

  const reload = useCallback(async () => {
    const id = ++run.current;
    ctrl.current?.abort();
    const c = new AbortController();
    ctrl.current = c;
    setLoading(true);
    try {
      const d = await loader(c.signal);
      if (id === run.current) {
        setData(d);
        setError(null);
      }
    } catch (e) {
      if (id === run.current && !(e instanceof DOMException && e.name === 'AbortError')) setError(e);
    } finally {
      if (id === run.current) setLoading(false);
    }
  }, [loader]);

  useEffect(() => {
    void reload();
    return () => ctrl.current?.abort();
  }, [reload]);

  return { data, error, loading, reload, setData };
}
