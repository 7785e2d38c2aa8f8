import { useState, type FormEvent } from 'react';
import { admin } from '../../api';
import { ApiError } from '../../api/problem';
import type { GroupInfo } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Empty, Loading } from '../../components/Feedback';
import { Field } from '../../components/Field';
import { RefreshButton } from '../../components/RefreshButton';
import { useToast } from '../../components/Toasts';
import { useAsync } from '../../lib/useAsync';
import { usePageTitle } from '../../lib/usePageTitle';
import { ActionButton } from './access';

/**
 * GroupsPage lists the groups services behind berth authorise by (they
 * read them from X-Berth-Groups); full admins create and delete them and
 * add and remove members by email.
 */
export function GroupsPage() {
  usePageTitle('Groups · Administration');
  const { notify } = useToast();
  const list = useAsync((signal) => admin.groups(signal), []);
  const [open, setOpen] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [deleting, setDeleting] = useState<GroupInfo | null>(null);
  const fields = error instanceof ApiError ? error.fieldErrors : {};

  async function create(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const g = await admin.createGroup({ name: name.trim() });
      setName('');
      notify(`Group ${g.name} is created.`);
      await list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="groups-title">
      <div className="page-head">
        <h2 id="groups-title">Groups</h2>
        <RefreshButton list={list} />
      </div>
      <p className="muted">Services behind berth read an account’s groups from the X-Berth-Groups header of /session/validate.</p>
      <form onSubmit={create} noValidate className="toolbar">
        <Field label="New group" error={fields.name} className="toolbar__field">
          <input className="input" value={name} maxLength={100} placeholder="billing" onChange={(e) => setName(e.target.value)} />
        </Field>
        <ActionButton type="submit" className="btn btn--primary" disabled={busy || !name.trim()}>
          Create group
        </ActionButton>
      </form>
      <ErrorAlert error={error} title="The group was not created." shownFields={['name']} />
      {list.error ? (
        <ErrorAlert error={list.error} title="The groups could not be loaded." />
      ) : !list.data ? (
        <Loading label="Loading the groups…" />
      ) : list.data.items.length === 0 ? (
        <Empty title="No group yet." />
      ) : (
        <ul className="plain-list" data-testid="groups">
          {list.data.items.map((g) => (
            <li key={g.id} data-group={g.name} className="card card--inset">
              <div className="page-head">
                <h3>
                  {g.name} <span className="muted">({g.members} {g.members === 1 ? 'member' : 'members'})</span>
                </h3>
                <div className="button-row">
                  <button type="button" className="btn btn--secondary" aria-expanded={open === g.id} onClick={() => setOpen(open === g.id ? null : g.id)}>
                    {open === g.id ? 'Hide members' : 'Members'}
                  </button>
                  <ActionButton className="btn btn--danger" onClick={() => setDeleting(g)}>
                    Delete…
                  </ActionButton>
                </div>
              </div>
              {open === g.id && <Members group={g} onChanged={() => void list.reload()} />}
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={!!deleting}
        title={`Delete the group ${deleting?.name ?? ''}?`}
        confirmLabel="Delete group"
        danger
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return;
          await admin.deleteGroup(deleting.id);
          notify(`Group ${deleting.name} is deleted.`);
          await list.reload();
        }}
      >
        <p>Its members leave it; their accounts stay as they are.</p>
      </ConfirmDialog>
    </section>
  );
}

function Members({ group, onChanged }: { group: GroupInfo; onChanged: () => void }) {
  const detail = useAsync((signal) => admin.group(group.id, signal), [group.id, group.members]);
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function add(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const found = await admin.users({ q: email.trim(), per_page: 100 });
      const u = found.items.find((x) => x.email === email.trim().toLowerCase());
      if (!u) throw new Error(`No account has the email ${email.trim()}.`);
      await admin.addGroupMember(group.id, u.id);
      setEmail('');
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function remove(userID: string) {
    setError(null);
    try {
      await admin.removeGroupMember(group.id, userID);
      onChanged();
    } catch (err) {
      setError(err);
    }
  }

  const users = detail.data?.users?.items ?? [];
  return (
    <div data-testid={`members-${group.name}`}>
      <ErrorAlert error={error ?? detail.error} title="That did not work." />
      {users.length > 0 && (
        <ul className="plain-list">
          {users.map((u) => (
            <li key={u.id} data-member={u.email}>
              {u.email}{' '}
              <ActionButton className="btn btn--secondary" onClick={() => void remove(u.id)}>
                Remove
              </ActionButton>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={add} noValidate className="toolbar">
        <Field label={`Add to ${group.name}`} className="toolbar__field">
          <input className="input" type="email" value={email} placeholder="Their email" onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <ActionButton type="submit" className="btn btn--primary" disabled={busy || !email.trim()}>
          Add member
        </ActionButton>
      </form>
    </div>
  );
}
