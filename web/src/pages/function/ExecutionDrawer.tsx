import { functions } from '../../api';
import { Dialog } from '../../components/Dialog';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Skeleton } from '../../components/Feedback';
import { StatusBadge } from '../../components/Status';
import { formatBytes, formatDateTime, formatDuration } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';

interface Props {
  fnID: string;
  executionID: string | null;
  onClose: () => void;
}

const callers = { owner: 'The owner', api_key: 'An API key', public: 'Anyone (public)' };

/** ExecutionDrawer shows one invocation with its log lines. */
export function ExecutionDrawer({ fnID, executionID, onClose }: Props) {
  return (
    <Dialog open={executionID != null} onClose={onClose} title="Execution" variant="drawer">
      {executionID && <ExecutionDetail fnID={fnID} executionID={executionID} />}
    </Dialog>
  );
}

function ExecutionDetail({ fnID, executionID }: { fnID: string; executionID: string }) {
  const ex = useAsync((signal) => functions.execution(fnID, executionID, signal), [fnID, executionID]);
  const e = ex.data;
  if (ex.error) return <ErrorAlert error={ex.error} title="The execution could not be loaded." />;
  if (!e) return <Skeleton lines={10} />;
  return (
    <div className="execution" data-testid="execution-detail">
      <dl className="details">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={e.status} /> <span>HTTP {e.http_status || '—'}</span>
        </dd>
        <dt>Started</dt>
        <dd>{formatDateTime(e.started_at)}</dd>
        <dt>Duration</dt>
        <dd>
          {formatDuration(e.duration_ms)}
          {e.cold_start && <span className="badge badge--info">cold start</span>}
        </dd>
        <dt>Version</dt>
        <dd>v{e.version}</dd>
        <dt>Request</dt>
        <dd>{formatBytes(e.bytes_in)}</dd>
        <dt>Response</dt>
        <dd>{formatBytes(e.bytes_out)}</dd>
        <dt>Caller</dt>
        <dd>
          {callers[e.caller] ?? e.caller}
          {e.caller_key && (
            <>
              {' '}
              <code>{e.caller_key}</code>
            </>
          )}
        </dd>
        <dt>Execution id</dt>
        <dd>
          <code>{e.id}</code>
        </dd>
      </dl>
      {e.error && (
        <div className="alert alert--error">
          <strong>Error: </strong>
          {e.error}
        </div>
      )}
      <h3>Log ({e.logs?.length ?? 0} {e.logs?.length === 1 ? 'line' : 'lines'})</h3>
      {e.logs && e.logs.length > 0 ? (
        <pre className="log" tabIndex={0} aria-label="Log lines">
          {e.logs.join('\n')}
        </pre>
      ) : (
        <p className="muted">The function wrote nothing to its log (standard error).</p>
      )}
    </div>
  );
}
