import { useState, type FormEvent } from 'react';
import { apiKeys, functions } from '../../api';
import type { APIKey, CreatedAPIKey } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { CodeBlock } from '../../components/Copy';
import { Dialog } from '../../components/Dialog';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Empty, Skeleton } from '../../components/Feedback';
import { Field } from '../../components/Field';
import { SecretOnce } from '../../components/SecretOnce';
import { StatusBadge, Time } from '../../components/Status';
import { useToast } from '../../components/Toasts';
import { useAsync } from '../../lib/useAsync';
import { useFunction } from './context';

const lifetimes = [
  { value: '', label: 'Never expires' },
  { value: '7d', label: '7 days' },
  { value: '30d', label: '30 days' },
  { value: '90d', label: '90 days' },
  { value: '365d', label: '1 year' },
];

type Action = { kind: 'edit' | 'roll' | 'delete'; key: APIKey } | null;

/** KeysTab manages the API keys that let others call this function. */
export function KeysTab() {
  const { fn } = useFunction();
  const list = useAsync(() => functions.apiKeys(fn.id), [fn.id]);
  const [created, setCreated] = useState<CreatedAPIKey | null>(null);
  const [action, setAction] = useState<Action>(null);
  const [rowError, setRowError] = useState<{ id: string; error: unknown } | null>(null);
  const [busyID, setBusyID] = useState('');
  const { notify } = useToast();

  function replace(k: APIKey) {
    list.setData((p) => (p ? { ...p, items: p.items.map((x) => (x.id === k.id ? k : x)) } : p!));
  }

  async function run(k: APIKey, what: 'revoke' | 'enable') {
    setBusyID(k.id);
    setRowError(null);
    try {
      const updated = await apiKeys[what](k.id);
      replace(updated);
      notify(what === 'revoke' ? `${k.name} is revoked: it stops working at once.` : `${k.name} works again.`);
    } catch (error) {
      setRowError({ id: k.id, error });
    } finally {
      setBusyID('');
    }
  }

  const keys = list.data?.items ?? [];
  return (
    <div className="stack">
      <section className="card" aria-labelledby="newkey-title">
        <h2 id="newkey-title">New API key</h2>
        <p className="muted">
          An API key lets a person or a service call this function, and only this one, by signing requests with its key id
          and secret (BERTH-HMAC-SHA256).
        </p>
        {created ? (
          <SecretOnce kind="API key" idLabel="Key id" id={created.key_id} secret={created.secret} onDone={() => setCreated(null)}>
            <CodeBlock
              label="Call it with the key"
              code={`echo "$SECRET" | berth fn invoke ${fn.id} --key ${created.key_id} \\\n  --server ${window.location.origin} -d 'Ada'`}
            />
          </SecretOnce>
        ) : (
          <CreateKeyForm
            fnID={fn.id}
            onCreated={(k) => {
              setCreated(k);
              const { secret: _secret, ...listed } = k; // the list never holds the secret
              void _secret;
              list.setData((p) => (p ? { ...p, items: [listed, ...p.items], total: p.total + 1 } : p!));
            }}
          />
        )}
      </section>

      <section className="card" aria-labelledby="keys-title">
        <h2 id="keys-title">Keys</h2>
        <ErrorAlert error={list.error} title="The keys could not be loaded." />
        {list.loading && !list.data ? (
          <Skeleton lines={3} height="2.5rem" />
        ) : keys.length === 0 ? (
          <Empty title="No API keys">
            <p>Only you can call this function{fn.settings.visibility === 'public' ? ' — and anyone, since it is public' : ''}.</p>
          </Empty>
        ) : (
          <div className="table-scroll">
            <table className="table" data-testid="api-keys">
              <caption className="visually-hidden">API keys of {fn.name}</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key id</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="hide-narrow">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col" className="hide-narrow">Last used</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.map((k) => (
                  <tr key={k.id} data-key={k.name}>
                    <th scope="row">{k.name}</th>
                    <td>
                      <code>{k.key_id}</code>
                    </td>
                    <td>
                      <StatusBadge status={k.status} />
                    </td>
                    <td className="hide-narrow">
                      <Time iso={k.created_at} />
                    </td>
                    <td>{k.expires_at ? <Time iso={k.expires_at} /> : <span className="muted">never</span>}</td>
                    <td className="hide-narrow">{k.last_used_at ? <Time iso={k.last_used_at} /> : <span className="muted">never</span>}</td>
                    <td className="cell-actions">
                      <div className="button-row">
                        {k.status === 'revoked' ? (
                          <button type="button" className="btn btn--secondary btn--small" disabled={busyID === k.id} onClick={() => run(k, 'enable')}>
                            Enable
                          </button>
                        ) : (
                          <button type="button" className="btn btn--secondary btn--small" disabled={busyID === k.id} onClick={() => run(k, 'revoke')} aria-label={`Revoke ${k.name}`}>
                            Revoke
                          </button>
                        )}
                        <button type="button" className="btn btn--ghost btn--small" onClick={() => setAction({ kind: 'roll', key: k })} aria-label={`Extend ${k.name}`}>
                          Extend
                        </button>
                        <button type="button" className="btn btn--ghost btn--small" onClick={() => setAction({ kind: 'edit', key: k })} aria-label={`Edit ${k.name}`}>
                          Edit
                        </button>
                        <button type="button" className="btn btn--ghost btn--small text-danger" onClick={() => setAction({ kind: 'delete', key: k })} aria-label={`Delete ${k.name}`}>
                          Delete
                        </button>
                      </div>
                      {rowError?.id === k.id && <ErrorAlert error={rowError.error} />}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {action?.kind === 'edit' && <EditKeyDialog k={action.key} onClose={() => setAction(null)} onSaved={replace} />}
      {action?.kind === 'roll' && <RollKeyDialog k={action.key} onClose={() => setAction(null)} onSaved={replace} />}
      <ConfirmDialog
        open={action?.kind === 'delete'}
        title={`Delete ${action?.key.name ?? 'the key'}?`}
        confirmLabel="Delete for good"
        danger
        onClose={() => setAction(null)}
        onConfirm={async () => {
          if (!action) return;
          await apiKeys.remove(action.key.id);
          list.setData((p) => (p ? { ...p, items: p.items.filter((x) => x.id !== action.key.id), total: p.total - 1 } : p!));
          notify(`${action.key.name} is deleted.`);
        }}
      >
        <p>
          Callers using <code>{action?.key.key_id}</code> are refused from now on, and the key cannot be enabled again. To
          stop it for a while instead, revoke it.
        </p>
      </ConfirmDialog>
    </div>
  );
}

function CreateKeyForm({ fnID, onCreated }: { fnID: string; onCreated: (k: CreatedAPIKey) => void }) {
  const [name, setName] = useState('');
  const [expires, setExpires] = useState('90d');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [nameError, setNameError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) {
      setNameError('Give the key a name, such as the service that will use it.');
      return;
    }
    setNameError(null);
    setBusy(true);
    setError(null);
    try {
      onCreated(await functions.createAPIKey(fnID, name.trim(), expires));
      setName('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="inline-form" onSubmit={submit} noValidate>
      <ErrorAlert error={error} title="The key was not created." />
      <Field label="Name" error={nameError}>
        <input className="input" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} placeholder="billing service" />
      </Field>
      <Field label="Lifetime">
        <select className="select" value={expires} onChange={(e) => setExpires(e.target.value)}>
          {lifetimes.map((l) => (
            <option key={l.value} value={l.value}>
              {l.label}
            </option>
          ))}
        </select>
      </Field>
      <button type="submit" className="btn btn--primary" disabled={busy} aria-busy={busy}>
        {busy ? 'Creating…' : 'Create key'}
      </button>
    </form>
  );
}

interface KeyDialogProps {
  k: APIKey;
  onClose: () => void;
  onSaved: (k: APIKey) => void;
}

function EditKeyDialog({ k, onClose, onSaved }: KeyDialogProps) {
  const [name, setName] = useState(k.name);
  const [never, setNever] = useState(!k.expires_at);
  const [date, setDate] = useState(k.expires_at ? k.expires_at.slice(0, 10) : '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const { notify } = useToast();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const patch: { name?: string; expires_at?: string } = {};
    if (name.trim() !== k.name) patch.name = name.trim();
    if (never && k.expires_at) patch.expires_at = 'never';
    if (!never) {
      if (!date) {
        setError(new Error('Choose an expiry date, or tick “never expires”.'));
        return;
      }
      const iso = new Date(date + 'T23:59:59Z').toISOString().replace('.000Z', 'Z');
      if (iso.slice(0, 10) !== k.expires_at?.slice(0, 10)) patch.expires_at = iso;
    }
    setBusy(true);
    setError(null);
    try {
      const updated = Object.keys(patch).length ? await apiKeys.update(k.id, patch) : k;
      onSaved(updated);
      notify(`${updated.name} is updated.`);
      onClose();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog open onClose={onClose} title={`Edit ${k.name}`} busy={busy}>
      <form onSubmit={submit} noValidate>
        <ErrorAlert error={error} title="The key was not updated." />
        <Field label="Name">
          <input className="input" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
        </Field>
        <label className="checkbox">
          <input type="checkbox" checked={never} onChange={(e) => setNever(e.target.checked)} /> Never expires
        </label>
        {!never && (
          <Field label="Expires at the end of (UTC)">
            <input className="input" type="date" value={date} onChange={(e) => setDate(e.target.value)} />
          </Field>
        )}
        <div className="dialog__actions">
          <button type="button" className="btn btn--secondary" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="btn btn--primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function RollKeyDialog({ k, onClose, onSaved }: KeyDialogProps) {
  const [expires, setExpires] = useState('90d');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const { notify } = useToast();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const updated = await apiKeys.roll(k.id, expires);
      onSaved(updated);
      notify(`${updated.name} now expires ${updated.expires_at ? 'on ' + new Date(updated.expires_at).toLocaleDateString() : 'never'}.`);
      onClose();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog open onClose={onClose} title={`Extend ${k.name}`} busy={busy} description="The key keeps its id and secret; its expiry restarts from now.">
      <form onSubmit={submit}>
        <ErrorAlert error={error} title="The key was not extended." />
        <Field label="New lifetime, from now">
          <select className="select" value={expires} onChange={(e) => setExpires(e.target.value)}>
            {lifetimes.slice(1).map((l) => (
              <option key={l.value} value={l.value}>
                {l.label}
              </option>
            ))}
          </select>
        </Field>
        <div className="dialog__actions">
          <button type="button" className="btn btn--secondary" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="btn btn--primary" disabled={busy}>
            {busy ? 'Extending…' : 'Extend'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
