import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { functions, session } from '../../api';
import { unauthorized } from '../../api/client';
import type { LogLine } from '../../api/types';
import { useFunction } from './context';

const maxLines = 2000;
type Conn = 'connecting' | 'live' | 'paused' | 'retrying' | 'ended';

const connWords: Record<Conn, string> = {
  connecting: 'Connecting…',
  live: 'Live: new lines appear as calls finish.',
  paused: 'Paused.',
  retrying: 'The connection dropped; reconnecting…',
  ended: 'The stream ended.',
};

/**
 * LogsTab follows the function's log lines live (server-sent events from
 * GET /api/functions/{id}/logs?follow=true). After a dropped connection it
 * reconnects from the last line it has, without repeating lines.
 */
export function LogsTab() {
  const { fn } = useFunction();
  const [lines, setLines] = useState<Array<LogLine & { seq: number }>>([]);
  const [conn, setConn] = useState<Conn>('connecting');
  const [paused, setPaused] = useState(false);
  // A reconnection sends whole executions again: lines of executions that
  // an earlier connection delivered are skipped.
  const earlier = useRef(new Set<string>());
  const current = useRef(new Set<string>());
  const seq = useRef(0);
  const last = useRef<string | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    if (paused) {
      setConn('paused');
      return;
    }
    let es: EventSource | null = null;
    let retry = 0;
    let timer = 0;
    let closed = false;

    const open = () => {
      setConn(retry ? 'retrying' : 'connecting');
      for (const id of current.current) earlier.current.add(id);
      current.current = new Set();
      const q = new URLSearchParams({ follow: 'true', limit: '500' });
      if (last.current) q.set('since', last.current);
      es = new EventSource(`${functions.logsURL(fn.id)}?${q}`);
      es.onopen = () => {
        retry = 0;
        setConn('live');
      };
      es.addEventListener('log', (ev) => {
        let l: LogLine;
        try {
          l = JSON.parse((ev as MessageEvent<string>).data) as LogLine;
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
        session.check().then(
          (c) => {
            if (closed) return;
            if (!c.authenticated) {
              unauthorized();
              return;
            }
            retry++;
            setConn('retrying');
            timer = window.setTimeout(open, Math.min(30000, 1000 * 2 ** Math.min(retry, 5)));
          },
          () => {
            if (closed) return;
            retry++;
            setConn('retrying');
            timer = window.setTimeout(open, Math.min(30000, 1000 * 2 ** Math.min(retry, 5)));
          },
        );
      };
    };
    open();
    return () => {
      closed = true;
      window.clearTimeout(timer);
      es?.close();
    };
  }, [fn.id, paused]);

  // Keep the newest line in view unless the reader scrolled up.
  useEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  return (
    <section className="card" aria-labelledby="logs-title">
      <div className="section-head">
        <h2 id="logs-title">Live logs</h2>
        <div className="button-row">
          <button type="button" className="btn btn--secondary btn--small" onClick={() => setPaused((p) => !p)} aria-pressed={paused}>
            {paused ? 'Resume' : 'Pause'}
          </button>
          <button
            type="button"
            className="btn btn--secondary btn--small"
            onClick={() => setLines([])}
            disabled={lines.length === 0}
          >
            Clear
          </button>
        </div>
      </div>
      <div className={'logs__status logs__status--' + conn} data-state={conn}>
        <span className="dot" aria-hidden="true" />
        <span role="status">{connWords[conn]}</span>
        {lines.length > 0 && <span>{lines.length === 1 ? '1 line.' : `${lines.length} lines.`}</span>}
      </div>
      <div
        ref={box}
        className="logs"
        tabIndex={0}
        role="log"
        aria-label={`Log lines of ${fn.name}`}
        aria-live="off"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {lines.length === 0 ? (
          <p className="muted logs__empty">
            No log lines in the last hour. What the function writes to standard error appears here as calls finish.
          </p>
        ) : (
          lines.map((l) => (
            <div key={l.seq} className="logs__line">
              <time dateTime={l.at} className="logs__time">
                {new Date(l.at).toLocaleTimeString()}
              </time>
              <Link className="logs__exec" to={`../executions?execution=${l.execution_id}`} relative="path" title="Open this execution">
                {l.execution_id.slice(0, 8)}
              </Link>
              <span className="logs__text">{l.line}</span>
            </div>
          ))
        )}
      </div>
    </section>
  );
}
