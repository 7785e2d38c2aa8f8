import { useSearchParams } from 'react-router';
import { system } from '../../../api/system';
import { RangePicker, ranges, SeriesCharts, seriesSummary } from '../../../components/charts/SeriesView';
import { useAsync } from '../../../lib/useAsync';

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
          <RangePicker current={range} onChoose={choose} />
          <button type="button" className="btn btn--secondary btn--small" onClick={() => void series.reload()} disabled={series.loading}>
            Refresh
          </button>
        </div>
      </div>
      <p className="muted" aria-live="polite" data-testid="history-summary">
        {seriesSummary(series, range, 'every user’s')}
      </p>
      <SeriesCharts series={series} />
    </section>
  );
}
