import { useState } from 'react';
import { admin } from '../../../api';
import type { AccountUser, Entitlements } from '../../../api/types';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { featureRoles } from '../../../lib/entitlements';
import { ActionButton } from '../access';

interface Props {
  user: AccountUser & Partial<Entitlements>;
  onChanged: () => void;
}

/**
 * FeatureRolesCard shows each feature role the account holds and where
 * from (its tier or a grant of its own), and grants or takes back its own.
 */
export function FeatureRolesCard({ user, onChanged }: Props) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const held = user.feature_roles ?? [];
  const own = user.own_feature_roles ?? [];
  const fullAdmin = user.role === 'admin' && user.admin_role === 'full_admin';

  async function change(role: string, grant: boolean) {
    setBusy(role);
    setError(null);
    try {
      await (grant ? admin.grantFeatureRole(user.id, role) : admin.revokeFeatureRole(user.id, role));
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="card" aria-labelledby="feature-roles-title">
      <h2 id="feature-roles-title">Feature roles</h2>
      <p className="muted">
        An account holds its tier’s feature roles and those granted to it{fullAdmin ? '; a full administrator holds them all' : ''}.
      </p>
      <ErrorAlert error={error} title="The feature role was not changed." />
      <table className="table" data-testid="feature-roles">
        <thead>
          <tr>
            <th scope="col">Role</th>
            <th scope="col">Held</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {featureRoles.map((r) => {
            const granted = own.includes(r.value);
            const from = granted ? 'Granted' : held.includes(r.value) ? (fullAdmin ? 'As a full administrator' : 'From the tier') : 'No';
            return (
              <tr key={r.value} data-role={r.value}>
                <th scope="row">
                  {r.label} <span className="muted">— {r.allows}</span>
                </th>
                <td data-testid="held">{from}</td>
                <td>
                  {granted ? (
                    <ActionButton className="btn btn--secondary" disabled={busy !== null} onClick={() => void change(r.value, false)}>
                      Take back
                    </ActionButton>
                  ) : (
                    <ActionButton className="btn btn--secondary" disabled={busy !== null} onClick={() => void change(r.value, true)}>
                      Grant
                    </ActionButton>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
