import { useEffect, useState, type FormEvent } from 'react';
import { admin } from '../../../api';
import type { AccountUser, UserPatch } from '../../../api/types';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { useToast } from '../../../components/Toasts';
import { ActionButton, useCanChange } from '../access';
import type { CardProps } from './StatusCard';

type Choice = 'user' | 'full_admin' | 'viewer';

const choices: Array<{ value: Choice; label: string; hint: string; patch: UserPatch }> = [
  { value: 'user', label: 'User', hint: 'Their own functions, keys and profile', patch: { role: 'user', admin_role: 'none' } },
  {
    value: 'full_admin',
    label: 'Administrator (full)',
    hint: 'Everything, including changing accounts',
    patch: { role: 'admin', admin_role: 'full_admin' },
  },
  {
    value: 'viewer',
    label: 'Administrator (read-only)',
    hint: 'Sees the administration, changes nothing',
    patch: { role: 'admin', admin_role: 'viewer' },
  },
];

const choiceOf = (u: AccountUser): Choice => (u.role !== 'admin' ? 'user' : u.admin_role === 'viewer' ? 'viewer' : 'full_admin');

const ownRole = 'You cannot change your own role; another full administrator can.';

/** RoleCard changes whether the account is a user, a full or a read-only admin. */
export function RoleCard({ user, isSelf, onChanged }: CardProps) {
  const canChange = useCanChange();
  const [choice, setChoice] = useState<Choice>(choiceOf(user));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const { notify } = useToast();
  useEffect(() => setChoice(choiceOf(user)), [user]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const c = choices.find((x) => x.value === choice)!;
    setBusy(true);
    setError(null);
    try {
      onChanged(await admin.updateUser(user.id, c.patch));
      notify(`The role of ${user.email} is now ${c.label}; their browser sessions end at their next request.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="role-title">
      <h2 id="role-title">Role</h2>
      <form onSubmit={submit} noValidate>
        <ErrorAlert error={error} title="The role was not changed." />
        <fieldset className="fieldset" disabled={!canChange || isSelf || busy}>
          <legend>What the account may do</legend>
          {choices.map((c) => (
            <label key={c.value} className="radio">
              <input type="radio" name="role" value={c.value} checked={choice === c.value} onChange={() => setChoice(c.value)} />
              <span>
                <strong>{c.label}</strong>
                <span className="muted"> — {c.hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <ActionButton
          type="submit"
          className="btn btn--primary"
          unavailable={isSelf ? ownRole : undefined}
          disabled={busy || choice === choiceOf(user)}
          aria-busy={busy}
        >
          {busy ? 'Changing…' : 'Change role'}
        </ActionButton>
      </form>
    </section>
  );
}
