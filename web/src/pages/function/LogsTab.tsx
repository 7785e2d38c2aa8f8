import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { functions } from '../../api';
import type { LogLine } from '../../api/types';
import { streamWords, useLogStream } from '../../lib/useLogStream';
import { useFunction } from './context';

/**
 * LogsTab follows the function's log lines live (server-sent events from
 * GET /api/functions/{id}/logs?follow=true). After a dropped connection it
 * reconnects from the last line it has, without repeating lines.
 */
export function LogsTab() {
  const { fn } = useFunction();
  const [paused, setPaused] = useState(false);
  const { lines, conn, clear } = useLogStream<LogLine>(functions.logsURL(fn.id), paused);
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

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
            onClick={clear}
            disabled={lines.length === 0}
          >
            Clear
          </button>
        </div>
      </div>
      <div className={'logs__status logs__status--' + conn} data-state={conn}>
        <span className="dot" aria-hidden="true" />
        <span role="status">{streamWords[conn]}</span>
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
