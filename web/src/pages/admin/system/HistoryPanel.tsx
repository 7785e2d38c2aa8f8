import { useSearchParams } from 'react-router';
import { system } from '../../../api/system';
import { BarChart } from '../../../components/charts/BarChart';
import { LineChart } from '../../../components/charts/LineChart';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { formatPercent, plural } from '../../../lib/format';
import { useAsync } from '../../../lib/useAsync';
import { ranges } from '../../function/MetricsTab';

/**
 * HistoryPanel charts every function's invocations, errors and p50/p95
 * over a chosen range, from every replica's roll-ups.
 */
export function HistoryPanel() {
  const [params, setParams] = useSearchParams();
  const range = ranges.find((r) => r.id === params.get('range')) ?? ranges[0];
  const series = useAsync(
    (signal) => (range.granularity === 'hour' ? system.hourly(range.n, signal) : system.daily(range.n, signal)),
    [range.id],
  );
  const points = series.data?.points ?? [];
  const total = points.reduce((t, p) => t + p.invocations, 0);
  const errors = points.reduce((t, p) => t + p.errors, 0);

  function choose(id: string) {
    const p = new URLSearchParams(params);
    p.set('range', id);
    setParams(p, { replace: true });
  }

  return (
    <section className="card" aria-labelledby="history-title">
      <div className="section-head">
        <h3 id="history-title">Every function over time</h3>
        <div className="button-row">
          <div className="segmented" role="group" aria-label="Time range">
            {ranges.map((r) => (
              <button key={r.id} type="button" className="segmented__item" aria-pressed={r.id === range.id} onClick={() => choose(r.id)}>
                {r.label}
              </button>
            ))}
          </div>
          <button type="button" className="btn btn--secondary btn--small" onClick={() => void series.reload()} disabled={series.loading}>
            Refresh
          </button>
        </div>
      </div>
      <p className="muted" aria-live="polite" data-testid="history-summary">
        {series.data
          ? `${plural(total, 'invocation')} and ${plural(errors, 'error')} (${formatPercent(total ? errors / total : 0)}) in the last ${range.label.replace(' (hourly)', '')}, every user’s. Buckets are ${range.granularity === 'hour' ? 'hours' : 'days'} in UTC; the last one is still filling.`
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
  );
}
