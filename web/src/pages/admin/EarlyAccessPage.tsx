import { useState, type FormEvent } from 'react';
import { admin } from '../../api';
import type { EarlyAccessRequest, TemporaryPassword } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Dialog } from '../../components/Dialog';
import { Empty, Loading } from '../../components/Feedback';
import { Field } from '../../components/Field';
import { RefreshButton } from '../../components/RefreshButton';
import { useToast } from '../../components/Toasts';
import { formatDateTime } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';
import { usePageTitle } from '../../lib/usePageTitle';
import { ActionButton } from './access';
import { TemporaryPasswordPanel } from './TemporaryPasswordPanel';

const statuses = ['pending', 'approved', 'rejected'] as const;

/**
 * EarlyAccessPage is the queue of requests for an account while
 * registration is by early access: approve (the account is created with a
 * temporary password, shown once unless mailed) or reject with a reason.
 */
export function EarlyAccessPage() {
  usePageTitle('Early access · Administration');
  const { notify } = useToast();
  const [status, setStatus] = useState<(typeof statuses)[number]>('pending');
  const list = useAsync((signal) => admin.earlyAccess(status, 1, signal), [status]);
  const settings = useAsync((signal) => admin.settings(signal), []);
  const [error, setError] = useState<unknown>(null);
  const [handed, setHanded] = useState<TemporaryPassword | null>(null);
  const [rejecting, setRejecting] = useState<EarlyAccessRequest | null>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);

  async function approve(r: EarlyAccessRequest) {
    setError(null);
    setBusy(true);
    try {
      const a = await admin.approveEarlyAccess(r.id);
      if (a.mailed) notify(`Approved ${r.email}: the sign-in details were mailed.`);
      else setHanded(a);
      await list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function reject(e: FormEvent) {
    e.preventDefault();
    if (!rejecting) return;
    setBusy(true);
    setError(null);
    try {
      await admin.rejectEarlyAccess(rejecting.id, reason);
      notify(`Rejected the request of ${rejecting.email}.`);
      setRejecting(null);
      setReason('');
      await list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const s = settings.data;
  return (
    <section className="card" aria-labelledby="early-title">
      <div className="page-head">
        <h2 id="early-title">Early access</h2>
        <RefreshButton list={list} />
      </div>
      {s && (
        <p className="muted" data-testid="early-mode">
          Registration is {s.registration_mode === 'early_access' ? 'by early access' : `“${s.registration_mode}”: nobody can ask now`}
          {s.early_access_capacity > 0 ? `; at most ${s.early_access_capacity} requests are approved.` : '; no cap on approvals.'}
        </p>
      )}
      <div className="tabs" role="group" aria-label="Status">
        {statuses.map((x) => (
          <button key={x} type="button" className="tabs__tab" aria-pressed={status === x} onClick={() => setStatus(x)}>
            {x[0].toUpperCase() + x.slice(1)}
          </button>
        ))}
      </div>
      <ErrorAlert error={error} title="That did not work." />
      {handed && <TemporaryPasswordPanel handed={handed} onDone={() => setHanded(null)} />}
      {list.error ? (
        <ErrorAlert error={list.error} title="The requests could not be loaded." />
      ) : !list.data ? (
        <Loading label="Loading the requests…" />
      ) : list.data.items.length === 0 ? (
        <Empty title={`No ${status} request.`} />
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="early-access">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Reason</th>
                <th scope="col">Asked</th>
                <th scope="col">{status === 'pending' ? 'Decide' : 'Decision'}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((r) => (
                <tr key={r.id} data-request={r.email}>
                  <td>{r.email}</td>
                  <td>{r.name}</td>
                  <td>{r.reason}</td>
                  <td>{formatDateTime(r.created_at)}</td>
                  <td>
                    {r.status === 'pending' ? (
                      <>
                        <ActionButton className="btn btn--primary" disabled={busy} onClick={() => void approve(r)}>
                          Approve
                        </ActionButton>{' '}
                        <ActionButton className="btn btn--secondary" disabled={busy} onClick={() => setRejecting(r)}>
                          Reject…
                        </ActionButton>
                      </>
                    ) : (
                      `${r.status}${r.decision_reason ? ': ' + r.decision_reason : ''}`
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Dialog open={!!rejecting} onClose={() => setRejecting(null)} title={`Reject ${rejecting?.email ?? ''}`} busy={busy}>
        <form onSubmit={reject} noValidate>
          <Field label="Reason" hint="Kept for the administrators.">
            <input className="input" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
          </Field>
          <button type="submit" className="btn btn--danger" disabled={busy || !reason.trim()}>
            Reject the request
          </button>
        </form>
      </Dialog>
    </section>
  );
}
