// A series of invocations over a chosen range: the range buttons, the
// sentence that sums it up, and its two charts. A function's Metrics tab
// and Admin › System show the same.
import type { Series } from '../../api/types';
import { formatPercent, plural } from '../../lib/format';
import type { AsyncState } from '../../lib/useAsync';
import { ErrorAlert } from '../ErrorAlert';
import { BarChart } from './BarChart';
import { LineChart } from './LineChart';

export const ranges = [
  { id: '24h', label: '24 hours', granularity: 'hour' as const, n: 24 },
  { id: '48h', label: '48 hours', granularity: 'hour' as const, n: 48 },
  { id: '7d', label: '7 days (hourly)', granularity: 'hour' as const, n: 168 },
  { id: '30d', label: '30 days', granularity: 'day' as const, n: 30 },
  { id: '90d', label: '90 days', granularity: 'day' as const, n: 90 },
];

export type SeriesRange = (typeof ranges)[number];

/** RangePicker is the row of range buttons. */
export function RangePicker({ current, onChoose }: { current: SeriesRange; onChoose: (id: string) => void }) {
  return (
    <div className="segmented" role="group" aria-label="Time range">
      {ranges.map((r) => (
        <button key={r.id} type="button" className="segmented__item" aria-pressed={r.id === current.id} onClick={() => onChoose(r.id)}>
          {r.label}
        </button>
      ))}
    </div>
  );
}

/** seriesSummary sums a series up in a sentence; whose, when set, follows the range ("every user’s"). */
export function seriesSummary(series: AsyncState<Series>, range: SeriesRange, whose = ''): string {
  if (!series.data) return series.loading ? 'Loading…' : '';
  const points = series.data.points;
  const total = points.reduce((t, p) => t + p.invocations, 0);
  const errors = points.reduce((t, p) => t + p.errors, 0);
  return `${plural(total, 'invocation')} and ${plural(errors, 'error')} (${formatPercent(total ? errors / total : 0)}) in the last ${range.label.replace(' (hourly)', '')}${whose ? `, ${whose}` : ''}. Buckets are ${range.granularity === 'hour' ? 'hours' : 'days'} in UTC; the last one is still filling.`;
}

/** SeriesCharts is the series' error, or its two charts (placeholders while it loads). */
export function SeriesCharts({ series }: { series: AsyncState<Series> }) {
  return (
    <>
      <ErrorAlert error={series.error} title="The series could not be loaded." />
      <div className="charts" aria-busy={series.loading}>
        {series.data ? (
          <>
            <BarChart points={series.data.points} granularity={series.data.granularity} title="Invocations and errors" />
            <LineChart points={series.data.points} granularity={series.data.granularity} title="Duration: p50 and p95" />
          </>
        ) : (
          <>
            <div className="chart chart--placeholder" />
            <div className="chart chart--placeholder" />
          </>
        )}
      </div>
    </>
  );
}
