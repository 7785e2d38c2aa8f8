import { useEffect, useState, type ReactNode } from 'react';
import { system, type AdminStats, type HealthCheck } from '../../../api/system';
import { Sparkline } from '../../../components/charts/Sparkline';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { Skeleton } from '../../../components/Feedback';
import { RefreshButton } from '../../../components/RefreshButton';
import { formatCount, formatDuration, formatPercent } from '../../../lib/format';
import { useAsync } from '../../../lib/useAsync';

/** How often the load is asked for while the page is in view, and how many answers the lines keep. */
export const pollEvery = 10_000;
const keep = 60;

const perSecond = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });

function health(h: HealthCheck): string {
  return h.status === 'ok' ? `OK · ${formatDuration(h.latency_ms)}` : 'Unreachable';
}

function instances(live: AdminStats['live_instances']): string {
  const rs = Object.entries(live ?? {});
  return rs.length ? rs.map(([runtime, n]) => `${runtime} ${formatCount(n)}`).join(' · ') : 'none';
}

interface TileProps {
  label: string;
  value: ReactNode;
  trend?: number[];
  trendLabel?: string;
  warn?: boolean;
}

function Tile({ label, value, trend, trendLabel, warn }: TileProps) {
  return (
    <div className="stat" data-stat={label}>
      <dt>{label}</dt>
      <dd className={warn ? 'text-danger' : undefined}>{value}</dd>
      {trend && trendLabel && <Sparkline values={trend} label={trendLabel} width={120} />}
    </div>
  );
}

/**
 * LoadPanel shows GET /api/admin/stats, asked again every 10 seconds while
 * the page is in view; the small lines are the answers since it opened.
 */
export function LoadPanel() {
  const stats = useAsync((signal) => system.stats(signal), []);
  const [samples, setSamples] = useState<AdminStats[]>([]);
  const { reload } = stats;

  useEffect(() => {
    const s = stats.data;
    if (s) setSamples((xs) => (xs.at(-1)?.at === s.at ? xs : [...xs.slice(1 - keep), s]));
  }, [stats.data]);

  useEffect(() => {
    const t = window.setInterval(() => {
      if (!document.hidden) void reload();
    }, pollEvery);
    return () => window.clearInterval(t);
  }, [reload]);

  const s = stats.data;
  // The answer on screen is a sample from its first render on.
  const series = s && samples.at(-1)?.at !== s.at ? [...samples.slice(1 - keep), s] : samples;
  const span = series.length > 1 ? `over the last ${formatDuration(Date.parse(series.at(-1)!.at) - Date.parse(series[0].at))}` : 'so far';
  const h = s?.this_hour;

  return (
    <section className="card" aria-labelledby="load-title">
      <div className="section-head">
        <h3 id="load-title">Load</h3>
        <RefreshButton list={stats} />
      </div>
      <p className="muted">
        Per second over the last {s?.window_seconds ?? 60} seconds, as seen by the server that answered; “This hour” adds up every
        replica. The lines show each answer since this page opened.
      </p>
      <ErrorAlert error={stats.error} title="The load could not be loaded." />
      {!s ? (
        !stats.error && <Skeleton lines={3} height="4.5rem" />
      ) : (
        <dl className="stats" data-testid="load" aria-busy={stats.loading}>
          <Tile
            label="Invocations per second"
            value={perSecond.format(s.invocations_per_second)}
            trend={series.map((x) => x.invocations_per_second)}
            trendLabel={`Invocations per second ${span}`}
          />
          <Tile
            label="Errors per second"
            value={perSecond.format(s.errors_per_second)}
            trend={series.map((x) => x.errors_per_second)}
            trendLabel={`Errors per second ${span}`}
            warn={s.errors_per_second > 0}
          />
          <Tile
            label="Error rate"
            value={formatPercent(s.error_rate)}
            trend={series.map((x) => x.error_rate)}
            trendLabel={`Error rate ${span}`}
            warn={s.error_rate > 0}
          />
          <Tile
            label="This hour"
            value={h ? `${formatCount(h.invocations)} calls` : '—'}
            trend={series.map((x) => x.this_hour?.invocations ?? 0)}
            trendLabel={`Invocations this hour ${span}`}
          />
          <Tile label="Errors this hour" value={h ? `${formatCount(h.errors)} (${formatPercent(h.error_rate)})` : '—'} warn={!!h?.errors} />
          <Tile label="p50 / p95 this hour" value={h?.invocations ? `${formatDuration(h.p50_ms)} / ${formatDuration(h.p95_ms)}` : '—'} />
          <Tile label="Live instances" value={instances(s.live_instances)} />
          <Tile
            label="Write queue"
            value={formatCount(s.write_queue)}
            trend={series.map((x) => x.write_queue)}
            trendLabel={`Execution records waiting to be written ${span}`}
          />
          <Tile label="Database" value={health(s.database)} warn={s.database.status !== 'ok'} />
          <Tile label="Shared store" value={health(s.kv)} warn={s.kv.status !== 'ok'} />
        </dl>
      )}
      {s && !h && <p className="muted">This hour’s totals could not be read from the database.</p>}
    </section>
  );
}
