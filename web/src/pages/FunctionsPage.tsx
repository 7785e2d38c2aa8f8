import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { functions } from '../api';
import type { Fn, FunctionStatus, Series } from '../api/types';
import { Sparkline } from '../components/charts/Sparkline';
import { CodeBlock } from '../components/Copy';
import { ErrorAlert } from '../components/ErrorAlert';
import { Empty, Skeleton } from '../components/Feedback';
import { StatusBadge } from '../components/Status';
import { useToast } from '../components/Toasts';
import { errorMessage } from '../api/problem';
import { formatCount, formatPercent } from '../lib/format';
import { hourly24, whenVisible } from '../lib/statsLoader';
import { usePageTitle } from '../lib/usePageTitle';
import { useSession } from '../session/Session';

const perPage = 100;
const maxPages = 50; // 5 000 functions: past that, the list says so
const parallel = 4;

interface ListState {
  items: Fn[];
  total: number;
  done: boolean;
  error: unknown;
}

/** loadAll reads every page of the list, the first one first. */
function useAllFunctions(): ListState & { reload: () => void } {
  const [state, setState] = useState<ListState>({ items: [], total: 0, done: false, error: null });
  const [run, setRun] = useState(0);
  useEffect(() => {
    const ctrl = new AbortController();
    (async () => {
      try {
        performance.mark('berth:functions-fetch-start');
        const first = await functions.list({ page: 1, per_page: perPage }, ctrl.signal);
        const pages = Math.min(maxPages, Math.ceil(first.total / perPage));
        setState({ items: first.items, total: first.total, done: pages <= 1, error: null });
        if (pages <= 1) return;
        const rest: Fn[][] = [];
        let nextPage = 2;
        await Promise.all(
          Array.from({ length: Math.min(parallel, pages - 1) }, async () => {
            while (nextPage <= pages) {
              const p = nextPage++;
              const res = await functions.list({ page: p, per_page: perPage }, ctrl.signal);
              rest[p - 2] = res.items;
            }
          }),
        );
        // Ids, not positions: a function created meanwhile may shift pages.
        const seen = new Set<string>();
        const items = [first.items, ...rest].flat().filter((f) => !seen.has(f.id) && seen.add(f.id));
        setState({ items, total: first.total, done: true, error: null });
      } catch (error) {
        if (!ctrl.signal.aborted) setState((s) => ({ ...s, done: true, error }));
      }
    })();
    return () => ctrl.abort();
  }, [run]);
  return { ...state, reload: () => setRun((n) => n + 1) };
}

const statusOptions: Array<{ value: '' | FunctionStatus; label: string }> = [
  { value: '', label: 'Any status' },
  { value: 'active', label: 'Active' },
  { value: 'initialized', label: 'Not deployed' },
  { value: 'pending_deletion', label: 'Deletion scheduled' },
];

/** FunctionsPage lists the user's functions, pinned ones first. */
export function FunctionsPage() {
  usePageTitle('Functions');
  const { prefs, updatePrefs } = useSession();
  const { notify } = useToast();
  const list = useAllFunctions();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const status = (params.get('status') ?? '') as '' | FunctionStatus;
  const pinned = useMemo(() => prefs?.pinned_functions ?? [], [prefs]);

  const rows = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const rank = new Map(pinned.map((id, i) => [id, i]));
    return list.items
      .filter((f) => (!status || f.status === status) && (!needle || f.name.includes(needle) || f.description.toLowerCase().includes(needle)))
      .sort((a, b) => {
        const ra = rank.get(a.id) ?? Infinity;
        const rb = rank.get(b.id) ?? Infinity;
        return ra !== rb ? ra - rb : a.name.localeCompare(b.name);
      });
  }, [list.items, q, status, pinned]);

  const tableRef = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    if (!list.done || !tableRef.current) return;
    tableRef.current.dataset.renderedCount = String(rows.length);
    performance.mark('berth:functions-rendered');
  }, [list.done, rows]);

  function setParam(key: string, value: string) {
    const p = new URLSearchParams(params);
    if (value) p.set(key, value);
    else p.delete(key);
    setParams(p, { replace: true });
  }

  async function togglePin(f: Fn) {
    if (!prefs) return; // pins not loaded yet: saving now would drop them
    const on = pinned.includes(f.id);
    const nextPins = on ? pinned.filter((id) => id !== f.id) : [...pinned, f.id];
    if (nextPins.length > 50) {
      notify('You can pin at most 50 functions; unpin one first.', 'error');
      return;
    }
    try {
      await updatePrefs({ pinned_functions: nextPins });
      notify(on ? `${f.name} is no longer pinned.` : `${f.name} is pinned to the top.`, 'info');
    } catch (e) {
      notify(`The pin was not saved: ${errorMessage(e)}`, 'error');
    }
  }

  // One stable callback, so that rows (memoized) re-render only when their own data changes.
  const pinRef = useRef(togglePin);
  pinRef.current = togglePin;
  const onPin = useCallback((f: Fn) => void pinRef.current(f), []);

  const loading = !list.done && list.items.length === 0;
  const nothing = list.done && !list.error && list.total === 0;

  return (
    <section aria-labelledby="functions-title">
      <div className="page-head">
        <h1 id="functions-title">Functions</h1>
        <Link to="/functions/new" className="btn btn--primary">
          New function
        </Link>
      </div>

      <ErrorAlert error={list.error} title="The list could not be loaded." />
      {list.error != null && (
        <button type="button" className="btn btn--secondary" onClick={list.reload}>
          Try again
        </button>
      )}

      {nothing ? (
        <Empty title="You have no functions yet">
          <p>A function is code berth runs for every HTTP call. Create one here, or from a terminal:</p>
          <CodeBlock label="Create and deploy with the CLI" code={'berth fn init hello\nberth fn deploy hello'} />
          <Link to="/functions/new" className="btn btn--primary">
            Create your first function
          </Link>
        </Empty>
      ) : (
        <>
          <div className="toolbar" role="search">
            <div className="toolbar__field">
              <label htmlFor="fn-search">Search</label>
              <input
                id="fn-search"
                className="input"
                type="search"
                placeholder="Name or description"
                value={q}
                onChange={(e) => setParam('q', e.target.value)}
              />
            </div>
            <div className="toolbar__field">
              <label htmlFor="fn-status">Status</label>
              <select id="fn-status" className="select" value={status} onChange={(e) => setParam('status', e.target.value)}>
                {statusOptions.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            </div>
            <p className="toolbar__count" aria-live="polite">
              {loading
                ? 'Loading your functions…'
                : q || status
                  ? `${formatCount(rows.length)} of ${formatCount(list.items.length)} functions match.`
                  : `${formatCount(list.total)} ${list.total === 1 ? 'function' : 'functions'}${pinned.length ? `, ${pinned.length} pinned` : ''}.`}
              {!list.done && !loading && ` Loading ${formatCount(list.total - list.items.length)} more…`}
            </p>
          </div>
          {list.done && list.total > list.items.length && !list.error && (
            <p className="muted">
              Showing the first {formatCount(list.items.length)} of {formatCount(list.total)} functions; search narrows them.
            </p>
          )}

          <div ref={tableRef} className="fn-table" role="table" aria-label="Your functions" aria-rowcount={rows.length + 1} aria-busy={!list.done}>
            <div role="rowgroup" className="fn-table__head">
              <div role="row" className="fn-row fn-row--head">
                <span role="columnheader" className="fn-row__pin">
                  <span className="visually-hidden">Pinned</span>
                </span>
                <span role="columnheader">Name</span>
                <span role="columnheader">Status</span>
                <span role="columnheader" className="fn-row__version">Version</span>
                <span role="columnheader" className="fn-row__spark">Last 24 h</span>
                <span role="columnheader" className="fn-row__rate">Errors</span>
              </div>
            </div>
            <div role="rowgroup">
              {loading &&
                Array.from({ length: 6 }, (_, i) => (
                  <div role="row" className="fn-row" key={i}>
                    <span role="cell" className="fn-row__skeleton">
                      <Skeleton />
                    </span>
                  </div>
                ))}
              {rows.map((f) => (
                <FunctionRow key={f.id} f={f} pinned={pinned.includes(f.id)} pinsReady={prefs != null} onPin={onPin} />
              ))}
            </div>
          </div>
          {list.done && rows.length === 0 && list.items.length > 0 && (
            <Empty title="No function matches">
              <button type="button" className="btn btn--secondary" onClick={() => setParams({}, { replace: true })}>
                Clear the search
              </button>
            </Empty>
          )}
        </>
      )}
    </section>
  );
}

interface RowProps {
  f: Fn;
  pinned: boolean;
  pinsReady: boolean;
  onPin: (f: Fn) => void;
}

const FunctionRow = memo(function FunctionRow({ f, pinned, pinsReady, onPin }: RowProps) {
  return (
    <div role="row" className={'fn-row' + (pinned ? ' fn-row--pinned' : '')} data-function={f.name}>
      <span role="cell" className="fn-row__pin">
        <button
          type="button"
          className="pin"
          aria-pressed={pinned}
          aria-label={pinned ? `Unpin ${f.name}` : `Pin ${f.name}`}
          title={pinned ? 'Unpin' : 'Pin to the top'}
          disabled={!pinsReady}
          onClick={() => onPin(f)}
        >
          <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
            <path d="M8 1.5l1.9 3.9 4.3.6-3.1 3 .7 4.3L8 11.3l-3.8 2 .7-4.3-3.1-3 4.3-.6z" />
          </svg>
        </button>
      </span>
      <span role="cell" className="fn-row__name">
        <Link to={`/functions/${f.id}`}>{f.name}</Link>
        {f.description && <span className="fn-row__desc">{f.description}</span>}
      </span>
      <span role="cell">
        <StatusBadge status={f.status} />
      </span>
      <span role="cell" className="fn-row__version">
        {f.active_version ? `v${f.active_version}` : <span className="muted">—</span>}
      </span>
      <Activity id={f.id} name={f.name} />
    </div>
  );
});

/** Activity is the row's sparkline and error rate, loaded when visible. */
function Activity({ id, name }: { id: string; name: string }) {
  const ref = useRef<HTMLSpanElement>(null);
  const [series, setSeries] = useState<Series | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    const stop = whenVisible(ref.current!, () => {
      hourly24(id).then(
        (s) => live && setSeries(s),
        () => live && setFailed(true),
      );
    });
    return () => {
      live = false;
      stop();
    };
  }, [id]);
  const total = series?.points.reduce((t, p) => t + p.invocations, 0) ?? 0;
  const errors = series?.points.reduce((t, p) => t + p.errors, 0) ?? 0;
  return (
    <>
      <span role="cell" className="fn-row__spark" ref={ref}>
        {series ? (
          <>
            <Sparkline
              values={series.points.map((p) => p.invocations)}
              label={`${name}: ${formatCount(total)} invocations in the last 24 hours`}
            />
            <span className="fn-row__count">{formatCount(total)}</span>
          </>
        ) : failed ? (
          <span className="muted">unavailable</span>
        ) : (
          <span className="spark-placeholder" aria-hidden="true" />
        )}
      </span>
      <span role="cell" className="fn-row__rate">
        {series ? (
          total ? (
            <span className={errors ? 'text-danger' : undefined}>{formatPercent(errors / total)}</span>
          ) : (
            <span className="muted">—</span>
          )
        ) : null}
      </span>
    </>
  );
}
