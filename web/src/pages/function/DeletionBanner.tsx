import { useEffect, useState } from 'react';
import { functions } from '../../api';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useToast } from '../../components/Toasts';
import { formatCountdown, formatDateTime } from '../../lib/format';
import type { FunctionContext } from './context';

/**
 * DeletionBanner counts down to a scheduled deletion and cancels it. The
 * countdown is anchored to the server's seconds_remaining, not the local
 * clock, which may be off.
 */
export function DeletionBanner({ fn, setFn }: FunctionContext) {
  const { notify } = useToast();
  const [deadline, setDeadline] = useState<number | null>(fn.delete_after ? new Date(fn.delete_after).getTime() : null);
  const [now, setNow] = useState(Date.now());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    functions.deletionStatus(fn.id).then(
      (s) => {
        if (live && s.seconds_remaining != null) setDeadline(Date.now() + s.seconds_remaining * 1000);
      },
      () => {},
    );
    const t = window.setInterval(() => setNow(Date.now()), 1000);
    return () => {
      live = false;
      window.clearInterval(t);
    };
  }, [fn.id]);

  async function cancel() {
    setBusy(true);
    setError(null);
    try {
      const f = await functions.cancelDeletion(fn.id);
      setFn(f);
      notify(`The deletion of ${f.name} is cancelled; it answers calls again.`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const left = deadline ? Math.max(0, (deadline - now) / 1000) : null;
  return (
    <div className="alert alert--warning deletion" role="region" aria-label="Scheduled deletion">
      <div>
        <strong>{fn.name} is scheduled for deletion.</strong>{' '}
        It no longer answers calls. It will be deleted for good{' '}
        {left != null ? (
          <>
            in <span className="deletion__countdown" data-testid="deletion-countdown">{formatCountdown(left)}</span>
            <span className="muted"> ({formatDateTime(fn.delete_after)})</span>
          </>
        ) : (
          'after the grace period'
        )}
        , with its versions and API keys. Until then you can cancel.
      </div>
      <ErrorAlert error={error} title="The deletion was not cancelled." />
      <button type="button" className="btn btn--primary" onClick={cancel} disabled={busy} aria-busy={busy}>
        {busy ? 'Cancelling…' : 'Cancel deletion'}
      </button>
    </div>
  );
}
