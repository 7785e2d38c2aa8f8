import { useSearchParams } from 'react-router';
import { functions } from '../../api';
import { BarChart } from '../../components/charts/BarChart';
import { LineChart } from '../../components/charts/LineChart';
import { ErrorAlert } from '../../components/ErrorAlert';
import { formatCount, formatDuration, formatPercent, plural } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';
import { useFunction } from './context';

export const ranges = [
  { id: '24h', label: '24 hours', granularity: 'hour' as const, n: 24 },
  { id: '48h', label: '48 hours', granularity: 'hour' as const, n: 48 },
  { id: '7d', label: '7 days (hourly)', granularity: 'hour' as const, n: 168 },
  { id: '30d', label: '30 days', granularity: 'day' as const, n: 30 },
  { id: '90d', label: '90 days', granularity: 'day' as const, n: 90 },
];

/** MetricsTab charts invocations, errors and p50/p95 durations over a chosen range. */
export function MetricsTab() {
  const { fn } = useFunction();
  const [params, setParams] = useSearchParams();
  const range = ranges.find((r) => r.id === params.get('range')) ?? ranges[0];
  const series = useAsync(
    (signal) =>
      range.granularity === 'hour' ? functions.hourly(fn.id, range.n, signal) : functions.daily(fn.id, range.n, signal),
    [fn.id, range.id],
  );
  const stats = useAsync((signal) => functions.stats(fn.id, signal), [fn.id]);
  const points = series.data?.points ?? [];
  const total = points.reduce((t, p) => t + p.invocations, 0);
  const errors = points.reduce((t, p) => t + p.errors, 0);
  const s = stats.data;

  return (
    <div className="stack">
      <section className="card" aria-labelledby="metrics-title">
        <div className="section-head">
          <h2 id="metrics-title">Metrics</h2>
          <div className="button-row">
            <div className="segmented" role="group" aria-label="Time range">
              {ranges.map((r) => (
                <button
                  key={r.id}
                  type="button"
                  className="segmented__item"
                  aria-pressed={r.id === range.id}
                  onClick={() => setParams({ range: r.id }, { replace: true })}
                >
                  {r.label}
                </button>
              ))}
            </div>
            <button
              type="button"
              className="btn btn--secondary btn--small"
              onClick={() => {
                void series.reload();
                void stats.reload();
              }}
              disabled={series.loading}
            >
              Refresh
            </button>
          </div>
        </div>
        <p className="muted" aria-live="polite" data-testid="metrics-summary">
          {series.data
            ? `${plural(total, 'invocation')} and ${plural(errors, 'error')} (${formatPercent(total ? errors / total : 0)}) in the last ${range.label.replace(' (hourly)', '')}. Buckets are ${range.granularity === 'hour' ? 'hours' : 'days'} in UTC; the last one is still filling.`
            : series.loading
              ? 'Loading…'
              : ''}
        </p>
        <ErrorAlert error={series.error} title="The series could not be loaded." />
        <div className="charts" aria-busy={series.loading}>
          {series.data ? (
            <>
              <BarChart points={points} granularity={series.data.granularity} title="Invocations and errors" />
              <LineChart points={points} granularity={series.data.granularity} title="Duration: p50 and p95" />
            </>
          ) : (
            <>
              <div className="chart chart--placeholder" />
              <div className="chart chart--placeholder" />
            </>
          )}
        </div>
      </section>
      <section className="card" aria-labelledby="day-title">
        <h2 id="day-title">Last 24 hours in detail</h2>
        <ErrorAlert error={stats.error} />
        <dl className="stats stats--wide">
          {(
            [
              ['Invocations', s && formatCount(s.invocations_24h)],
              ['Errors', s && formatCount(s.errors_24h)],
              ['Timeouts', s && formatCount(s.timeouts_24h)],
              ['Cold starts', s && formatCount(s.cold_starts_24h)],
              ['Average', s && (s.invocations_24h ? formatDuration(s.avg_ms) : '—')],
              ['p50', s && (s.invocations_24h ? formatDuration(s.p50_ms) : '—')],
              ['p95', s && (s.invocations_24h ? formatDuration(s.p95_ms) : '—')],
              ['p99', s && (s.invocations_24h ? formatDuration(s.p99_ms) : '—')],
              ['Slowest', s && (s.invocations_24h ? formatDuration(s.max_ms) : '—')],
              ['30 days', s && formatCount(s.invocations_30d)],
            ] as Array<[string, string | undefined]>
          ).map(([label, value]) => (
            <div className="stat" key={label}>
              <dt>{label}</dt>
              <dd>{value ?? <span className="skeleton__inline" aria-label="Loading" />}</dd>
            </div>
          ))}
        </dl>
      </section>
    </div>
  );
}
