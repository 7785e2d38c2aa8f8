import { useState } from 'react';
import { useNavigate } from 'react-router';
import { functions } from '../../api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { CodeBlock, CopyField } from '../../components/Copy';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useToast } from '../../components/Toasts';
import { formatCount, formatDuration, formatPercent } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';
import { useFunction } from './context';
import { SettingsForm } from './SettingsForm';

/** OverviewTab: the numbers of the last day, how to call it, its settings. */
export function OverviewTab() {
  const { fn, setFn, reload } = useFunction();
  const stats = useAsync((signal) => functions.stats(fn.id, signal), [fn.id]);
  const origin = window.location.origin;
  const invokeURL = origin + fn.invoke_url;
  const triggerURL = origin + fn.trigger_url;
  const [deleting, setDeleting] = useState(false);
  const { notify } = useToast();
  const navigate = useNavigate();
  const s = stats.data;

  const curl =
    fn.settings.visibility === 'public'
      ? `curl -X POST '${triggerURL}' -d 'Ada'`
      : `# TOKEN: an access token from POST ${origin}/api/auth/login\ncurl -X POST '${invokeURL}' \\\n  -H "Authorization: Bearer $TOKEN" -d 'Ada'`;
  const cli = `berth fn invoke ${fn.name} -d 'Ada'\n# as a caller with one of its API keys:\necho "$SECRET" | berth fn invoke ${fn.id} --key BF… --server ${origin} -d 'Ada'`;

  return (
    <div className="stack">
      <section aria-labelledby="ov-day">
        <h2 id="ov-day">Last 24 hours</h2>
        <ErrorAlert error={stats.error} title="The numbers could not be loaded." />
        <dl className="stats">
          <Stat label="Invocations" value={s ? formatCount(s.invocations_24h) : null} />
          <Stat label="Error rate" value={s ? formatPercent(s.error_rate) : null} tone={s && s.errors_24h ? 'danger' : undefined} />
          <Stat label="p50 duration" value={s ? (s.invocations_24h ? formatDuration(s.p50_ms) : '—') : null} />
          <Stat label="p95 duration" value={s ? (s.invocations_24h ? formatDuration(s.p95_ms) : '—') : null} />
          <Stat label="Last 7 days" value={s ? formatCount(s.invocations_7d) : null} />
        </dl>
      </section>

      <section aria-labelledby="ov-call" className="card">
        <h2 id="ov-call">Call it</h2>
        {!fn.active_version && (
          <p className="alert alert--info">Deploy a version first: until then, calls answer “function not deployed”.</p>
        )}
        <div className="grid-2">
          <CopyField id="invoke-url" label="Invoke URL (POST)" value={invokeURL} />
          <CopyField id="trigger-url" label="HTTP trigger (any method and path below it)" value={triggerURL} />
        </div>
        <h3>curl</h3>
        <CodeBlock label="curl command" code={curl} />
        <h3>berth CLI</h3>
        <CodeBlock label="CLI command" code={cli} />
      </section>

      <section aria-labelledby="ov-settings" className="card">
        <h2 id="ov-settings">Settings</h2>
        <SettingsForm fn={fn} onSaved={setFn} />
      </section>

      <section aria-labelledby="ov-danger" className="card card--danger">
        <h2 id="ov-danger">Delete this function</h2>
        <p>
          Deleting stops the function at once. It is removed for good, with its versions and API keys, after the grace
          period (24 hours unless your operator changed it); until then you can cancel. Execution records stay for
          statistics.
        </p>
        <button
          type="button"
          className="btn btn--danger"
          onClick={() => setDeleting(true)}
          disabled={fn.status === 'pending_deletion'}
        >
          {fn.status === 'pending_deletion' ? 'Deletion scheduled' : 'Delete function…'}
        </button>
      </section>

      <ConfirmDialog
        open={deleting}
        title={`Delete ${fn.name}?`}
        confirmLabel="Schedule deletion"
        danger
        onClose={() => setDeleting(false)}
        onConfirm={async () => {
          await functions.remove(fn.id);
          await reload();
          notify(`${fn.name} is scheduled for deletion. You can cancel until the grace period ends.`, 'info');
          navigate(`/functions/${fn.id}`);
        }}
      >
        <p>
          <strong>{fn.name}</strong> stops answering calls now and is deleted for good when the grace period ends. You
          can cancel until then.
        </p>
      </ConfirmDialog>
    </div>
  );
}

function Stat({ label, value, tone }: { label: string; value: string | null; tone?: 'danger' }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd className={tone === 'danger' ? 'text-danger' : undefined}>{value ?? <span className="skeleton__inline" aria-label="Loading" />}</dd>
    </div>
  );
}
