import { useContext, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { logsPath, logsQuery, system, type LogFilter, type SystemLogLine } from '../../../api/system';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { Skeleton } from '../../../components/Feedback';
import { RefreshButton } from '../../../components/RefreshButton';
import { plural } from '../../../lib/format';
import { useAsync } from '../../../lib/useAsync';
import { streamWords, useLogStream } from '../../../lib/useLogStream';
import { FunctionLink, FunctionNames } from './functions';

/** How many lines a look (not following) reads: the newest of the last hour. */
export const lookLimit = 200;

/** filterOf reads the logs' filter from the page's query (?user=&function=&level=&q=). */
function filterOf(params: URLSearchParams): LogFilter {
  const level = params.get('level');
  return {
    user: params.get('user') ?? '',
    function_id: params.get('function') ?? '',
    level: level === 'error' ? 'error' : '',
    q: params.get('q') ?? '',
  };
}

/**
 * LogsPanel shows the log lines of every function (GET /api/admin/logs),
 * filtered by owner, function, level and text; Follow streams new lines as
 * calls finish. The filter lives in the page's address, so a view can be
 * shared.
 */
export function LogsPanel() {
  const [params, setParams] = useSearchParams();
  const filter = filterOf(params);
  const follow = params.get('follow') === 'true';
  const key = logsQuery(filter);

  // Also when following: one line checks the filter first, so that a
  // refused one is shown in words instead of a stream that keeps retrying.
  const look = useAsync((signal) => system.logs({ ...filter, limit: follow ? 1 : lookLimit }, signal), [key, follow]);
  const stream = useLogStream<SystemLogLine>(logsPath + key, !follow || !look.data || !!look.error);
  const looked = useMemo(() => (look.data?.lines ?? []).map((l, i) => ({ ...l, seq: i })), [look.data]);
  const lines = follow ? stream.lines : looked;

  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  useEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  function apply(draft: LogFilter) {
    const p = new URLSearchParams(params);
    for (const [name, value] of [
      ['user', draft.user?.trim()],
      ['function', draft.function_id],
      ['level', draft.level],
      ['q', draft.q],
    ] as const) {
      if (value) p.set(name, value);
      else p.delete(name);
    }
    setParams(p, { replace: true });
  }

  function setFollow(on: boolean) {
    const p = new URLSearchParams(params);
    if (on) p.set('follow', 'true');
    else p.delete('follow');
    setParams(p, { replace: true });
  }

  return (
    <section className="card" aria-labelledby="logs-title">
      <div className="section-head">
        <h3 id="logs-title">Function logs</h3>
        <div className="button-row">
          <button type="button" className="btn btn--secondary btn--small" aria-pressed={follow} onClick={() => setFollow(!follow)}>
            {follow ? 'Stop following' : 'Follow'}
          </button>
          {follow ? (
            <button type="button" className="btn btn--secondary btn--small" onClick={stream.clear} disabled={stream.lines.length === 0}>
              Clear
            </button>
          ) : (
            <RefreshButton list={look} />
          )}
        </div>
      </div>
      <LogFilterForm key={key} initial={filter} onApply={apply} />
      <ErrorAlert error={look.error} title="The log lines could not be loaded." />
      <div className={'logs__status logs__status--' + (follow ? stream.conn : 'look')} data-state={follow ? stream.conn : 'look'}>
        <span className="dot" aria-hidden="true" />
        <span role="status">{follow ? streamWords[stream.conn] : `The newest ${lookLimit} lines of the last hour, oldest first.`}</span>
        {lines.length > 0 && <span data-testid="log-count">{plural(lines.length, 'line')}.</span>}
      </div>
      {!follow && !look.data && !look.error ? (
        <Skeleton lines={6} />
      ) : (
        <div
          ref={box}
          className="logs logs--system"
          tabIndex={0}
          role="log"
          aria-label="Log lines of every function"
          aria-live="off"
          onScroll={(e) => {
            const el = e.currentTarget;
            stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
          }}
        >
          {lines.length === 0 ? (
            <p className="muted logs__empty">No log lines match in the last hour.</p>
          ) : (
            lines.map((l) => <Line key={l.seq} line={l} />)
          )}
        </div>
      )}
    </section>
  );
}

function Line({ line: l }: { line: SystemLogLine }) {
  return (
    <div className="logs__line" data-function={l.function_id}>
      <time dateTime={l.at} className="logs__time" title={new Date(l.at).toLocaleString()}>
        {new Date(l.at).toLocaleTimeString()}
      </time>
      <span className="logs__fn">
        <FunctionLink id={l.function_id} />
      </span>
      <Link
        className="logs__exec"
        to={`/functions/${encodeURIComponent(l.function_id)}/executions?execution=${encodeURIComponent(l.execution_id)}`}
        title="Open this execution"
      >
        {l.execution_id.slice(0, 8)}
      </Link>
      <span className="logs__text">{l.line}</span>
    </div>
  );
}

interface FormProps {
  initial: LogFilter;
  onApply: (f: LogFilter) => void;
}

/** LogFilterForm edits the logs' filter; it applies on submit. */
function LogFilterForm({ initial, onApply }: FormProps) {
  const [draft, setDraft] = useState(initial);
  const names = useContext(FunctionNames);
  const fns = [...names.values()].sort((a, b) => a.name.localeCompare(b.name));
  const chosen = draft.function_id ?? '';
  return (
    <form
      className="toolbar"
      role="search"
      aria-label="Filter the log lines"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        onApply(draft);
      }}
    >
      <div className="toolbar__field">
        <label htmlFor="logs-user">Owner</label>
        <input
          id="logs-user"
          className="input"
          type="search"
          placeholder="Email or user id"
          maxLength={320}
          value={draft.user ?? ''}
          onChange={(e) => setDraft({ ...draft, user: e.target.value })}
        />
      </div>
      <div className="toolbar__field">
        <label htmlFor="logs-function">Function</label>
        <select id="logs-function" className="select" value={chosen} onChange={(e) => setDraft({ ...draft, function_id: e.target.value })}>
          <option value="">Every function</option>
          {chosen && !names.has(chosen) && <option value={chosen}>{chosen}</option>}
          {fns.map((f) => (
            <option key={f.id} value={f.id}>
              {f.name}
            </option>
          ))}
        </select>
      </div>
      <div className="toolbar__field">
        <label htmlFor="logs-level">Level</label>
        <select
          id="logs-level"
          className="select"
          value={draft.level ?? ''}
          onChange={(e) => setDraft({ ...draft, level: e.target.value === 'error' ? 'error' : '' })}
        >
          <option value="">Every line</option>
          <option value="error">Failed executions only</option>
        </select>
      </div>
      <div className="toolbar__field">
        <label htmlFor="logs-q">Text</label>
        <input
          id="logs-q"
          className="input"
          type="search"
          placeholder="Lines containing"
          maxLength={200}
          value={draft.q ?? ''}
          onChange={(e) => setDraft({ ...draft, q: e.target.value })}
        />
      </div>
      <button type="submit" className="btn btn--primary btn--small">
        Show
      </button>
    </form>
  );
}
