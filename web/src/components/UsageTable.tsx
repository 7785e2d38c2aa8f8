import type { Usage } from '../api/types';
import { limitLabel } from '../lib/entitlements';
import { formatBytes, formatDateTime, formatDuration } from '../lib/format';

/** limitValue writes a limit's amount in its unit. */
function limitValue(limit: string, n: number): string {
  if (limit === 'max_artefact_bytes') return formatBytes(n);
  if (limit === 'max_timeout_ms') return formatDuration(n);
  if (limit === 'max_memory_mb') return `${n.toLocaleString('en')} MB`;
  return n.toLocaleString('en');
}

/**
 * UsageTable shows each limit of a tier with the current use where it is
 * counted; a limit of 0 reads "no limit".
 */
export function UsageTable({ usage, caption }: { usage: Usage; caption: string }) {
  return (
    <>
      <table className="table" data-testid="usage">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Limit</th>
            <th scope="col">In use</th>
            <th scope="col">Allowed</th>
          </tr>
        </thead>
        <tbody>
          {usage.limits.map((l) => {
            const full = l.max > 0 && l.used !== undefined && l.used >= l.max;
            return (
              <tr key={l.limit} data-limit={l.limit}>
                <th scope="row">{limitLabel(l.limit)}</th>
                <td className={full ? 'text-danger' : undefined}>{l.used === undefined ? '—' : l.used.toLocaleString('en')}</td>
                <td>{l.max > 0 ? limitValue(l.limit, l.max) : <span className="muted">no limit</span>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="muted">
        The daily count of calls starts again at {formatDateTime(usage.resets_at)}. Calls at once are those on the manager that
        answered.
      </p>
    </>
  );
}
