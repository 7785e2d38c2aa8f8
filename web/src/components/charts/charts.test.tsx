import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { SeriesPoint } from '../../api/types';
import { BarChart } from './BarChart';
import { axisDuration, LineChart } from './LineChart';
import { labelStep, ticks } from './scale';
import { Sparkline } from './Sparkline';

function series(counts: Array<[number, number]>): SeriesPoint[] {
  const start = Date.UTC(2026, 10, 23, 0);
  return counts.map(([invocations, errors], i) => ({
    start: new Date(start + i * 3600_000).toISOString(),
    invocations,
    errors,
    p50_ms: invocations ? 2 + i : 0,
    p95_ms: invocations ? 10 + i : 0,
  }));
}

describe('scale', () => {
  it('makes whole, round ticks for counts', () => {
    expect(ticks(0, 4, true)).toEqual([0, 1]);
    expect(ticks(1, 4, true)).toEqual([0, 1]);
    expect(ticks(7, 4, true)).toEqual([0, 2, 4, 6, 8]);
    expect(ticks(950, 4, true)).toEqual([0, 250, 500, 750, 1000]);
  });
  it('makes fractional ticks for durations', () => {
    expect(ticks(0.8, 4, false)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
  });
  it('spaces labels so they fit', () => {
    expect(labelStep(24, 600)).toBe(3);
    expect(labelStep(90, 300)).toBe(20);
  });
});

describe('Sparkline', () => {
  it('draws one point per bucket, scaled to the peak', () => {
    const { container } = render(<Sparkline values={[0, 2, 4]} label="3 calls" width={100} height={20} />);
    const svg = container.querySelector('svg')!;
    expect(svg.getAttribute('aria-label')).toBe('3 calls');
    const d = container.querySelector('.sparkline__line')!.getAttribute('d')!;
    expect(d.match(/[ML]/g)).toHaveLength(3);
    expect(d).toBe('M2.0,18.0L50.0,10.0L98.0,2.0');
    expect(container.querySelector('.sparkline__dot')).toBeTruthy();
  });
  it('is a flat line without calls', () => {
    const { container } = render(<Sparkline values={[0, 0, 0]} label="none" />);
    expect(container.querySelector('svg')!.classList.contains('sparkline--flat')).toBe(true);
    expect(container.querySelector('.sparkline__dot')).toBeNull();
  });
});

describe('BarChart', () => {
  it('stacks errors on successes, one bar per bucket, and sums them', () => {
    const { container } = render(<BarChart points={series([[0, 0], [4, 1], [8, 0]])} granularity="hour" title="Calls" />);
    const fig = container.querySelector('figure')!;
    expect(fig.getAttribute('data-total')).toBe('12');
    expect(fig.getAttribute('data-errors')).toBe('1');
    expect(container.querySelectorAll('.chart__bar')).toHaveLength(3);
    expect(container.querySelectorAll('.chart__ok')).toHaveLength(2);
    expect(container.querySelectorAll('.chart__err')).toHaveLength(1);
    const ok = [...container.querySelectorAll('.chart__ok')].map((r) => Number(r.getAttribute('height')));
    expect(ok[1] / ok[0]).toBeCloseTo(8 / 3, 5); // bar heights follow the counts
    expect(container.querySelector('svg')!.getAttribute('aria-label')).toBe('Calls: 12 invocations, 1 error, in 3 hours.');
    expect(container.querySelector('title')!.textContent).toBe('Nov 23 00:00 UTC: 0 invocations, 0 errors');
    expect(container.querySelectorAll('.chart__data tbody tr')).toHaveLength(3);
  });
});

describe('LineChart', () => {
  it('labels its axis without trailing zeros', () => {
    expect([0, 8, 2.5, 10, 0.5, 1200].map(axisDuration)).toEqual(['0', '8 ms', '2.5 ms', '10 ms', '500 µs', '1.2 s']);
  });

  it('breaks the line where there were no calls', () => {
    const { container } = render(
      <LineChart points={series([[1, 0], [1, 0], [0, 0], [1, 0]])} granularity="hour" title="Durations" />,
    );
    const d = container.querySelector('.chart__line--1 .chart__line')!.getAttribute('d')!;
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d.match(/L/g)).toHaveLength(1);
    expect(container.querySelectorAll('.chart__line--2 .chart__point')).toHaveLength(3);
    expect(container.querySelector('figure')!.getAttribute('data-buckets-with-data')).toBe('3');
  });
});
