import { useEffect, useState, type FormEvent } from 'react';
import { Link, Navigate } from 'react-router';
import { auth } from '../api';
import { ApiError } from '../api/problem';
import type { AuthOptions } from '../api/types';
import { AuthPage } from '../components/AuthPage';
import { Alert, Loading } from '../components/Feedback';
import { ErrorAlert } from '../components/ErrorAlert';
import { Field } from '../components/Field';
import { usePageTitle } from '../lib/usePageTitle';
import { useSession } from '../session/Session';

/**
 * EarlyAccessRequestPage asks for an account while registration is by
 * early access; an administrator approves or rejects it, and an approved
 * account gets a temporary password by mail or from the administrator.
 */
export default function EarlyAccessRequestPage() {
  usePageTitle('Ask for early access');
  const { state } = useSession();
  const [options, setOptions] = useState<AuthOptions | null>(null);
  const [optionsError, setOptionsError] = useState<unknown>(null);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [received, setReceived] = useState<string | null>(null);

  useEffect(() => {
    auth.options().then(setOptions, setOptionsError);
  }, []);

  if (state.status === 'signed-in') return <Navigate to="/functions" replace />;
  const fields = error instanceof ApiError ? error.fieldErrors : {};
  const open = options?.registration_mode === 'early_access';

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim() || !email.trim()) {
      setError(new Error(!name.trim() ? 'Enter your name.' : 'Enter your email.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const a = await auth.requestEarlyAccess(email.trim(), name.trim(), reason.trim());
      setReceived(a.message);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthPage title="Ask for early access">
      {!options && !optionsError && <Loading label="Checking how accounts are given…" minHeight="12rem" />}
      <ErrorAlert error={optionsError} />
      {options && !open && (
        <>
          <Alert kind="info">
            {options.registration_mode === 'open'
              ? 'Registration is open: you can create an account yourself.'
              : 'This server does not take early-access requests. Ask an administrator for an account.'}
          </Alert>
          <p>
            {options.registration_mode === 'open' ? <Link to="/register">Create an account</Link> : <Link to="/signin">Back to sign in</Link>}
          </p>
        </>
      )}
      {open && received && (
        <>
          <Alert kind="success">{received}</Alert>
          <p>
            <Link to="/signin">Back to sign in</Link>
          </p>
        </>
      )}
      {open && !received && (
        <form onSubmit={submit} noValidate>
          <p className="muted">Accounts on this server are given by its administrators. Tell them who you are; they will get back to you.</p>
          <ErrorAlert error={error} title="Your request was not sent." shownFields={['name', 'email', 'reason']} />
          <Field label="Name" error={fields.name}>
            <input className="input" autoComplete="name" required value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
          </Field>
          <Field label="Email" error={fields.email}>
            <input className="input" type="email" autoComplete="email" required value={email} maxLength={320} onChange={(e) => setEmail(e.target.value)} />
          </Field>
          <Field label="What would you use berth for?" error={fields.reason} hint="Optional; the administrators read it.">
            <textarea className="input" rows={3} value={reason} maxLength={1000} onChange={(e) => setReason(e.target.value)} />
          </Field>
          <button type="submit" className="btn btn--primary btn--block" disabled={busy} aria-busy={busy}>
            {busy ? 'Sending…' : 'Ask for access'}
          </button>
          <p className="auth-form__alt">
            Already have an account? <Link to="/signin">Sign in</Link>
          </p>
        </form>
      )}
    </AuthPage>
  );
}
