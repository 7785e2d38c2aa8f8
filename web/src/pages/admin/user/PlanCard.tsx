import { useEffect, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { admin } from '../../../api';
import type { AccountUser, Entitlements, UserPatch } from '../../../api/types';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { Field } from '../../../components/Field';
import { useToast } from '../../../components/Toasts';
import { UsageTable } from '../../../components/UsageTable';
import { useAsync } from '../../../lib/useAsync';
import { ActionButton, useCanChange } from '../access';

interface Props {
  user: AccountUser & Partial<Entitlements>;
  /** Bumped by the page when something that changes the use happened. */
  changes: number;
  /** The account changed: the page reads it again (with its entitlements). */
  onChanged: () => void;
}

/**
 * PlanCard is what covers the account — its own tier, its organisation,
 * the tier in effect — with the use of each limit, and its groups.
 */
export function PlanCard({ user, changes, onChanged }: Props) {
  const canChange = useCanChange();
  const { notify } = useToast();
  const choices = useAsync(async (signal) => {
    const [tiers, orgs] = await Promise.all([admin.tiers(signal), admin.organizations(signal)]);
    return { tiers: tiers.items, orgs: orgs.items };
  }, []);
  const usage = useAsync((signal) => admin.usage(user.id, signal), [user.id, user.tier?.id, changes]);
  const [tier, setTier] = useState(user.tier_id ?? '');
  const [org, setOrg] = useState(user.organization_id ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setTier(user.tier_id ?? '');
    setOrg(user.organization_id ?? '');
  }, [user]);

  const patch: UserPatch = {};
  if (tier !== (user.tier_id ?? '')) patch.tier_id = tier;
  if (org !== (user.organization_id ?? '')) patch.organization_id = org;
  const changed = Object.keys(patch).length > 0;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await admin.updateUser(user.id, patch);
      notify(`${user.email} is changed; their limits apply at once.`);
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const orgName = choices.data?.orgs.find((o) => o.id === user.organization_id)?.name;
  return (
    <section className="card" aria-labelledby="plan-title">
      <h2 id="plan-title">Tier and organisation</h2>
      <p data-testid="covering-tier">
        Covered by the tier <strong>{user.tier?.name ?? '…'}</strong>
        {user.tier_id ? ' (its own)' : user.organization_id ? ' (its organisation’s)' : ' (the default)'}
        {user.organization_id && (
          <>
            {' '}· {user.organization_role === 'owner' ? 'Owner' : 'Member'} of{' '}
            <Link to="/admin/organizations">{user.organization?.name ?? orgName ?? 'an organisation'}</Link>
          </>
        )}
      </p>
      <form onSubmit={submit} noValidate className="toolbar">
        <Field label="Own tier" className="toolbar__field">
          <select className="select" value={tier} disabled={!canChange || busy} onChange={(e) => setTier(e.target.value)}>
            <option value="">None: the organisation’s or the default</option>
            {(choices.data?.tiers ?? []).map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Organisation" className="toolbar__field">
          <select className="select" value={org} disabled={!canChange || busy} onChange={(e) => setOrg(e.target.value)}>
            <option value="">None</option>
            {(choices.data?.orgs ?? []).map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        </Field>
        <ActionButton type="submit" className="btn btn--primary" disabled={busy || !changed} aria-busy={busy}>
          {busy ? 'Saving…' : 'Save'}
        </ActionButton>
      </form>
      <ErrorAlert error={error ?? choices.error} title="That did not work." />
      <h3>Use</h3>
      {usage.error ? (
        <ErrorAlert error={usage.error} title="The use could not be loaded." />
      ) : usage.data ? (
        <UsageTable usage={usage.data} caption={`Limits and use of ${user.email}`} />
      ) : null}
      <h3>Groups</h3>
      <p data-testid="user-groups">
        {user.groups?.length ? user.groups.join(', ') : <span className="muted">In no group.</span>}{' '}
        <Link to="/admin/groups">Manage groups</Link>
      </p>
    </section>
  );
}
