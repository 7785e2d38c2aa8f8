import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { extensions } from '../../api';
import { ApiError } from '../../api/problem';
import type { ActionResult, JSONSchema, PluginAction, PluginSettings } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading, Spinner } from '../../components/Feedback';
import { PluginIcon } from '../../components/PluginIcon';
import { hasSettings, SchemaForm } from '../../components/SchemaForm';
import { StatusBadge } from '../../components/Status';
import { useToast } from '../../components/Toasts';
import { mergePatch, placeErrors, validate, type FieldErrors } from '../../lib/jsonSchema';
import { useAsync } from '../../lib/useAsync';
import { usePageTitle } from '../../lib/usePageTitle';
import { useCanChange } from '../admin/access';

/**
 * PluginPage is one extension: what its manifest says, its health, its
 * settings drawn from the manifest's JSON Schema, and its actions.
 */
export default function PluginPage() {
  const { id = '' } = useParams();
  const manifest = useAsync((signal) => extensions.manifest(id, signal), [id]);
  const plugins = useAsync((signal) => extensions.plugins(signal), []);
  const m = manifest.data;
  usePageTitle(m ? `${m.name} · Extensions` : 'Extensions');
  const status = plugins.data?.items.find((p) => p.id === id)?.status;

  return (
    <section aria-labelledby="plugin-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/extensions">Extensions</Link> <span aria-hidden="true">/</span> <span>{m?.name ?? id}</span>
      </nav>
      {manifest.error ? (
        <>
          <h1 id="plugin-title">{id}</h1>
          <ErrorAlert
            error={manifest.error}
            title={
              manifest.error instanceof ApiError && manifest.error.status === 404
                ? 'This extension does not exist, or you may not use it.'
                : 'The extension could not be loaded.'
            }
          />
        </>
      ) : !m ? (
        <Loading label="Loading the extension…" />
      ) : (
        <>
          <div className="page-head plugin-head">
            <PluginIcon icon={m.icon} size={48} />
            <h1 id="plugin-title" className="plugin-head__name">
              {m.name} <span className="muted">{m.version}</span>
            </h1>
            {status && (
              <span className="plugin-head__status">
                <span className="visually-hidden">Health: </span>
                <StatusBadge status={status} />
              </span>
            )}
          </div>
          {m.description && <p className="plugin-head__description">{m.description}</p>}
          <SettingsCard pluginID={id} schema={m.settings_schema} />
          {m.actions.length > 0 && <ActionsCard pluginID={id} actions={m.actions} />}
        </>
      )}
    </section>
  );
}

/**
 * SettingsCard edits the plugin's settings: checked here first, then sent
 * as a merge patch of what changed; the server's 422 messages are shown at
 * their fields by JSON pointer, the others above the form.
 */
function SettingsCard({ pluginID, schema }: { pluginID: string; schema: JSONSchema }) {
  const canChange = useCanChange();
  const { notify } = useToast();
  const settings = useAsync((signal) => extensions.settings(pluginID, signal), [pluginID]);
  const [form, setForm] = useState<PluginSettings | null>(null);
  const [checks, setChecks] = useState<FieldErrors>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [invalid, setInvalid] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    if (settings.data) setForm(settings.data);
  }, [settings.data]);

  // After a refused save, the first field with a message takes the focus.
  useEffect(() => {
    if (invalid > 0) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [invalid]);

  const title = (
    <h2 id="settings-title" className="section-head">
      Settings
    </h2>
  );
  if (!hasSettings(schema)) {
    return (
      <section className="card" aria-labelledby="settings-title">
        {title}
        <p className="muted">This extension has no settings.</p>
      </section>
    );
  }
  if (settings.error) {
    return (
      <section className="card" aria-labelledby="settings-title">
        {title}
        <ErrorAlert error={settings.error} title="The settings could not be loaded." />
      </section>
    );
  }
  if (!form || !settings.data) return <Loading label="Loading the settings…" />;
  const saved = settings.data;
  const server = error instanceof ApiError && error.status === 422 ? placeErrors(schema, error.fieldErrors) : { fields: {}, placed: [] };
  const errors = { ...server.fields, ...checks };

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!form) return;
    const found = validate(schema, form);
    setChecks(found);
    setError(null);
    if (Object.keys(found).length > 0) {
      setInvalid((n) => n + 1);
      return;
    }
    const patch = mergePatch(saved, form) as PluginSettings | undefined;
    if (!patch) {
      notify('Nothing changed.', 'info');
      return;
    }
    setBusy(true);
    try {
      settings.setData(await extensions.updateSettings(pluginID, patch));
      notify('Settings saved.');
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && err.status === 422) setInvalid((n) => n + 1);
    } finally {
      setBusy(false);
    }
  }

  const checked = Object.keys(checks).length;
  const readOnly = !canChange;
  return (
    <section className="card" aria-labelledby="settings-title">
      {title}
      {readOnly && <p className="muted">A plugin’s settings are changed by full administrators; you see them as they are.</p>}
      <form ref={formRef} onSubmit={submit} noValidate className="form-narrow" data-testid="plugin-settings">
        {checked > 0 && (
          <div className="alert alert--error" role="alert">
            {checked === 1 ? 'One setting needs' : `${checked} settings need`} another look: see the message at the field.
          </div>
        )}
        <ErrorAlert error={error} title="The settings were not saved." shownFields={server.placed} />
        <SchemaForm
          schema={schema}
          value={form}
          saved={saved}
          errors={errors}
          disabled={busy || readOnly}
          onChange={(next) => {
            setForm(next);
            if (checked > 0) setChecks(validate(schema, next)); // once shown, messages follow the edits
          }}
        />
        {!readOnly && <div className="form-actions form-actions--start">
          <button type="submit" className="btn btn--primary" disabled={busy} aria-busy={busy}>
            {busy ? 'Saving…' : 'Save settings'}
          </button>
          <button type="button" className="btn btn--secondary" disabled={busy} onClick={() => {
            setForm(saved);
            setChecks({});
            setError(null);
          }}>
            Undo changes
          </button>
        </div>}
      </form>
    </section>
  );
}

function ActionsCard({ pluginID, actions }: { pluginID: string; actions: PluginAction[] }) {
  return (
    <section className="card" aria-labelledby="actions-title">
      <h2 id="actions-title" className="section-head">
        Actions
      </h2>
      <ul className="plain-list">
        {actions.map((a) => (
          <PluginActionRow key={a.name} pluginID={pluginID} action={a} />
        ))}
      </ul>
    </section>
  );
}

/** PluginActionRow is one action's button with its last answer beside it. */
function PluginActionRow({ pluginID, action }: { pluginID: string; action: PluginAction }) {
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ActionResult | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function run() {
    setBusy(true);
    setResult(null);
    setError(null);
    try {
      setResult(await extensions.runAction(pluginID, action.name));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <li className="action-row" data-action={action.name}>
      <div className="action-row__control">
        <button type="button" className="btn btn--secondary" onClick={run} disabled={busy} aria-busy={busy}
          aria-describedby={action.description ? id + '-desc' : undefined}>
          {action.title}
        </button>
        {busy && <Spinner label={`${action.title}: running…`} />}
        {action.description && (
          <p id={id + '-desc'} className="field__hint">
            {action.description}
          </p>
        )}
      </div>
      <div className="action-row__answer" aria-live="polite">
        {result?.ok && <div className="alert alert--success">{result.message || 'Done.'}</div>}
        {result && !result.ok && (
          <div className="alert alert--error" role="alert">
            {result.message || 'The action did not succeed.'}
          </div>
        )}
        <ErrorAlert error={error} title={`${action.title} failed.`} />
      </div>
    </li>
  );
}
