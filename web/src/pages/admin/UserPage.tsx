import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { admin } from '../../api';
import { ApiError } from '../../api/problem';
import type { AccountUser } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Skeleton } from '../../components/Feedback';
import { StatusBadge } from '../../components/Status';
import { useAsync } from '../../lib/useAsync';
import { usePageTitle } from '../../lib/usePageTitle';
import { useSession } from '../../session/Session';
import { roleLabel } from './access';
import { AuditCard } from './user/AuditCard';
import { FeatureRolesCard } from './user/FeatureRolesCard';
import { PlanCard } from './user/PlanCard';
import { RoleCard } from './user/RoleCard';
import { SessionsCard } from './user/SessionsCard';
import { StatusCard } from './user/StatusCard';

/** UserPage is one account: its status, role, tier, feature roles, sessions and audit trail. */
export function UserPage() {
  const { id = '' } = useParams();
  const { user: me } = useSession();
  const user = useAsync((signal) => admin.user(id, signal), [id]);
  // Bumped after a change of status or role, which may end sessions.
  const [changes, setChanges] = useState(0);
  const u = user.data;
  usePageTitle(u ? `${u.email} · Administration` : 'User · Administration');

  function changed(next: AccountUser) {
    user.setData({ ...user.data, ...next });
    setChanges((n) => n + 1);
  }

  // A change of tier, organisation or feature role changes the
  // entitlements, which only the server works out: read the account again.
  function reread() {
    void user.reload();
    setChanges((n) => n + 1);
  }

  if (user.error && !u) {
    const gone = user.error instanceof ApiError && user.error.status === 404;
    return (
      <section className="card">
        <h2>{gone ? 'No such account' : 'The account could not be loaded'}</h2>
        <ErrorAlert error={user.error} />
        <Link to="/admin/users">Back to the users</Link>
      </section>
    );
  }

  const isSelf = !!u && u.id === me?.id;
  return (
    <div className="stack">
      <div>
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <Link to="/admin/users">Users</Link> <span aria-hidden="true">/</span> <span>{u?.email ?? '…'}</span>
        </nav>
        <div className="page-head fn-head">
          <h2 className="fn-head__name" data-testid="user-email">
            {u ? u.email : <Skeleton />}
          </h2>
          {u && (
            <div className="fn-head__meta">
              <StatusBadge status={u.status} />
              <span>{roleLabel(u.role, u.admin_role)}</span>
              {isSelf && <span className="muted">This is you</span>}
            </div>
          )}
        </div>
      </div>
      {u ? (
        <>
          <StatusCard user={u} isSelf={isSelf} onChanged={changed} />
          <RoleCard user={u} isSelf={isSelf} onChanged={changed} />
          <PlanCard user={u} changes={changes} onChanged={reread} />
          <FeatureRolesCard user={u} onChanged={reread} />
          <SessionsCard userID={u.id} changes={changes} />
          <AuditCard userID={u.id} />
        </>
      ) : (
        <Skeleton lines={8} />
      )}
    </div>
  );
}
