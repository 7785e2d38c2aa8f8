import type { SeriesPoint } from '../../api/types';
import { bucketLabel, formatCount, plural } from '../../lib/format';
import { labelStep, ticks } from './scale';
import { useWidth } from './useWidth';

interface Props {
  points: SeriesPoint[];
  granularity: 'hour' | 'day';
  title: string;
  height?: number;
}

const m = { top: 10, right: 8, bottom: 26, left: 44 };

/**
 * BarChart draws invocations per bucket, errors stacked on top in the error
 * colour. Each bar has a tooltip; the numbers are also in a table below.
 */
export function BarChart({ points, granularity, title, height = 220 }: Props) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const total = points.reduce((t, p) => t + p.invocations, 0);
  const errors = points.reduce((t, p) => t + p.errors, 0);
  const max = Math.max(0, ...points.map((p) => p.invocations));
  const ys = ticks(max, 4, true);
  const top = ys[ys.length - 1];
  const iw = Math.max(10, width - m.left - m.right);
  const ih = height - m.top - m.bottom;
  const band = iw / Math.max(1, points.length);
  const bw = Math.max(1, Math.min(28, band * 0.72));
  const y = (v: number) => m.top + ih - (v / top) * ih;
  const step = labelStep(points.length, iw);
  const summary = `${title}: ${plural(total, 'invocation')}, ${plural(errors, 'error')}, in ${plural(
    points.length,
    granularity,
  )}.`;

  return (
    <figure className="chart" data-total={total} data-errors={errors}>
      <figcaption className="chart__caption">
        <span className="chart__title">{title}</span>
        <span className="chart__legend" aria-hidden="true">
          <span className="legend legend--ok">Successful</span>
          <span className="legend legend--err">Errors</span>
        </span>
      </figcaption>
      <div ref={ref} className="chart__plot" style={{ height }}>
        <svg width={width} height={height} role="img" aria-label={summary}>
          {ys.map((t) => (
            <g key={t} className="chart__grid">
              <line x1={m.left} x2={m.left + iw} y1={y(t)} y2={y(t)} />
              <text x={m.left - 6} y={y(t)} dy="0.32em" textAnchor="end">
                {formatCount(t)}
              </text>
            </g>
          ))}
          {points.map((p, i) => {
            const cx = m.left + band * i + band / 2;
            const ok = Math.max(0, p.invocations - p.errors);
            const label = `${bucketLabel(p.start, granularity, true)} UTC: ${plural(p.invocations, 'invocation')}, ${plural(p.errors, 'error')}`;
            return (
              <g key={p.start} className="chart__bar">
                <title>{label}</title>
                <rect className="chart__hit" x={cx - band / 2} y={m.top} width={band} height={ih} />
                {ok > 0 && <rect className="chart__ok" x={cx - bw / 2} y={y(ok)} width={bw} height={y(0) - y(ok)} rx={1} />}
                {p.errors > 0 && (
                  <rect
                    className="chart__err"
                    x={cx - bw / 2}
                    y={y(p.invocations)}
                    width={bw}
                    height={y(ok) - y(p.invocations)}
                    rx={1}
                  />
                )}
                {i % step === 0 && (
                  <text className="chart__xlabel" x={cx} y={height - 8} textAnchor="middle">
                    {bucketLabel(p.start, granularity)}
                  </text>
                )}
              </g>
            );
          })}
          <line className="chart__axis" x1={m.left} x2={m.left + iw} y1={y(0)} y2={y(0)} />
        </svg>
      </div>
      <DataTable points={points} granularity={granularity} title={title} />
    </figure>
  );
}

/** DataTable is the chart's numbers, for screen readers and the curious. */
export function DataTable({ points, granularity, title }: { points: SeriesPoint[]; granularity: 'hour' | 'day'; title: string }) {
  return (
    <details className="chart__data">
      <summary>Show the numbers</summary>
      <div className="table-scroll">
        <table className="table table--compact">
          <caption className="visually-hidden">{title}, by {granularity} (UTC)</caption>
          <thead>
            <tr>
              <th scope="col">{granularity === 'hour' ? 'Hour (UTC)' : 'Day (UTC)'}</th>
              <th scope="col">Invocations</th>
              <th scope="col">Errors</th>
              <th scope="col">p50</th>
              <th scope="col">p95</th>
            </tr>
          </thead>
          <tbody>
            {[...points].reverse().map((p) => (
              <tr key={p.start}>
                <th scope="row">{bucketLabel(p.start, granularity, true)}</th>
                <td>{formatCount(p.invocations)}</td>
                <td>{formatCount(p.errors)}</td>
                <td>{p.invocations ? `${p.p50_ms} ms` : '—'}</td>
                <td>{p.invocations ? `${p.p95_ms} ms` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
