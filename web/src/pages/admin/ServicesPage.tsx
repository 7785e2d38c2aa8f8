import { useState, type FormEvent } from 'react';
import { adminServices } from '../../api';
import { ApiError } from '../../api/problem';
import type { AdminService, ServiceInput } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Dialog } from '../../components/Dialog';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Empty, Loading } from '../../components/Feedback';
import { Field } from '../../components/Field';
import { RefreshButton } from '../../components/RefreshButton';
import { StatusBadge, Time } from '../../components/Status';
import { useToast } from '../../components/Toasts';
import { useAsync } from '../../lib/useAsync';
import { usePageTitle } from '../../lib/usePageTitle';
import { ActionButton } from './access';

/**
 * ServicesPage is Admin › Services: every service beside berth with its
 * health, its last errors and the plugin it provides. Full admins add,
 * edit and delete the services registered through the API; those set in
 * berth.toml are shown read-only (the server answers 409 to a change).
 */
export function ServicesPage() {
  usePageTitle('Services · Administration');
  const { notify } = useToast();
  const list = useAsync((signal) => adminServices.list(signal), []);
  const [editing, setEditing] = useState<AdminService | 'new' | null>(null);
  const [deleting, setDeleting] = useState<AdminService | null>(null);

  return (
    <section className="card" aria-labelledby="services-title">
      <div className="page-head">
        <h2 id="services-title">Services</h2>
        <div className="button-row">
          <RefreshButton list={list} />
          <ActionButton className="btn btn--primary" onClick={() => setEditing('new')}>
            New service…
          </ActionButton>
        </div>
      </div>
      <p className="muted">
        berth checks each service’s health regularly (every 30 seconds unless service_poll_interval says otherwise). A service that describes itself with a manifest is a plugin:
        those who may use it find it under Extensions. Services set in berth.toml are changed there.
      </p>
      {list.error ? (
        <ErrorAlert error={list.error} title="The services could not be loaded." />
      ) : !list.data ? (
        <Loading label="Loading the services…" />
      ) : list.data.items.length === 0 ? (
        <Empty title="No service yet.">
          <p>Add one here, or in berth.toml.</p>
        </Empty>
      ) : (
        <ul className="plain-list" data-testid="services">
          {list.data.items.map((s) => (
            <ServiceItem key={s.id} service={s} onEdit={() => setEditing(s)} onDelete={() => setDeleting(s)} />
          ))}
        </ul>
      )}
      {editing && (
        <ServiceDialog
          key={editing === 'new' ? 'new' : editing.id}
          service={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(s, changed) => {
            setEditing(null);
            notify(changed ? `Service ${s.name} is saved.` : 'Nothing changed.', changed ? 'success' : 'info');
            if (changed) void list.reload();
          }}
        />
      )}
      <ConfirmDialog
        open={!!deleting}
        title={`Delete the service ${deleting?.name ?? ''}?`}
        confirmLabel="Delete service"
        danger
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return;
          await adminServices.remove(deleting.id);
          notify(`Service ${deleting.name} is deleted.`);
          await list.reload();
        }}
      >
        <p>
          berth stops checking it{deleting?.plugin ? ', and its plugin is no longer offered under Extensions' : ''}. The
          service itself keeps running.
        </p>
      </ConfirmDialog>
    </section>
  );
}

function ServiceItem({ service: s, onEdit, onDelete }: { service: AdminService; onEdit: () => void; onDelete: () => void }) {
  const fromConfig = s.source === 'config';
  return (
    <li className="card card--inset" data-service={s.id}>
      <div className="page-head">
        <h3>
          {s.name} <code className="muted">{s.id}</code>
        </h3>
        <div className="button-row">
          <span className="visually-hidden">Health: </span>
          <StatusBadge status={s.status} />
          {fromConfig ? (
            <span className="badge badge--neutral">set in berth.toml</span>
          ) : (
            <>
              <ActionButton className="btn btn--secondary btn--small" onClick={onEdit}>
                Edit <span className="visually-hidden">{s.name}</span>
              </ActionButton>
              <ActionButton className="btn btn--danger btn--small" onClick={onDelete}>
                Delete <span className="visually-hidden">{s.name}</span>…
              </ActionButton>
            </>
          )}
        </div>
      </div>
      {(s.last_error || s.manifest_error) && (
        <div className="service-errors">
          {s.last_error && (
            <div className="alert alert--error" data-testid="last-error">
              <strong>The last health check failed:</strong> {s.last_error}
            </div>
          )}
          {s.manifest_error && (
            <div className="alert alert--warning" data-testid="manifest-error">
              <strong>Its manifest was refused, so it is not offered as a plugin:</strong> {s.manifest_error}
            </div>
          )}
        </div>
      )}
      <dl className="details details--inline">
        <dt>URL</dt>
        <dd>
          <code>{s.url}</code>
        </dd>
        <dt>Health path</dt>
        <dd>
          <code>{s.health_path || '—'}</code>
        </dd>
        <dt>Last check</dt>
        <dd>
          <Time iso={s.checked_at} />
          {s.latency_ms !== undefined && <span className="muted">in {Math.round(s.latency_ms)} ms</span>}
        </dd>
        <dt>Plugin</dt>
        <dd>{s.plugin ? `${s.plugin.id} ${s.plugin.version}` : 'None'}</dd>
        <dt>Registered</dt>
        <dd>{fromConfig ? 'In berth.toml: change it there' : 'Through the API'}</dd>
      </dl>
    </li>
  );
}

type Checks = Partial<Record<keyof ServiceInput, string>>;

/** checkService says what is wrong with a service before it is sent; the server checks again. */
export function checkService(s: ServiceInput, creating: boolean): Checks {
  const out: Checks = {};
  const id = s.id?.trim() ?? '';
  if (creating && !id) out.id = 'Required.';
  else if (creating && !/^[a-z0-9-]+$/.test(id)) out.id = 'Lower-case letters, digits and dashes only.';
  if (!s.name?.trim()) out.name = 'Required.';
  const url = s.url?.trim() ?? '';
  if (!url) out.url = 'Required.';
  else if (!isHTTPURL(url)) out.url = 'An http:// or https:// address, such as https://search.internal:8080.';
  const path = s.health_path?.trim() ?? '';
  if (path && !path.startsWith('/')) out.health_path = 'A path that starts with /, such as /healthz.';
  return out;
}

function isHTTPURL(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

function ServiceDialog({ service, onClose, onSaved }: {
  service: AdminService | null;
  onClose: () => void;
  onSaved: (s: AdminService, changed: boolean) => void;
}) {
  const creating = service === null;
  const [form, setForm] = useState<Required<ServiceInput>>({
    id: service?.id ?? '',
    name: service?.name ?? '',
    url: service?.url ?? '',
    health_path: service?.health_path ?? '',
  });
  const [checks, setChecks] = useState<Checks>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const server = error instanceof ApiError ? error.fieldErrors : {};
  // The contract's locations are JSON pointers ("/url"); huma's own are "body.url".
  const fieldError = (k: keyof ServiceInput) => checks[k] ?? server[k] ?? server['/' + k];
  const set = (k: keyof ServiceInput, v: string) => setForm({ ...form, [k]: v });

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found = checkService(form, creating);
    setChecks(found);
    setError(null);
    if (Object.keys(found).length > 0) return;
    const body: ServiceInput = {};
    for (const k of ['name', 'url', 'health_path'] as const) {
      const v = form[k].trim();
      if (creating ? v !== '' : v !== (service[k] ?? '')) body[k] = v;
    }
    if (!creating && Object.keys(body).length === 0) {
      onSaved(service, false);
      return;
    }
    setBusy(true);
    try {
      onSaved(creating ? await adminServices.create({ id: form.id.trim(), ...body }) : await adminServices.update(service.id, body), true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const shown = ['id', 'name', 'url', 'health_path'].flatMap((k) => [k, '/' + k]);
  return (
    <Dialog open onClose={onClose} title={creating ? 'New service' : `Edit the service ${service.name}`} busy={busy}>
      <form onSubmit={submit} noValidate data-testid="service-form">
        <ErrorAlert error={error} title="The service was not saved." shownFields={shown} />
        {creating ? (
          <Field label="ID" hint="Lower-case letters, digits and dashes; it cannot be changed later." error={fieldError('id')}>
            <input className="input input--mono" value={form.id} maxLength={63} autoComplete="off" aria-required="true"
              onChange={(e) => set('id', e.target.value)} />
          </Field>
        ) : (
          <p>
            ID: <code>{service.id}</code>
          </p>
        )}
        <Field label="Name" error={fieldError('name')}>
          <input className="input" value={form.name} maxLength={100} aria-required="true" onChange={(e) => set('name', e.target.value)} />
        </Field>
        <Field label="URL" hint="Where berth reaches the service: http:// or https://." error={fieldError('url')}>
          <input className="input input--mono" type="url" value={form.url} aria-required="true" placeholder="https://search.internal:8080"
            onChange={(e) => set('url', e.target.value)} />
        </Field>
        <Field label="Health path" hint="The path berth checks for health; empty: /health." error={fieldError('health_path')}>
          <input className="input input--mono" value={form.health_path} placeholder="/healthz" onChange={(e) => set('health_path', e.target.value)} />
        </Field>
        <div className="dialog__actions">
          <button type="button" className="btn btn--secondary" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="btn btn--primary" disabled={busy} aria-busy={busy}>
            {busy ? 'Saving…' : creating ? 'Add service' : 'Save service'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
