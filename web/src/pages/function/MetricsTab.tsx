import { useSearchParams } from 'react-router';
import { functions } from '../../api';
import { RangePicker, ranges, SeriesCharts, seriesSummary } from '../../components/charts/SeriesView';
import { ErrorAlert } from '../../components/ErrorAlert';
import { formatCount, formatDuration } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';
import { useFunction } from './context';

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
  const s = stats.data;

  return (
    <div className="stack">
      <section className="card" aria-labelledby="metrics-title">
        <div className="section-head">
          <h2 id="metrics-title">Metrics</h2>
          <div className="button-row">
            <RangePicker current={range} onChoose={(id) => setParams({ range: id }, { replace: true })} />
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
          {seriesSummary(series, range)}
        </p>
        <SeriesCharts series={series} />
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
