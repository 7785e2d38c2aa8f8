import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { admin } from '../../api';
import type { AdminRole, Role, TemporaryPassword, UserSort, UserStatus } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Empty, Skeleton } from '../../components/Feedback';
import { Pagination } from '../../components/Pagination';
import { StatusBadge, Time } from '../../components/Status';
import { featureRoles } from '../../lib/entitlements';
import { plural } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';
import { usePageTitle } from '../../lib/usePageTitle';
import { ActionButton, roleLabel } from './access';
import { NewAccountDialog } from './NewAccountDialog';
import { TemporaryPasswordPanel } from './TemporaryPasswordPanel';

export const usersPerPage = 20;
/** searchDelay is how long typing pauses before the search is sent. */
export const searchDelay = 250;

const statuses: Array<{ value: '' | UserStatus; label: string }> = [
  { value: '', label: 'Any status' },
  { value: 'active', label: 'Active' },
  { value: 'blocked', label: 'Blocked' },
  { value: 'deleted', label: 'Deleted' },
];

// One select for both role filters of the API: role, or an admin role.
const roles: Array<{ value: string; label: string; role?: Role; admin_role?: AdminRole }> = [
  { value: '', label: 'Any role' },
  { value: 'user', label: 'Users', role: 'user' },
  { value: 'admin', label: 'Administrators', role: 'admin' },
  { value: 'full_admin', label: 'Full administrators', admin_role: 'full_admin' },
  { value: 'viewer', label: 'Read-only administrators', admin_role: 'viewer' },
];

const sorts: Array<{ value: UserSort; label: string }> = [
  { value: 'email', label: 'Email, A to Z' },
  { value: '-email', label: 'Email, Z to A' },
  { value: 'name', label: 'Name, A to Z' },
  { value: '-name', label: 'Name, Z to A' },
  { value: '-created_at', label: 'Newest first' },
  { value: 'created_at', label: 'Oldest first' },
];

/** UsersPage lists the accounts: search, filters, order and pages, all in the address. */
export function UsersPage() {
  usePageTitle('Users · Administration');
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const status = (params.get('status') ?? '') as '' | UserStatus;
  const role = (params.get('role') ?? '') as '' | Role;
  const adminRole = (params.get('admin_role') ?? '') as '' | AdminRole;
  const sort = (params.get('sort') ?? 'email') as UserSort;
  const org = params.get('organization_id') ?? '';
  const tier = params.get('tier_id') ?? '';
  const group = params.get('group_id') ?? '';
  const featureRole = params.get('feature_role') ?? '';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [text, setText] = useState(q);
  const [creating, setCreating] = useState(false);
  const [handed, setHanded] = useState<TemporaryPassword | null>(null);
  const list = useAsync(
    (signal) =>
      admin.users(
        { q, status, role, admin_role: adminRole, organization_id: org, tier_id: tier, group_id: group, feature_role: featureRole, sort, page, per_page: usersPerPage },
        signal,
      ),
    [q, status, role, adminRole, org, tier, group, featureRole, sort, page],
  );
  // The choices of the filters by organisation, tier and group.
  const choices = useAsync(
    async (signal) => {
      const [orgs, tiers, groups] = await Promise.all([admin.organizations(signal), admin.tiers(signal), admin.groups(signal)]);
      return { orgs: orgs.items, tiers: tiers.items, groups: groups.items };
    },
    [],
  );

  function update(changes: Record<string, string | null>) {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) p.set(k, v);
      else p.delete(k);
    }
    setParams(p, { replace: true });
  }

  // The search follows the field once typing pauses; a new search starts at page 1.
  useEffect(() => {
    if (text.trim() === q) return;
    const t = window.setTimeout(() => update({ q: text.trim(), page: null }), searchDelay);
    return () => window.clearTimeout(t);
  });

  const items = list.data?.items ?? [];
  const total = list.data?.total ?? 0;
  const filtered = !!(q || status || role || adminRole || org || tier || group || featureRole);
  return (
    <section className="card" aria-labelledby="users-title">
      <div className="page-head">
        <h2 id="users-title">Users</h2>
        <ActionButton className="btn btn--primary" onClick={() => setCreating(true)}>
          New account…
        </ActionButton>
      </div>
      {handed && <TemporaryPasswordPanel handed={handed} onDone={() => setHanded(null)} />}
      <NewAccountDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(t) => {
          setCreating(false);
          setHanded(t);
          void list.reload();
        }}
      />
      <div className="toolbar" role="search">
        <div className="toolbar__field">
          <label htmlFor="users-q">Search</label>
          <input
            id="users-q"
            className="input"
            type="search"
            value={text}
            maxLength={320}
            placeholder="Email or name"
            onChange={(e) => setText(e.target.value)}
          />
        </div>
        <div className="toolbar__field">
          <label htmlFor="users-status">Status</label>
          <select id="users-status" className="select" value={status} onChange={(e) => update({ status: e.target.value, page: null })}>
            {statuses.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div className="toolbar__field">
          <label htmlFor="users-role">Role</label>
          <select
            id="users-role"
            className="select"
            value={adminRole || role}
            onChange={(e) => {
              const r = roles.find((x) => x.value === e.target.value);
              update({ role: r?.role ?? null, admin_role: r?.admin_role ?? null, page: null });
            }}
          >
            {roles.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
        <FilterSelect id="users-org" label="Organisation" any="Any organisation" value={org}
          options={(choices.data?.orgs ?? []).map((o) => ({ value: o.id, label: o.name }))}
          onChange={(v) => update({ organization_id: v, page: null })} />
        <FilterSelect id="users-tier" label="Own tier" any="Any tier" value={tier}
          options={(choices.data?.tiers ?? []).map((t) => ({ value: t.id, label: t.default ? `${t.name} (or none)` : t.name }))}
          onChange={(v) => update({ tier_id: v, page: null })} />
        <FilterSelect id="users-group" label="Group" any="Any group" value={group}
          options={(choices.data?.groups ?? []).map((g) => ({ value: g.id, label: g.name }))}
          onChange={(v) => update({ group_id: v, page: null })} />
        <FilterSelect id="users-feature" label="Granted" any="Any grant" value={featureRole}
          options={featureRoles.map((r) => ({ value: r.value, label: r.label }))}
          onChange={(v) => update({ feature_role: v, page: null })} />
        <div className="toolbar__field">
          <label htmlFor="users-sort">Order</label>
          <select id="users-sort" className="select" value={sort} onChange={(e) => update({ sort: e.target.value === 'email' ? null : e.target.value, page: null })}>
            {sorts.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="toolbar__count" aria-live="polite">
        {list.data && (filtered ? `${plural(total, 'account')} ${total === 1 ? 'matches' : 'match'}.` : `${plural(total, 'account')} in all.`)}
      </p>
      <ErrorAlert error={list.error} title="The accounts could not be loaded." />
      <div className="table-scroll table-reserve">
        {list.loading && !list.data ? (
          <Skeleton lines={6} height="2.25rem" />
        ) : items.length === 0 ? (
          !list.error && <Empty title={filtered ? 'No account matches' : 'No accounts yet'} />
        ) : (
          <table className="table" data-testid="users" aria-busy={list.loading}>
            <caption className="visually-hidden">Accounts</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col" className="hide-narrow">
                  Created
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((u) => (
                <tr key={u.id} data-user={u.email}>
                  <th scope="row">
                    <Link to={`/admin/users/${encodeURIComponent(u.id)}`}>{u.email}</Link>
                  </th>
                  <td>{u.name || <span className="muted">—</span>}</td>
                  <td>{roleLabel(u.role, u.admin_role)}</td>
                  <td>
                    <StatusBadge status={u.status} />
                  </td>
                  <td className="hide-narrow">
                    <Time iso={u.created_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {list.data && total > usersPerPage && (
        <Pagination page={page} perPage={usersPerPage} total={total} onPage={(p) => update({ page: String(p) })} label="Pages of accounts" />
      )}
    </section>
  );
}

/**
 * FilterSelect is one filter of the list; a value the choices do not hold
 * yet (from the address, before they load) stays selectable.
 */
function FilterSelect({ id, label, any, value, options, onChange }: {
  id: string;
  label: string;
  any: string;
  value: string;
  options: Array<{ value: string; label: string }>;
  onChange: (value: string) => void;
}) {
  const known = !value || options.some((o) => o.value === value);
  return (
    <div className="toolbar__field">
      <label htmlFor={id}>{label}</label>
      <select id={id} className="select" value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{any}</option>
        {!known && <option value={value}>…</option>}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
