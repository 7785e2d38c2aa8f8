import { useEffect, useState, type FormEvent } from 'react';
import { admin } from '../../api';
import { ApiError } from '../../api/problem';
import type { PlatformSettings, RegistrationMode, SettingsChange } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Alert, Loading } from '../../components/Feedback';
import { Field } from '../../components/Field';
import { useToast } from '../../components/Toasts';
import { useAsync } from '../../lib/useAsync';
import { usePageTitle } from '../../lib/usePageTitle';
import { ActionButton, useCanChange } from './access';

const modes: Array<{ value: RegistrationMode; label: string }> = [
  { value: 'open', label: 'Open: anyone registers' },
  { value: 'early_access', label: 'Early access: anyone asks, an administrator approves' },
  { value: 'invite', label: 'Invitation: administrators create the accounts' },
  { value: 'closed', label: 'Closed: no new accounts but those administrators create' },
];

const masked = '********';

/**
 * SettingsPage edits the platform settings: registration, early-access
 * capacity, default tier and mail. Only what changed is sent; the SMTP
 * password is write-only (the server shows it as set or not).
 */
export function SettingsPage() {
  usePageTitle('Settings · Administration');
  const canChange = useCanChange();
  const { notify } = useToast();
  const settings = useAsync((signal) => admin.settings(signal), []);
  const tiers = useAsync((signal) => admin.tiers(signal), []);
  const [form, setForm] = useState<PlatformSettings | null>(null);
  const [password, setPassword] = useState('');
  const [removePassword, setRemovePassword] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (settings.data) setForm(settings.data);
  }, [settings.data]);

  if (settings.error) return <ErrorAlert error={settings.error} title="The settings could not be loaded." />;
  if (!form || !settings.data) return <Loading label="Loading the settings…" />;
  const saved = settings.data;
  const fields = error instanceof ApiError ? error.fieldErrors : {};
  const set = <K extends keyof PlatformSettings>(k: K, v: PlatformSettings[K]) => setForm({ ...form, [k]: v });
  const setMail = <K extends keyof PlatformSettings['mail']>(k: K, v: PlatformSettings['mail'][K]) =>
    setForm({ ...form, mail: { ...form.mail, [k]: v } });

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!form) return;
    const change: SettingsChange = {};
    if (form.registration_mode !== saved.registration_mode) change.registration_mode = form.registration_mode;
    if (form.early_access_capacity !== saved.early_access_capacity) change.early_access_capacity = form.early_access_capacity;
    if (form.default_tier_id !== saved.default_tier_id) change.default_tier_id = form.default_tier_id;
    const mail: SettingsChange['mail'] = {};
    for (const k of ['from', 'smtp_host', 'smtp_port', 'smtp_username', 'smtp_security'] as const) {
      if (form.mail[k] !== saved.mail[k]) Object.assign(mail, { [k]: form.mail[k] });
    }
    if (password) mail.smtp_password = password;
    else if (removePassword) mail.smtp_password = '';
    if (Object.keys(mail).length > 0) change.mail = mail;
    if (Object.keys(change).length === 0) {
      notify('Nothing changed.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const next = await admin.updateSettings(change);
      settings.setData(next);
      setPassword('');
      setRemovePassword(false);
      notify('Settings saved: in effect on every server within a second.');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <form onSubmit={submit} noValidate className="form-narrow" data-testid="settings">
        <ErrorAlert error={error} title="The settings were not saved." shownFields={Object.keys(fields)} />
        <Field label="Registration" error={fields.registration_mode}>
          <select className="input" value={form.registration_mode} disabled={!canChange}
            onChange={(e) => set('registration_mode', e.target.value as RegistrationMode)}>
            {modes.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Early-access capacity" hint="At most this many requests are approved; 0 for no cap." error={fields.early_access_capacity}>
          <input className="input" type="number" min={0} max={10000000} value={form.early_access_capacity} disabled={!canChange}
            onChange={(e) => set('early_access_capacity', Number(e.target.value))} />
        </Field>
        <Field label="Default tier" hint="The tier of accounts without one of their own or of their organisation." error={fields.default_tier_id}>
          <select className="input" value={form.default_tier_id} disabled={!canChange} onChange={(e) => set('default_tier_id', e.target.value)}>
            <option value="">The built-in default tier</option>
            {(tiers.data?.items ?? []).filter((t) => !t.built_in).map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </Field>
        <h3>Mail</h3>
        {saved.mail.configured ? (
          <Alert kind="success">Mail is configured: temporary passwords are mailed to their accounts.</Alert>
        ) : (
          <Alert kind="info">Mail is not configured: temporary passwords are shown to you once, to hand over.</Alert>
        )}
        <Field label="Sender address" error={fields['mail.from']}>
          <input className="input" type="email" value={form.mail.from} disabled={!canChange} onChange={(e) => setMail('from', e.target.value)} />
        </Field>
        <Field label="SMTP server" hint="A host name or address, without scheme or port." error={fields['mail.smtp_host']}>
          <input className="input" value={form.mail.smtp_host} disabled={!canChange} onChange={(e) => setMail('smtp_host', e.target.value)} />
        </Field>
        <Field label="SMTP port" error={fields['mail.smtp_port']}>
          <input className="input" type="number" min={1} max={65535} value={form.mail.smtp_port} disabled={!canChange}
            onChange={(e) => setMail('smtp_port', Number(e.target.value))} />
        </Field>
        <Field label="Security" error={fields['mail.smtp_security']}>
          <select className="input" value={form.mail.smtp_security} disabled={!canChange}
            onChange={(e) => setMail('smtp_security', e.target.value as PlatformSettings['mail']['smtp_security'])}>
            <option value="starttls">STARTTLS (port 587)</option>
            <option value="tls">TLS (port 465)</option>
            <option value="none">None (a server on this machine or network only)</option>
          </select>
        </Field>
        <Field label="SMTP user name" error={fields['mail.smtp_username']}>
          <input className="input" value={form.mail.smtp_username} disabled={!canChange} autoComplete="off"
            onChange={(e) => setMail('smtp_username', e.target.value)} />
        </Field>
        <Field label="SMTP password"
          hint={saved.mail.smtp_password === masked ? 'A password is set; type a new one to replace it, or leave this empty to keep it.' : 'No password is set.'}
          error={fields['mail.smtp_password']}>
          <input className="input" type="password" autoComplete="new-password" value={password} disabled={!canChange}
            onChange={(e) => setPassword(e.target.value)} />
        </Field>
        {saved.mail.smtp_password === masked && (
          <label className="check">
            <input type="checkbox" checked={removePassword} disabled={!canChange || !!password} onChange={(e) => setRemovePassword(e.target.checked)} />{' '}
            Remove the SMTP password
          </label>
        )}
        <ActionButton type="submit" className="btn btn--primary" disabled={busy} aria-busy={busy}>
          {busy ? 'Saving…' : 'Save settings'}
        </ActionButton>
      </form>
    </section>
  );
}
