import { useState } from 'react';
import { system } from '../../../api/system';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { Skeleton } from '../../../components/Feedback';
import { RefreshButton } from '../../../components/RefreshButton';
import { StatusBadge, Time } from '../../../components/Status';
import { plural } from '../../../lib/format';
import { useAsync } from '../../../lib/useAsync';
import { FunctionLink } from './functions';

export const periods = [
  { hours: 1, label: 'Last hour' },
  { hours: 24, label: 'Last 24 hours' },
  { hours: 168, label: 'Last 7 days' },
];

/** ago is the RFC 3339 time hours before now, to the second. */
export const ago = (hours: number, now = Date.now()) => new Date(now - hours * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');

const limit = 50;

/**
 * ErrorsPanel lists GET /api/admin/errors: failed executions of every
 * user, and the 5xx answers the server that answered remembers.
 */
export function ErrorsPanel() {
  const [hours, setHours] = useState(24);
  const errors = useAsync((signal) => system.errors({ limit, since: ago(hours) }, signal), [hours]);
  const execs = errors.data?.executions ?? [];
  const api = errors.data?.api_errors ?? [];

  return (
    <section className="card" aria-labelledby="errors-title">
      <div className="section-head">
        <h3 id="errors-title">Recent errors</h3>
        <div className="button-row">
          <div className="segmented" role="group" aria-label="Period">
            {periods.map((p) => (
              <button key={p.hours} type="button" className="segmented__item" aria-pressed={p.hours === hours} onClick={() => setHours(p.hours)}>
                {p.label}
              </button>
            ))}
          </div>
          <RefreshButton list={errors} />
        </div>
      </div>
      <ErrorAlert error={errors.error} title="The errors could not be loaded." />
      {!errors.data ? (
        !errors.error && <Skeleton lines={4} />
      ) : execs.length === 0 ? (
        <p className="muted" data-testid="no-errors">
          No failed executions in this period.
        </p>
      ) : (
        <>
          <p className="muted" aria-live="polite">
            {execs.length >= limit ? `The latest ${limit} failed executions` : plural(execs.length, 'failed execution')}, newest first.
          </p>
          <div className="table-scroll">
            <table className="table" data-testid="errors">
              <thead>
                <tr>
                  <th scope="col">Function</th>
                  <th scope="col">Time</th>
                  <th scope="col">Status</th>
                  <th scope="col">Message</th>
                </tr>
              </thead>
              <tbody>
                {execs.map((e) => (
                  <tr key={e.id} data-execution={e.id}>
                    <th scope="row">
                      <FunctionLink id={e.function_id} to={`executions?execution=${encodeURIComponent(e.id)}`} />
                    </th>
                    <td>
                      <Time iso={e.started_at} />
                    </td>
                    <td>
                      <StatusBadge status={e.status} /> <span className="muted">{e.http_status}</span>
                    </td>
                    <td className="cell-error">{e.error || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {api.length > 0 && (
        <>
          <h4>Server errors</h4>
          <p className="muted">5xx answers of the server that answered, kept in memory since it started; the request id names its log line.</p>
          <div className="table-scroll">
            <table className="table table--compact" data-testid="api-errors">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Request</th>
                  <th scope="col">Status</th>
                  <th scope="col">Request id</th>
                </tr>
              </thead>
              <tbody>
                {api.map((a) => (
                  <tr key={a.request_id + a.at}>
                    <td>
                      <Time iso={a.at} />
                    </td>
                    <td>
                      <code>
                        {a.method} {a.endpoint}
                      </code>
                    </td>
                    <td>
                      {a.status}
                      {a.error_detail && <span className="muted"> {a.error_detail}</span>}
                    </td>
                    <td>
                      <code>{a.request_id}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
