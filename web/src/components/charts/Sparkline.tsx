interface Props {
  values: number[];
  /** What the line shows, read by screen readers. */
  label: string;
  width?: number;
  height?: number;
}

/** Sparkline is a small line of a series: the shape, without axes. */
export function Sparkline({ values, label, width = 96, height = 28 }: Props) {
  const max = Math.max(0, ...values);
  const n = values.length;
  const pad = 2;
  const x = (i: number) => (n <= 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (n - 1));
  const y = (v: number) => (max === 0 ? height - pad : height - pad - (v / max) * (height - 2 * pad));
  const line = values.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join('');
  const area = n > 1 ? `${line}L${x(n - 1).toFixed(1)},${height - pad}L${x(0).toFixed(1)},${height - pad}Z` : '';
  return (
    <svg
      className={max === 0 ? 'sparkline sparkline--flat' : 'sparkline'}
      role="img"
      aria-label={label}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      data-points={n}
      data-max={max}
    >
      {area && <path className="sparkline__area" d={area} />}
      {n > 0 && <path className="sparkline__line" d={line} />}
      {n > 0 && max > 0 && <circle className="sparkline__dot" cx={x(n - 1)} cy={y(values[n - 1])} r={2} />}
    </svg>
  );
}
