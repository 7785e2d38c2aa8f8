import { useState, type FormEvent } from 'react';
import { admin } from '../../../api';
import { ApiError } from '../../../api/problem';
import type { AccountUser, TemporaryPassword } from '../../../api/types';
import { ConfirmDialog } from '../../../components/ConfirmDialog';
import { Dialog } from '../../../components/Dialog';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { Field } from '../../../components/Field';
import { Time } from '../../../components/Status';
import { useToast } from '../../../components/Toasts';
import { ActionButton } from '../access';
import { TemporaryPasswordPanel } from '../TemporaryPasswordPanel';

export interface CardProps {
  user: AccountUser;
  /** The account is the signed-in admin's own. */
  isSelf: boolean;
  onChanged: (u: AccountUser) => void;
}

const ownAccount = 'You cannot block or delete your own account; another full administrator can.';

/** StatusCard shows the account and blocks, enables, deletes or restores it. */
export function StatusCard({ user, isSelf, onChanged }: CardProps) {
  const [dialog, setDialog] = useState<'block' | 'delete' | 'password' | null>(null);
  const [handed, setHanded] = useState<TemporaryPassword | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const { notify } = useToast();

  async function run(action: () => Promise<AccountUser>, done: string) {
    setBusy(true);
    setError(null);
    try {
      onChanged(await action());
      notify(done);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="account-status-title">
      <h2 id="account-status-title">Account</h2>
      <dl className="details">
        <dt>Email</dt>
        <dd>{user.email}</dd>
        <dt>Name</dt>
        <dd>{user.name || <span className="muted">—</span>}</dd>
        {user.password_change_required && (
          <>
            <dt>Password</dt>
            <dd>temporary: the account must choose its own at its next sign-in</dd>
          </>
        )}
        <dt>Created</dt>
        <dd>
          <Time iso={user.created_at} />
        </dd>
        <dt>Id</dt>
        <dd>
          <code>{user.id}</code>
        </dd>
      </dl>
      <ErrorAlert error={error} title="The account was not changed." />
      <p className="muted">
        {user.status === 'active' && 'Blocking refuses sign-in and ends every session, login and keypair at once; its API keys stop too.'}
        {user.status === 'blocked' && 'The account is blocked: sign-in is refused. Enabling it lets the user sign in anew.'}
        {user.status === 'deleted' &&
          'The account is deleted: sign-in is refused and its functions are scheduled for deletion. Restoring it makes it active again; its functions are restored one by one.'}
      </p>
      <div className="button-row">
        {user.status === 'active' && (
          <ActionButton className="btn btn--secondary" unavailable={isSelf ? ownAccount : undefined} disabled={busy} onClick={() => setDialog('block')}>
            Block…
          </ActionButton>
        )}
        {user.status === 'blocked' && (
          <ActionButton className="btn btn--primary" disabled={busy} onClick={() => void run(() => admin.enable(user.id), `${user.email} is enabled again.`)}>
            Enable
          </ActionButton>
        )}
        {user.status !== 'deleted' && (
          <ActionButton
            className="btn btn--secondary"
            unavailable={isSelf ? 'Change your own password on your profile.' : undefined}
            disabled={busy}
            onClick={() => setDialog('password')}
          >
            New temporary password…
          </ActionButton>
        )}
        {user.status === 'deleted' ? (
          <ActionButton className="btn btn--primary" disabled={busy} onClick={() => void run(() => admin.restore(user.id), `${user.email} is restored.`)}>
            Restore
          </ActionButton>
        ) : (
          <ActionButton className="btn btn--danger" unavailable={isSelf ? ownAccount : undefined} disabled={busy} onClick={() => setDialog('delete')}>
            Delete account…
          </ActionButton>
        )}
      </div>
      {handed && <TemporaryPasswordPanel handed={handed} onDone={() => setHanded(null)} />}
      <ConfirmDialog
        open={dialog === 'password'}
        title={`A new temporary password for ${user.email}?`}
        confirmLabel="Issue a temporary password"
        onClose={() => setDialog(null)}
        onConfirm={async () => {
          const t = await admin.temporaryPassword(user.id);
          setHanded(t);
          onChanged({ ...user, password_change_required: true });
          notify(`${user.email} has a new temporary password; its sessions have ended.`);
        }}
      >
        <p>
          Every session, login and keypair of the account ends at once, and it can do nothing but choose its own password
          until it signs in with the temporary one.
        </p>
      </ConfirmDialog>
      {dialog === 'block' && (
        <BlockDialog
          user={user}
          onClose={() => setDialog(null)}
          onBlocked={(u) => {
            onChanged(u);
            notify(`${u.email} is blocked; its sessions have ended.`);
          }}
        />
      )}
      <ConfirmDialog
        open={dialog === 'delete'}
        title={`Delete ${user.email}?`}
        confirmLabel="Delete account"
        danger
        onClose={() => setDialog(null)}
        onConfirm={async () => {
          onChanged(await admin.remove(user.id));
          notify(`${user.email} is deleted; you can restore it.`, 'info');
        }}
      >
        <p>
          Sign-in is refused from now on, every session, login and keypair ends, and every function of the account is
          scheduled for deletion after the usual grace period. The email stays taken. You can restore the account later.
        </p>
      </ConfirmDialog>
    </section>
  );
}

interface BlockProps {
  user: AccountUser;
  onClose: () => void;
  onBlocked: (u: AccountUser) => void;
}

/** BlockDialog asks why before it blocks: the reason goes into the audit log. */
function BlockDialog({ user, onClose, onBlocked }: BlockProps) {
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!reason.trim()) {
      setMissing('Say why; the reason is kept in the audit log.');
      return;
    }
    setMissing(null);
    setBusy(true);
    setError(null);
    try {
      onBlocked(await admin.block(user.id, reason.trim()));
      onClose();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog
      open
      onClose={onClose}
      title={`Block ${user.email}?`}
      busy={busy}
      description="Sign-in is refused, and every session, login and keypair of the account ends at once."
    >
      <form onSubmit={submit} noValidate>
        <ErrorAlert error={error} title="The account was not blocked." shownFields={['reason']} />
        <Field label="Reason" hint="Kept in the audit log; at most 500 characters." error={missing ?? (error instanceof ApiError ? error.fieldErrors.reason : null)}>
          <input className="input" value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
        </Field>
        <div className="dialog__actions">
          <button type="button" className="btn btn--secondary" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="btn btn--danger" disabled={busy} aria-busy={busy}>
            {busy ? 'Blocking…' : 'Block account'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
