import { useEffect, useState, type FormEvent } from 'react';
import { functions } from '../../api';
import { ApiError } from '../../api/problem';
import type { Fn, SettingsPatch } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Field } from '../../components/Field';
import { useToast } from '../../components/Toasts';
import { formatDuration } from '../../lib/format';
import { draftOf, hasErrors, newKey, patchOf, validate, type Draft, type DraftErrors } from './settings';

interface Props {
  fn: Fn;
  onSaved: (f: Fn) => void;
  /** save sends the PATCH; the default is the API. */
  save?: (id: string, patch: SettingsPatch) => Promise<Fn>;
}

/**
 * SettingsForm edits memory, timeout, concurrency, visibility, description,
 * environment and secrets. Secrets are write-only: their values are never
 * read back, and what was typed is cleared once saved.
 */
export function SettingsForm({ fn, onSaved, save = functions.update }: Props) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(fn));
  const [errors, setErrors] = useState<DraftErrors>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const { notify } = useToast();

  // Another change (a deploy's berth.toml, a rollback) replaces the form's
  // starting point; a draft being edited is kept.
  const [base, setBase] = useState(fn.updated_at);
  useEffect(() => {
    if (fn.updated_at !== base) {
      setBase(fn.updated_at);
      if (!hasChanges(fn, draft)) setDraft(draftOf(fn));
    }
  }, [fn, base, draft]);

  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft((d) => ({ ...d, [k]: v }));
  const server = error instanceof ApiError ? error.fieldErrors : {};
  const changed = hasChanges(fn, draft);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setStatus('');
    const errs = validate(draft);
    setErrors(errs);
    if (hasErrors(errs)) {
      setStatus('Some values need fixing; see the messages next to them.');
      return;
    }
    const patch = patchOf(fn, draft);
    if (Object.keys(patch).length === 0) {
      setStatus('Nothing has changed.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const f = await save(fn.id, patch);
      setDraft(draftOf(f)); // secret values typed here are dropped
      setBase(f.updated_at);
      onSaved(f);
      setStatus('Saved.');
      notify('The settings are saved.');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const timeoutMS = Number(draft.timeout);
  return (
    <form className="settings" onSubmit={submit} noValidate aria-label="Settings">
      <ErrorAlert
        error={error}
        title="The settings were not saved."
        shownFields={['memory_mb', 'timeout_ms', 'max_concurrency', 'description']}
      />
      <div className="grid-3">
        <Field label="Memory (MiB)" error={errors.memory ?? server.memory_mb} hint="16 to 1024 MiB per call.">
          <input className="input" inputMode="numeric" value={draft.memory} onChange={(e) => set('memory', e.target.value)} />
        </Field>
        <Field
          label="Timeout (ms)"
          error={errors.timeout ?? server.timeout_ms}
          hint={Number.isFinite(timeoutMS) && timeoutMS > 0 ? `${formatDuration(timeoutMS)} per call; at most 5 min.` : '100 ms to 5 min.'}
        >
          <input className="input" inputMode="numeric" value={draft.timeout} onChange={(e) => set('timeout', e.target.value)} />
        </Field>
        <Field label="Concurrency" error={errors.concurrency ?? server.max_concurrency} hint="Calls at once; more wait up to 2 s, then get 429.">
          <input
            className="input"
            inputMode="numeric"
            value={draft.concurrency}
            onChange={(e) => set('concurrency', e.target.value)}
          />
        </Field>
      </div>
      <Field label="Description" error={errors.description ?? server.description}>
        <input className="input" value={draft.description} maxLength={600} onChange={(e) => set('description', e.target.value)} />
      </Field>

      <fieldset className="fieldset">
        <legend>Who may call it</legend>
        <label className="radio">
          <input type="radio" name="visibility" value="private" checked={draft.visibility === 'private'} onChange={() => set('visibility', 'private')} />
          <span>
            <strong>Private</strong> — you, full administrators, and holders of one of its API keys.
          </span>
        </label>
        <label className="radio">
          <input type="radio" name="visibility" value="public" checked={draft.visibility === 'public'} onChange={() => set('visibility', 'public')} />
          <span>
            <strong>Public</strong> — anyone who knows its URL, without credentials.
          </span>
        </label>
      </fieldset>

      <fieldset className="fieldset">
        <legend>Environment variables</legend>
        <p className="field__hint" id="env-hint">
          Names are letters, digits and “_”. Names berth sets for every call (CGI variables, HTTP_*, BERTH_*) are refused.
        </p>
        {errors.env && <p className="field__error">{errors.env}</p>}
        {draft.env.length === 0 && <p className="muted">No variables.</p>}
        {draft.env.map((r, i) => {
          const err = errors.rows?.[r.key];
          return (
            <div key={r.key} className="kv-row">
              <label className="visually-hidden" htmlFor={`env-name-${r.key}`}>
                Name of variable {i + 1}
              </label>
              <input
                id={`env-name-${r.key}`}
                className="input input--mono"
                placeholder="NAME"
                value={r.name}
                aria-invalid={err ? true : undefined}
                aria-describedby={err ? `env-err-${r.key}` : 'env-hint'}
                onChange={(e) => set('env', draft.env.map((x) => (x.key === r.key ? { ...x, name: e.target.value } : x)))}
              />
              <label className="visually-hidden" htmlFor={`env-value-${r.key}`}>
                Value of {r.name || `variable ${i + 1}`}
              </label>
              <input
                id={`env-value-${r.key}`}
                className="input input--mono"
                placeholder="value"
                value={r.value}
                onChange={(e) => set('env', draft.env.map((x) => (x.key === r.key ? { ...x, value: e.target.value } : x)))}
              />
              <button
                type="button"
                className="btn btn--ghost btn--small"
                aria-label={`Remove ${r.name || `variable ${i + 1}`}`}
                onClick={() => set('env', draft.env.filter((x) => x.key !== r.key))}
              >
                Remove
              </button>
              {err && (
                <p id={`env-err-${r.key}`} className="field__error kv-row__error">
                  {err}
                </p>
              )}
            </div>
          );
        })}
        <button type="button" className="btn btn--secondary btn--small" onClick={() => set('env', [...draft.env, { key: newKey(), name: '', value: '' }])}>
          Add variable
        </button>
      </fieldset>

      <fieldset className="fieldset">
        <legend>Secrets</legend>
        <p className="field__hint">
          Secrets reach the function as environment variables. They are write-only: berth stores them encrypted and never
          shows their values again, here or anywhere.
        </p>
        {draft.secrets.length === 0 && <p className="muted">No secrets.</p>}
        {draft.secrets.map((r, i) => {
          const err = errors.rows?.[r.key];
          const update = (patch: Partial<typeof r>) =>
            set('secrets', draft.secrets.map((x) => (x.key === r.key ? { ...x, ...patch } : x)));
          return (
            <div key={r.key} className={'kv-row' + (r.action === 'remove' ? ' kv-row--removed' : '')} data-secret={r.name}>
              {r.action === 'new' ? (
                <>
                  <label className="visually-hidden" htmlFor={`sec-name-${r.key}`}>
                    Name of new secret {i + 1}
                  </label>
                  <input
                    id={`sec-name-${r.key}`}
                    className="input input--mono"
                    placeholder="NAME"
                    value={r.name}
                    aria-invalid={err ? true : undefined}
                    aria-describedby={err ? `sec-err-${r.key}` : undefined}
                    onChange={(e) => update({ name: e.target.value })}
                  />
                </>
              ) : (
                <code className="kv-row__name">{r.name}</code>
              )}
              {r.action === 'keep' || r.action === 'remove' ? (
                <span className="kv-row__masked" aria-label={r.action === 'remove' ? 'will be removed' : 'value hidden'}>
                  {r.action === 'remove' ? 'will be removed' : '••••••••'}
                </span>
              ) : (
                <>
                  <label className="visually-hidden" htmlFor={`sec-value-${r.key}`}>
                    {r.action === 'new' ? `Value of ${r.name || 'the new secret'}` : `New value of ${r.name}`}
                  </label>
                  <input
                    id={`sec-value-${r.key}`}
                    className="input input--mono"
                    type="password"
                    autoComplete="off"
                    placeholder={r.action === 'new' ? 'value' : 'new value'}
                    value={r.value}
                    aria-invalid={err ? true : undefined}
                    aria-describedby={err ? `sec-err-${r.key}` : undefined}
                    onChange={(e) => update({ value: e.target.value })}
                  />
                </>
              )}
              <span className="kv-row__actions">
                {r.action === 'keep' && (
                  <>
                    <button type="button" className="btn btn--ghost btn--small" onClick={() => update({ action: 'replace' })} aria-label={`Replace ${r.name}`}>
                      Replace
                    </button>
                    <button type="button" className="btn btn--ghost btn--small" onClick={() => update({ action: 'remove' })} aria-label={`Remove ${r.name}`}>
                      Remove
                    </button>
                  </>
                )}
                {(r.action === 'replace' || r.action === 'remove') && (
                  <button type="button" className="btn btn--ghost btn--small" onClick={() => update({ action: 'keep', value: '' })} aria-label={`Keep ${r.name} as it is`}>
                    Undo
                  </button>
                )}
                {r.action === 'new' && (
                  <button
                    type="button"
                    className="btn btn--ghost btn--small"
                    onClick={() => set('secrets', draft.secrets.filter((x) => x.key !== r.key))}
                    aria-label={`Remove new secret ${r.name || i + 1}`}
                  >
                    Remove
                  </button>
                )}
              </span>
              {err && (
                <p id={`sec-err-${r.key}`} className="field__error kv-row__error">
                  {err}
                </p>
              )}
            </div>
          );
        })}
        <button
          type="button"
          className="btn btn--secondary btn--small"
          onClick={() => set('secrets', [...draft.secrets, { key: newKey(), name: '', action: 'new', value: '' }])}
        >
          Add secret
        </button>
      </fieldset>

      <div className="form-actions">
        <p className="form-actions__status" role="status">
          {status}
        </p>
        <button
          type="button"
          className="btn btn--secondary"
          disabled={!changed || busy}
          onClick={() => {
            setDraft(draftOf(fn));
            setErrors({});
            setError(null);
            setStatus('Changes discarded.');
          }}
        >
          Discard changes
        </button>
        <button type="submit" className="btn btn--primary" disabled={busy} aria-busy={busy}>
          {busy ? 'Saving…' : 'Save settings'}
        </button>
      </div>
    </form>
  );
}

function hasChanges(fn: Fn, d: Draft): boolean {
  return Object.keys(patchOf(fn, d)).length > 0 || d.secrets.some((s) => s.action === 'new' && (s.name || s.value));
}
