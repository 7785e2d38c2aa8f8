import { useEffect, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { auth, functions, keypairs, me } from '../api';
import { ApiError } from '../api/problem';
import type { CreatedKeypair, Fn, Theme } from '../api/types';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { CodeBlock } from '../components/Copy';
import { ErrorAlert } from '../components/ErrorAlert';
import { Empty, Skeleton } from '../components/Feedback';
import { Field } from '../components/Field';
import { SecretOnce } from '../components/SecretOnce';
import { Time } from '../components/Status';
import { UsageTable } from '../components/UsageTable';
import { useToast } from '../components/Toasts';
import { featureRoleLabel } from '../lib/entitlements';
import { useAsync } from '../lib/useAsync';
import { usePageTitle } from '../lib/usePageTitle';
import { useSession } from '../session/Session';
import { roleLabel } from './admin/access';

/** ProfilePage: name, tier and use, password, theme, pinned functions and CLI keypairs. */
export default function ProfilePage() {
  usePageTitle('Profile');
  return (
    <section aria-labelledby="profile-title" className="stack">
      <h1 id="profile-title">Profile</h1>
      <AccountCard />
      <PlanCard />
      <PasswordCard />
      <AppearanceCard />
      <PinnedCard />
      <KeypairsCard />
    </section>
  );
}

/** PlanCard is what the account may use: its tier with each limit and the use, feature roles and groups. */
function PlanCard() {
  const detail = useAsync(() => me.get(), []);
  const usage = useAsync((signal) => me.usage(signal), []);
  const d = detail.data;
  return (
    <section className="card" aria-labelledby="plan-title">
      <h2 id="plan-title">Tier and limits</h2>
      <ErrorAlert error={detail.error ?? usage.error} title="Your limits could not be loaded." />
      {d && (
        <dl className="details details--inline" data-testid="plan">
          <dt>Tier</dt>
          <dd>{d.tier?.name ?? '—'}</dd>
          <dt>Feature roles</dt>
          <dd>{d.feature_roles?.length ? d.feature_roles.map(featureRoleLabel).join(', ') : 'None'}</dd>
          <dt>Groups</dt>
          <dd>{d.groups?.length ? d.groups.join(', ') : 'None'}</dd>
          {d.organization_id && (
            <>
              <dt>Organisation</dt>
              <dd>
                {d.organization?.name ?? '—'} ({d.organization_role === 'owner' ? 'owner' : 'member'})
              </dd>
            </>
          )}
        </dl>
      )}
      {usage.data ? <UsageTable usage={usage.data} caption="Your limits and use" /> : !usage.error && <Skeleton lines={4} />}
      {d?.organization && d.organization_role === 'owner' && <OrganizationMembers org={d.organization} />}
    </section>
  );
}

/** OrganizationMembers lists the members of the organisation an owner owns. */
function OrganizationMembers({ org }: { org: { id: string; name: string } }) {
  const members = useAsync((signal) => me.organizationMembers(org.id, signal), [org.id]);
  const items = members.data?.items ?? [];
  const more = (members.data?.total ?? 0) - items.length;
  return (
    <>
      <h3>Members of {org.name}</h3>
      <ErrorAlert error={members.error} title="The members could not be loaded." />
      {members.data && (
        <ul className="plain-list" data-testid="org-members">
          {items.map((u) => (
            <li key={u.id}>
              {u.email} {u.name && <span className="muted">({u.name})</span>} {u.organization_role === 'owner' && <span className="badge badge--neutral">owner</span>}
            </li>
          ))}
          {more > 0 && <li className="muted">and {more} more</li>}
        </ul>
      )}
      <p className="muted">As an owner you manage the functions shared with {org.name}; an administrator adds and removes members.</p>
    </>
  );
}

function AccountCard() {
  const { setUser } = useSession();
  const user = useAsync(() => me.get(), []);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  useEffect(() => {
    if (user.data) setName(user.data.name);
  }, [user.data]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) {
      setError(new Error('Enter a name.'));
      return;
    }
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      const u = await me.update({ name: name.trim() });
      user.setData(u);
      setUser({ name: u.name });
      setStatus('Saved.');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="account-title">
      <h2 id="account-title">Account</h2>
      <ErrorAlert error={user.error} />
      {user.data ? (
        <form onSubmit={submit} noValidate className="inline-form">
          <dl className="details details--inline">
            <dt>Email</dt>
            <dd>{user.data.email}</dd>
            <dt>Role</dt>
            <dd>{roleLabel(user.data.role, user.data.admin_role)}</dd>
          </dl>
          <ErrorAlert error={error} title="Your name was not saved." />
          <Field label="Name">
            <input className="input" value={name} maxLength={100} autoComplete="name" onChange={(e) => setName(e.target.value)} />
          </Field>
          <button type="submit" className="btn btn--primary" disabled={busy} aria-busy={busy}>
            {busy ? 'Saving…' : 'Save name'}
          </button>
          <p role="status" className="inline-form__status">
            {status}
          </p>
        </form>
      ) : (
        !user.error && <Skeleton lines={3} height="2.25rem" />
      )}
    </section>
  );
}

/**
 * PasswordCard changes the password. The forced change of a temporary
 * password uses it too, with its own title and intro and onChanged.
 */
export function PasswordCard({
  title = 'Password',
  intro = 'Changing it signs you out everywhere else (other browsers and API tokens). CLI keypairs keep working.',
  currentLabel = 'Current password',
  onChanged,
}: {
  title?: string;
  intro?: string;
  currentLabel?: string;
  onChanged?: () => void;
}) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [min, setMin] = useState(12);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const [mismatch, setMismatch] = useState<string | null>(null);
  useEffect(() => {
    auth.options().then((o) => setMin(o.min_password_length), () => {});
  }, []);
  const fields = error instanceof ApiError ? error.fieldErrors : {};

  async function submit(e: FormEvent) {
    e.preventDefault();
    setDone(false);
    setMismatch(null);
    if (next !== again) {
      setMismatch('The two new passwords differ.');
      return;
    }
    if (next.length < min) {
      setMismatch(`Use at least ${min} characters.`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await me.update({ password: next, current_password: current });
      setCurrent('');
      setNext('');
      setAgain('');
      setDone(true);
      onChanged?.();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="password-title">
      <h2 id="password-title">{title}</h2>
      <p className="muted">{intro}</p>
      <form onSubmit={submit} noValidate className="form-narrow">
        <ErrorAlert error={error} title="The password was not changed." shownFields={['password', 'current_password']} />
        {done && (
          <p className="alert alert--success" role="status">
            Your password is changed.
          </p>
        )}
        <Field label={currentLabel} error={fields.current_password}>
          <input className="input" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
        </Field>
        <Field label="New password" error={fields.password} hint={`At least ${min} characters; not a common password.`}>
          <input className="input" type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />
        </Field>
        <Field label="New password, again" error={mismatch}>
          <input className="input" type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} />
        </Field>
        <button type="submit" className="btn btn--primary" disabled={busy || !current || !next} aria-busy={busy}>
          {busy ? 'Changing…' : 'Change password'}
        </button>
      </form>
    </section>
  );
}

const themes: Array<{ value: Theme; label: string; hint: string }> = [
  { value: 'system', label: 'System', hint: 'Follow your device' },
  { value: 'light', label: 'Light', hint: 'Dark text on light backgrounds' },
  { value: 'dark', label: 'Dark', hint: 'Light text on dark backgrounds' },
];

function AppearanceCard() {
  const { prefs, updatePrefs } = useSession();
  const [error, setError] = useState<unknown>(null);
  const theme = prefs?.theme ?? 'system';
  async function choose(t: Theme) {
    setError(null);
    try {
      await updatePrefs({ theme: t });
    } catch (e) {
      setError(e);
    }
  }
  return (
    <section className="card" aria-labelledby="appearance-title">
      <h2 id="appearance-title">Appearance</h2>
      <ErrorAlert error={error} title="The theme was not saved." />
      <fieldset className="fieldset theme-picker" disabled={!prefs}>
        <legend>Theme</legend>
        {themes.map((t) => (
          <label key={t.value} className="theme-option">
            <input type="radio" name="theme" value={t.value} checked={theme === t.value} onChange={() => void choose(t.value)} />
            <span className={`theme-option__swatch theme-option__swatch--${t.value}`} aria-hidden="true" />
            <span>
              <strong>{t.label}</strong>
              <span className="muted"> — {t.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
    </section>
  );
}

function PinnedCard() {
  const { prefs, updatePrefs } = useSession();
  const ids = prefs?.pinned_functions ?? [];
  const [names, setNames] = useState<Record<string, Fn | null>>({});
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    for (const id of ids) {
      if (id in names) continue;
      functions.get(id).then(
        (f) => live && setNames((n) => ({ ...n, [id]: f })),
        () => live && setNames((n) => ({ ...n, [id]: null })),
      );
    }
    return () => {
      live = false;
    };
  }, [ids, names]);

  async function save(next: string[]) {
    setError(null);
    try {
      await updatePrefs({ pinned_functions: next });
    } catch (e) {
      setError(e);
    }
  }

  const move = (i: number, d: number) => {
    const next = [...ids];
    [next[i], next[i + d]] = [next[i + d], next[i]];
    void save(next);
  };

  return (
    <section className="card" aria-labelledby="pinned-title">
      <h2 id="pinned-title">Pinned functions</h2>
      <p className="muted">Pinned functions come first in your list, in this order. Pin one with the star in the list.</p>
      <ErrorAlert error={error} title="The pins were not saved." />
      {!prefs ? (
        <Skeleton lines={2} />
      ) : ids.length === 0 ? (
        <Empty title="Nothing pinned yet">
          <Link to="/functions">Go to your functions</Link>
        </Empty>
      ) : (
        <ol className="pinned-list">
          {ids.map((id, i) => {
            const f = names[id];
            const label = f ? f.name : f === null ? 'a deleted function' : '…';
            return (
              <li key={id}>
                {f ? <Link to={`/functions/${id}`}>{f.name}</Link> : <span className="muted">{label}</span>}
                <span className="button-row">
                  <button type="button" className="btn btn--ghost btn--small" disabled={i === 0} onClick={() => move(i, -1)} aria-label={`Move ${label} up`}>
                    Up
                  </button>
                  <button type="button" className="btn btn--ghost btn--small" disabled={i === ids.length - 1} onClick={() => move(i, 1)} aria-label={`Move ${label} down`}>
                    Down
                  </button>
                  <button type="button" className="btn btn--ghost btn--small" onClick={() => void save(ids.filter((x) => x !== id))} aria-label={`Unpin ${label}`}>
                    Unpin
                  </button>
                </span>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

function KeypairsCard() {
  const list = useAsync(() => keypairs.list(), []);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<CreatedKeypair | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);
  const { notify } = useToast();
  const items = list.data?.keypairs ?? [];

  async function create(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const k = await keypairs.create(name.trim());
      setCreated(k);
      setName('');
      void list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="keypairs-title">
      <h2 id="keypairs-title">Keypairs for the CLI and scripts</h2>
      <p className="muted">
        A keypair signs requests as you (BERTH-HMAC-SHA256). <code>berth login</code> makes one for the CLI by itself;
        create one here for a script or an SDK. Revoking one stops it at once.
      </p>
      {created ? (
        <SecretOnce kind="keypair" idLabel="Access key" id={created.access_key} secret={created.secret_key} onDone={() => setCreated(null)}>
          <CodeBlock
            label="Use it from a shell"
            code={`export BERTH_SECRET_KEY='…the secret…'\nberth curl --key ${created.access_key} ${window.location.origin}/api/users/me`}
          />
        </SecretOnce>
      ) : (
        <form onSubmit={create} noValidate className="inline-form">
          <ErrorAlert error={error} title="The keypair was not created." />
          <Field label="Name (optional)">
            <input className="input" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} placeholder="deploy script" />
          </Field>
          <button type="submit" className="btn btn--primary" disabled={busy} aria-busy={busy}>
            {busy ? 'Creating…' : 'Create keypair'}
          </button>
        </form>
      )}
      <ErrorAlert error={list.error} title="The keypairs could not be loaded." />
      {list.loading && !list.data ? (
        <Skeleton lines={2} height="2.25rem" />
      ) : items.length === 0 ? (
        <Empty title="No keypairs" />
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="keypairs">
            <caption className="visually-hidden">Your keypairs</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Access key</th>
                <th scope="col" className="hide-narrow">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((k) => (
                <tr key={k.access_key} data-keypair={k.name}>
                  <th scope="row">{k.name || <span className="muted">unnamed</span>}</th>
                  <td>
                    <code>{k.access_key}</code>
                  </td>
                  <td className="hide-narrow">
                    <Time iso={k.created_at} />
                  </td>
                  <td>{k.last_used_at ? <Time iso={k.last_used_at} /> : <span className="muted">never</span>}</td>
                  <td className="cell-actions">
                    <button type="button" className="btn btn--secondary btn--small text-danger" onClick={() => setRevoking(k.access_key)} aria-label={`Revoke ${k.name || k.access_key}`}>
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={revoking != null}
        title="Revoke this keypair?"
        confirmLabel="Revoke"
        danger
        onClose={() => setRevoking(null)}
        onConfirm={async () => {
          if (!revoking) return;
          await keypairs.remove(revoking);
          list.setData((d) => ({ keypairs: (d?.keypairs ?? []).filter((k) => k.access_key !== revoking) }));
          notify('The keypair is revoked; requests signed with it are refused from now on.');
        }}
      >
        <p>
          Scripts and CLI contexts using <code>{revoking}</code> stop working at once. This cannot be undone.
        </p>
      </ConfirmDialog>
    </section>
  );
}

