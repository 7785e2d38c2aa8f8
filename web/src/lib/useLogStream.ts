import { useEffect, useRef, useState } from 'react';
import { session } from '../api';
import { unauthorized } from '../api/client';
import type { LogLine } from '../api/types';

/** StreamState is where a followed log stream is. */
export type StreamState = 'connecting' | 'live' | 'paused' | 'retrying' | 'ended';

/** The words for each state, shown next to the stream's dot. */
export const streamWords: Record<StreamState, string> = {
  connecting: 'Connecting…',
  live: 'Live: new lines appear as calls finish.',
  paused: 'Paused.',
  retrying: 'The connection dropped; reconnecting…',
  ended: 'The stream ended.',
};

export type Numbered<T> = T & { seq: number };

const maxLines = 2000;

/**
 * useLogStream follows log lines as server-sent events (event "log") from
 * path, a logs endpoint with its filters in the query; follow=true, a limit
 * and, after a dropped connection, since are added here. A reconnection
 * starts from the last line it has and skips the executions an earlier
 * connection delivered. A new path starts again from nothing; pausing
 * keeps the lines.
 */
export function useLogStream<T extends LogLine>(path: string, paused = false) {
  const [lines, setLines] = useState<Array<Numbered<T>>>([]);
  const [conn, setConn] = useState<StreamState>('connecting');
  // A reconnection sends whole executions again: lines of executions that
  // an earlier connection delivered are skipped.
  const earlier = useRef(new Set<string>());
  const current = useRef(new Set<string>());
  const seq = useRef(0);
  const last = useRef<string | null>(null);
  const stream = useRef(path);

  useEffect(() => {
    if (stream.current !== path) {
      stream.current = path;
      earlier.current = new Set();
      current.current = new Set();
      last.current = null;
      setLines([]);
    }
    if (paused) {
      setConn('paused');
      return;
    }
    let es: EventSource | null = null;
    let retry = 0;
    let timer = 0;
    let closed = false;

    const again = () => {
      if (closed) return;
      retry++;
      setConn('retrying');
      timer = window.setTimeout(open, Math.min(30000, 1000 * 2 ** Math.min(retry, 5)));
    };
    const open = () => {
      setConn(retry ? 'retrying' : 'connecting');
      for (const id of current.current) earlier.current.add(id);
      current.current = new Set();
      const q = new URLSearchParams({ follow: 'true', limit: '500' });
      if (last.current) q.set('since', last.current);
      es = new EventSource(`${path}${path.includes('?') ? '&' : '?'}${q}`);
      es.onopen = () => {
        retry = 0;
        setConn('live');
      };
      es.addEventListener('log', (ev) => {
        let l: T;
        try {
          l = JSON.parse((ev as MessageEvent<string>).data) as T;
        } catch {
          return;
        }
        if (earlier.current.has(l.execution_id)) return;
        current.current.add(l.execution_id);
        if (!last.current || Date.parse(l.at) > Date.parse(last.current)) last.current = l.at;
        const line = { ...l, seq: ++seq.current };
        setLines((ls) => (ls.length >= maxLines ? [...ls.slice(ls.length - maxLines + 1), line] : [...ls, line]));
      });
      es.onerror = () => {
        es?.close();
        if (closed) return;
        // A dropped stream or a refusal: EventSource cannot tell which, so
        // ask whether the session still exists before trying again.
        session.check().then((c) => {
          if (closed) return;
          if (!c.authenticated) unauthorized();
          else again();
        }, again);
      };
    };
    open();
    return () => {
      closed = true;
      window.clearTimeout(timer);
      es?.close();
    };
  }, [path, paused]);

  return { lines, conn, clear: () => setLines([]) };
}
