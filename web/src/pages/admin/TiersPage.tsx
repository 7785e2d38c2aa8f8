import { useState, type FormEvent } from 'react';
import { admin } from '../../api';
import { ApiError } from '../../api/problem';
import type { TierLimits, TierSummary } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Dialog } from '../../components/Dialog';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Feedback';
import { Field } from '../../components/Field';
import { RefreshButton } from '../../components/RefreshButton';
import { useToast } from '../../components/Toasts';
import { useAsync } from '../../lib/useAsync';
import { usePageTitle } from '../../lib/usePageTitle';
import { featureRoles as roles, tierLimits as limits } from '../../lib/entitlements';
import { ActionButton } from './access';

const none: TierLimits = {
  max_functions: 0, max_invocations_per_day: 0, max_memory_mb: 0, max_timeout_ms: 0,
  max_concurrent_calls: 0, max_artefact_bytes: 0, api_requests_per_second: 0,
};

/** limitsText names the limits a tier sets, "no limits" when none. */
function limitsText(l: TierLimits | undefined): string {
  const set = limits.filter((x) => l?.[x.key]).map((x) => `${x.label}: ${l![x.key].toLocaleString()}`);
  return set.length ? set.join(' · ') : 'no limits';
}

/** TiersPage lists the tiers with their limits; full admins create, edit and delete them. */
export function TiersPage() {
  usePageTitle('Tiers · Administration');
  const { notify } = useToast();
  const list = useAsync((signal) => admin.tiers(signal), []);
  const [editing, setEditing] = useState<TierSummary | 'new' | null>(null);
  const [deleting, setDeleting] = useState<TierSummary | null>(null);
  return (
    <section className="card" aria-labelledby="tiers-title">
      <div className="page-head">
        <h2 id="tiers-title">Tiers</h2>
        <div className="button-row">
          <RefreshButton list={list} />
          <ActionButton className="btn btn--primary" onClick={() => setEditing('new')}>
            New tier…
          </ActionButton>
        </div>
      </div>
      <p className="muted">An account is covered by its own tier, else its organisation’s, else the default tier. 0 is no limit.</p>
      {list.error ? (
        <ErrorAlert error={list.error} title="The tiers could not be loaded." />
      ) : !list.data ? (
        <Loading label="Loading the tiers…" />
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="tiers">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Limits</th>
                <th scope="col">Feature roles</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((t) => (
                <tr key={t.id} data-tier={t.name}>
                  <th scope="row">
                    {t.name}
                    {t.default && <span className="muted"> (default)</span>}
                  </th>
                  <td data-testid="limits">{limitsText(t.limits)}</td>
                  <td>{(t.feature_roles ?? []).join(', ') || '—'}</td>
                  <td>
                    <ActionButton className="btn btn--secondary" onClick={() => setEditing(t)}>
                      Edit
                    </ActionButton>{' '}
                    <ActionButton className="btn btn--danger" unavailable={t.built_in ? 'The built-in tier cannot be deleted; change its limits instead.' : undefined}
                      onClick={() => setDeleting(t)}>
                      Delete…
                    </ActionButton>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing && (
        <TierDialog
          key={editing === 'new' ? 'new' : editing.id}
          tier={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(t) => {
            setEditing(null);
            notify(`Tier ${t.name} is saved; its accounts have the new limits within a second.`);
            void list.reload();
          }}
        />
      )}
      <ConfirmDialog
        open={!!deleting}
        title={`Delete the tier ${deleting?.name ?? ''}?`}
        confirmLabel="Delete tier"
        danger
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return;
          await admin.deleteTier(deleting.id);
          notify(`Tier ${deleting.name} is deleted.`);
          await list.reload();
        }}
      >
        <p>Only a tier nobody is on can be deleted; the server says so otherwise.</p>
      </ConfirmDialog>
    </section>
  );
}

function TierDialog({ tier, onClose, onSaved }: { tier: TierSummary | null; onClose: () => void; onSaved: (t: TierSummary) => void }) {
  const [name, setName] = useState(tier?.name ?? '');
  const [description, setDescription] = useState(tier?.description ?? '');
  const [values, setValues] = useState<TierLimits>(tier?.limits ?? none);
  const [featureRoles, setFeatureRoles] = useState<string[]>(tier?.feature_roles ?? []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [invalid, setInvalid] = useState<string | null>(null);
  const fields = error instanceof ApiError ? error.fieldErrors : {};

  async function submit(e: FormEvent) {
    e.preventDefault();
    const bad = limits.find((l) => !Number.isInteger(values[l.key]) || values[l.key] < 0 || values[l.key] > l.max);
    if (bad) {
      setInvalid(`${bad.label}: a whole number from 0 (no limit) to ${bad.max.toLocaleString()}.`);
      return;
    }
    setInvalid(null);
    setBusy(true);
    setError(null);
    try {
      const body = { name: name.trim(), description: description.trim(), limits: values, feature_roles: featureRoles };
      onSaved(tier ? await admin.updateTier(tier.id, body) : await admin.createTier(body));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog open onClose={onClose} title={tier ? `Edit the tier ${tier.name}` : 'New tier'} busy={busy}>
      <form onSubmit={submit} noValidate>
        <ErrorAlert error={error} title="The tier was not saved." shownFields={['name', 'description']} />
        {invalid && (
          <p className="alert alert--error" role="alert">
            {invalid}
          </p>
        )}
        <Field label="Name" error={fields.name}>
          <input className="input" value={name} maxLength={63} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Description" error={fields.description}>
          <input className="input" value={description} maxLength={500} onChange={(e) => setDescription(e.target.value)} />
        </Field>
        {limits.map((l) => (
          <Field key={l.key} label={l.label}>
            <input className="input" type="number" min={0} max={l.max} step={1} value={values[l.key]}
              onChange={(e) => setValues({ ...values, [l.key]: Number(e.target.value) })} />
          </Field>
        ))}
        <fieldset>
          <legend>Feature roles</legend>
          {roles.map((r) => (
            <label key={r.value} className="check">
              <input type="checkbox" checked={featureRoles.includes(r.value)}
                onChange={(e) => setFeatureRoles(e.target.checked ? [...featureRoles, r.value] : featureRoles.filter((x) => x !== r.value))} />{' '}
              {r.label}: {r.allows}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="btn btn--primary" disabled={busy || !name.trim()} aria-busy={busy}>
          {busy ? 'Saving…' : 'Save tier'}
        </button>
      </form>
    </Dialog>
  );
}
