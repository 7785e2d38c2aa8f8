import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { admin } from '../../api';
import { ApiError } from '../../api/problem';
import type { Organization, OrganizationRole, TierSummary } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Dialog } from '../../components/Dialog';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Empty, Loading } from '../../components/Feedback';
import { Field } from '../../components/Field';
import { RefreshButton } from '../../components/RefreshButton';
import { useToast } from '../../components/Toasts';
import { useAsync } from '../../lib/useAsync';
import { usePageTitle } from '../../lib/usePageTitle';
import { ActionButton } from './access';

/**
 * OrganizationsPage lists the organisations with their tier and member
 * count; full admins create, edit and delete them and manage members and
 * their roles (owners may manage the functions shared with it).
 */
export function OrganizationsPage() {
  usePageTitle('Organisations · Administration');
  const { notify } = useToast();
  const list = useAsync((signal) => admin.organizations(signal), []);
  const tiers = useAsync((signal) => admin.tiers(signal), []);
  const [open, setOpen] = useState<string | null>(null);
  const [editing, setEditing] = useState<Organization | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Organization | null>(null);
  const tierName = (id?: string) =>
    id ? (tiers.data?.items.find((t) => t.id === id)?.name ?? 'a tier') : 'the default tier';

  return (
    <section className="card" aria-labelledby="orgs-title">
      <div className="page-head">
        <h2 id="orgs-title">Organisations</h2>
        <div className="button-row">
          <RefreshButton list={list} />
          <ActionButton className="btn btn--primary" onClick={() => setEditing('new')}>
            New organisation…
          </ActionButton>
        </div>
      </div>
      <p className="muted">
        An account belongs to at most one organisation. Its tier covers members without a tier of their own; functions
        shared with it may be read and called by its members and managed by its owners.
      </p>
      {list.error ? (
        <ErrorAlert error={list.error} title="The organisations could not be loaded." />
      ) : !list.data ? (
        <Loading label="Loading the organisations…" />
      ) : list.data.items.length === 0 ? (
        <Empty title="No organisation yet." />
      ) : (
        <ul className="plain-list" data-testid="organizations">
          {list.data.items.map((o) => (
            <li key={o.id} data-org={o.name} className="card card--inset">
              <div className="page-head">
                <div>
                  <h3>
                    {o.name}{' '}
                    <span className="muted">
                      ({o.members} {o.members === 1 ? 'member' : 'members'})
                    </span>
                  </h3>
                  <p className="muted" data-testid="org-tier">
                    {o.description ? `${o.description} · ` : ''}On {tierName(o.tier_id)}
                  </p>
                </div>
                <div className="button-row">
                  <button type="button" className="btn btn--secondary" aria-expanded={open === o.id}
                    onClick={() => setOpen(open === o.id ? null : o.id)}>
                    {open === o.id ? 'Hide members' : 'Members'}
                  </button>
                  <ActionButton className="btn btn--secondary" onClick={() => setEditing(o)}>
                    Edit
                  </ActionButton>
                  <ActionButton className="btn btn--danger" onClick={() => setDeleting(o)}>
                    Delete…
                  </ActionButton>
                </div>
              </div>
              {open === o.id && <Members org={o} onChanged={() => void list.reload()} />}
            </li>
          ))}
        </ul>
      )}
      {editing && (
        <OrganizationDialog
          key={editing === 'new' ? 'new' : editing.id}
          org={editing === 'new' ? null : editing}
          tiers={tiers.data?.items ?? []}
          onClose={() => setEditing(null)}
          onSaved={(o) => {
            setEditing(null);
            notify(`Organisation ${o.name} is saved.`);
            void list.reload();
          }}
        />
      )}
      <ConfirmDialog
        open={!!deleting}
        title={`Delete the organisation ${deleting?.name ?? ''}?`}
        confirmLabel="Delete organisation"
        danger
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return;
          await admin.deleteOrganization(deleting.id);
          notify(`Organisation ${deleting.name} is deleted.`);
          await list.reload();
        }}
      >
        <p>Only an organisation without members can be deleted: remove its members first.</p>
      </ConfirmDialog>
    </section>
  );
}

function OrganizationDialog({ org, tiers, onClose, onSaved }: {
  org: Organization | null;
  tiers: TierSummary[];
  onClose: () => void;
  onSaved: (o: Organization) => void;
}) {
  const [name, setName] = useState(org?.name ?? '');
  const [description, setDescription] = useState(org?.description ?? '');
  const [tier, setTier] = useState(org?.tier_id ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fields = error instanceof ApiError ? error.fieldErrors : {};

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { name: name.trim(), description: description.trim(), tier_id: tier };
      onSaved(org ? await admin.updateOrganization(org.id, body) : await admin.createOrganization(body));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog open onClose={onClose} title={org ? `Edit the organisation ${org.name}` : 'New organisation'} busy={busy}>
      <form onSubmit={submit} noValidate>
        <ErrorAlert error={error} title="The organisation was not saved." shownFields={['name', 'description']} />
        <Field label="Name" error={fields.name}>
          <input className="input" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Description" error={fields.description}>
          <input className="input" value={description} maxLength={500} onChange={(e) => setDescription(e.target.value)} />
        </Field>
        <Field label="Tier" error={fields.tier_id} hint="For members without a tier of their own.">
          <select className="input" value={tier} onChange={(e) => setTier(e.target.value)}>
            <option value="">The default tier</option>
            {tiers.filter((t) => !t.default).map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" className="btn btn--primary" disabled={busy || !name.trim()} aria-busy={busy}>
          {busy ? 'Saving…' : 'Save organisation'}
        </button>
      </form>
    </Dialog>
  );
}

function Members({ org, onChanged }: { org: Organization; onChanged: () => void }) {
  const members = useAsync((signal) => admin.users({ organization_id: org.id, per_page: 100 }, signal), [org.id, org.members]);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<OrganizationRole>('member');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function run(action: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await action();
      onChanged();
      await members.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function add(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      const wanted = email.trim().toLowerCase();
      const found = await admin.users({ q: wanted, per_page: 100 });
      const u = found.items.find((x) => x.email === wanted);
      if (!u) throw new Error(`No account has the email ${email.trim()}.`);
      await admin.setOrganizationMember(org.id, u.id, role);
      setEmail('');
    });
  }

  const users = members.data?.items ?? [];
  const more = (members.data?.total ?? 0) - users.length;
  return (
    <div data-testid={`members-${org.name}`}>
      <ErrorAlert error={error ?? members.error} title="That did not work." />
      {users.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Role</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} data-member={u.email}>
                <th scope="row">
                  <Link to={`/admin/users/${u.id}`}>{u.email}</Link>
                </th>
                <td data-testid="member-role">{u.organization_role === 'owner' ? 'Owner' : 'Member'}</td>
                <td className="button-row">
                  <ActionButton className="btn btn--secondary" disabled={busy}
                    onClick={() => void run(() => admin.setOrganizationMember(org.id, u.id, u.organization_role === 'owner' ? 'member' : 'owner'))}>
                    {u.organization_role === 'owner' ? 'Make member' : 'Make owner'}
                  </ActionButton>
                  <ActionButton className="btn btn--secondary" disabled={busy}
                    onClick={() => void run(() => admin.removeOrganizationMember(org.id, u.id))}>
                    Remove
                  </ActionButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {more > 0 && (
        <p className="muted">
          And {more} more: <Link to={`/admin/users?organization_id=${encodeURIComponent(org.id)}`}>see them all in Users</Link>.
        </p>
      )}
      <form onSubmit={add} noValidate className="toolbar">
        <Field label={`Add to ${org.name}`} className="toolbar__field">
          <input className="input" type="email" value={email} placeholder="Their email" onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field label="As" className="toolbar__field">
          <select className="input" value={role} onChange={(e) => setRole(e.target.value as OrganizationRole)}>
            <option value="member">Member</option>
            <option value="owner">Owner</option>
          </select>
        </Field>
        <ActionButton type="submit" className="btn btn--primary" disabled={busy || !email.trim()}>
          Add member
        </ActionButton>
      </form>
    </div>
  );
}
