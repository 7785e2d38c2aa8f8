import type { SeriesPoint } from '../../api/types';
import { bucketLabel, formatDuration } from '../../lib/format';
import { labelStep, ticks } from './scale';
import { useWidth } from './useWidth';

interface Line {
  key: 'p50_ms' | 'p95_ms';
  label: string;
  className: string;
}

interface Props {
  points: SeriesPoint[];
  granularity: 'hour' | 'day';
  title: string;
  lines?: Line[];
  height?: number;
}

const m = { top: 10, right: 10, bottom: 26, left: 58 };

/** axisDuration is a tick label without trailing zeros: "8 ms", "2.5 ms". */
export const axisDuration = (ms: number) =>
  ms === 0 ? '0' : formatDuration(ms).replace(/(\.\d*?)0+(?= )/, '$1').replace(/\.(?= )/, '');
const defaultLines: Line[] = [
  { key: 'p50_ms', label: 'p50', className: 'chart__line--1' },
  { key: 'p95_ms', label: 'p95', className: 'chart__line--2' },
];

/**
 * LineChart draws durations per bucket. Buckets without invocations have no
 * duration: the line breaks there instead of dropping to zero.
 */
export function LineChart({ points, granularity, title, lines = defaultLines, height = 220 }: Props) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const max = Math.max(0, ...points.flatMap((p) => (p.invocations ? lines.map((l) => p[l.key]) : [])));
  const ys = ticks(max, 4, false);
  const top = ys[ys.length - 1] || 1;
  const iw = Math.max(10, width - m.left - m.right);
  const ih = height - m.top - m.bottom;
  const band = iw / Math.max(1, points.length);
  const x = (i: number) => m.left + band * i + band / 2;
  const y = (v: number) => m.top + ih - (v / top) * ih;
  const step = labelStep(points.length, iw);
  const withData = points.filter((p) => p.invocations > 0);
  const summary = withData.length
    ? `${title}: ${lines
        .map((l) => `${l.label} up to ${formatDuration(Math.max(...withData.map((p) => p[l.key])))}`)
        .join(', ')}.`
    : `${title}: no invocations in this period.`;

  const path = (key: Line['key']) => {
    let d = '';
    let pen = false;
    points.forEach((p, i) => {
      if (!p.invocations) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(p[key]).toFixed(1)}`;
      pen = true;
    });
    return d;
  };

  return (
    <figure className="chart" data-buckets-with-data={withData.length}>
      <figcaption className="chart__caption">
        <span className="chart__title">{title}</span>
        <span className="chart__legend" aria-hidden="true">
          {lines.map((l) => (
            <span key={l.key} className={`legend legend--${l.className}`}>
              {l.label}
            </span>
          ))}
        </span>
      </figcaption>
      <div ref={ref} className="chart__plot" style={{ height }}>
        <svg width={width} height={height} role="img" aria-label={summary}>
          {ys.map((t) => (
            <g key={t} className="chart__grid">
              <line x1={m.left} x2={m.left + iw} y1={y(t)} y2={y(t)} />
              <text x={m.left - 6} y={y(t)} dy="0.32em" textAnchor="end">
                {axisDuration(t)}
              </text>
            </g>
          ))}
          {points.map((p, i) =>
            i % step === 0 ? (
              <text key={p.start} className="chart__xlabel" x={x(i)} y={height - 8} textAnchor="middle">
                {bucketLabel(p.start, granularity)}
              </text>
            ) : null,
          )}
          <line className="chart__axis" x1={m.left} x2={m.left + iw} y1={y(0)} y2={y(0)} />
          {lines.map((l) => (
            <g key={l.key} className={'chart__series ' + l.className}>
              <path className="chart__line" d={path(l.key)} />
              {points.map((p, i) =>
                p.invocations ? (
                  <circle key={p.start} className="chart__point" cx={x(i)} cy={y(p[l.key])} r={2.5}>
                    <title>{`${bucketLabel(p.start, granularity, true)} UTC: ${l.label} ${formatDuration(p[l.key])}`}</title>
                  </circle>
                ) : null,
              )}
            </g>
          ))}
        </svg>
      </div>
    </figure>
  );
}
