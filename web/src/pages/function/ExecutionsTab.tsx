import { useSearchParams } from 'react-router';
import { functions } from '../../api';
import type { ExecutionStatus } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Empty, Skeleton } from '../../components/Feedback';
import { Pagination } from '../../components/Pagination';
import { RefreshButton } from '../../components/RefreshButton';
import { StatusBadge, Time } from '../../components/Status';
import { formatBytes, formatDuration } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';
import { useFunction } from './context';
import { ExecutionDrawer } from './ExecutionDrawer';

const perPage = 20;
const statuses: Array<{ value: '' | ExecutionStatus; label: string }> = [
  { value: '', label: 'Any status' },
  { value: 'success', label: 'Success' },
  { value: 'error', label: 'Error' },
  { value: 'timeout', label: 'Timeout' },
  { value: 'out_of_memory', label: 'Out of memory' },
  { value: 'rejected', label: 'Rejected' },
];

/** ExecutionsTab lists invocations, newest first; a row opens its details. */
export function ExecutionsTab() {
  const { fn } = useFunction();
  const [params, setParams] = useSearchParams();
  const status = (params.get('status') ?? '') as '' | ExecutionStatus;
  const page = Math.max(1, Number(params.get('page')) || 1);
  const open = params.get('execution');
  const list = useAsync(
    (signal) => functions.executions(fn.id, { status, page, per_page: perPage }, signal),
    [fn.id, status, page],
  );

  function update(changes: Record<string, string | null>) {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) p.set(k, v);
      else p.delete(k);
    }
    setParams(p, { replace: true });
  }

  const items = list.data?.items ?? [];
  return (
    <section className="card" aria-labelledby="exec-title">
      <div className="section-head">
        <h2 id="exec-title">Executions</h2>
        <div className="toolbar toolbar--inline">
          <div className="toolbar__field">
            <label htmlFor="exec-status">Status</label>
            <select id="exec-status" className="select" value={status} onChange={(e) => update({ status: e.target.value, page: null })}>
              {statuses.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
          </div>
          <RefreshButton list={list} />
        </div>
      </div>
      <ErrorAlert error={list.error} title="The executions could not be loaded." />
      <div className="table-scroll table-reserve">
        {list.loading && !list.data ? (
          <Skeleton lines={6} height="2.25rem" />
        ) : items.length === 0 ? (
          <Empty title={status ? 'No execution with this status' : 'No executions yet'}>
            <p>Every call is recorded here within a second. Try the Invoke tab.</p>
          </Empty>
        ) : (
          <table className="table table--rows" data-testid="executions" aria-busy={list.loading}>
            <caption className="visually-hidden">Executions of {fn.name}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Status</th>
                <th scope="col" className="hide-narrow">HTTP</th>
                <th scope="col">Duration</th>
                <th scope="col" className="hide-narrow">Version</th>
                <th scope="col" className="hide-narrow">Caller</th>
                <th scope="col" className="hide-narrow">In / out</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.id} data-execution={e.id} onClick={() => update({ execution: e.id })}>
                  <th scope="row">
                    <button type="button" className="link-button" onClick={(ev) => {
                      ev.stopPropagation();
                      update({ execution: e.id });
                    }} aria-label={`Details of the execution started ${new Date(e.started_at).toLocaleString()}`}>
                      <Time iso={e.started_at} />
                    </button>
                  </th>
                  <td>
                    <StatusBadge status={e.status} />
                  </td>
                  <td className="hide-narrow">{e.http_status || '—'}</td>
                  <td>{formatDuration(e.duration_ms)}</td>
                  <td className="hide-narrow">v{e.version}</td>
                  <td className="hide-narrow">
                    {e.caller === 'api_key' ? <code>{e.caller_key}</code> : e.caller === 'owner' ? 'owner' : 'public'}
                  </td>
                  <td className="hide-narrow">
                    {formatBytes(e.bytes_in)} / {formatBytes(e.bytes_out)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {list.data && list.data.total > perPage && (
        <Pagination page={page} perPage={perPage} total={list.data.total} onPage={(p) => update({ page: String(p) })} label="Pages of executions" />
      )}
      <ExecutionDrawer fnID={fn.id} executionID={open} onClose={() => update({ execution: null })} />
    </section>
  );
}
