import { useState, type FormEvent } from 'react';
import { admin } from '../../api';
import { ApiError } from '../../api/problem';
import type { AdminRole, Role, TemporaryPassword } from '../../api/types';
import { Dialog } from '../../components/Dialog';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Field } from '../../components/Field';

const kinds: Array<{ value: string; label: string; role: Role; admin_role?: AdminRole }> = [
  { value: 'user', label: 'User', role: 'user' },
  { value: 'viewer', label: 'Administrator (read-only)', role: 'admin', admin_role: 'viewer' },
  { value: 'full_admin', label: 'Administrator (full)', role: 'admin', admin_role: 'full_admin' },
];

/**
 * NewAccountDialog creates an account with a temporary password; the
 * caller shows how it was handed over.
 */
export function NewAccountDialog({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (t: TemporaryPassword) => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [kind, setKind] = useState('user');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fields = error instanceof ApiError ? error.fieldErrors : {};

  async function submit(e: FormEvent) {
    e.preventDefault();
    const k = kinds.find((x) => x.value === kind) ?? kinds[0];
    setBusy(true);
    setError(null);
    try {
      const t = await admin.createUser({ email: email.trim(), name: name.trim(), role: k.role, admin_role: k.admin_role });
      setEmail('');
      setName('');
      setKind('user');
      onCreated(t);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog open={open} onClose={onClose} title="New account" busy={busy}
      description="The account gets a temporary password: mailed when mail is configured, otherwise shown to you once.">
      <form onSubmit={submit} noValidate>
        <ErrorAlert error={error} title="The account was not created." shownFields={['email', 'name']} />
        <Field label="Email" error={fields.email}>
          <input className="input" type="email" autoComplete="off" value={email} maxLength={320} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field label="Name" error={fields.name}>
          <input className="input" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Role">
          <select className="select" value={kind} onChange={(e) => setKind(e.target.value)}>
            {kinds.map((k) => (
              <option key={k.value} value={k.value}>
                {k.label}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" className="btn btn--primary" disabled={busy || !email.trim() || !name.trim()} aria-busy={busy}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
    </Dialog>
  );
}
