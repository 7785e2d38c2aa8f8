import { useState, type FormEvent } from 'react';
import { verification } from '../api';
import { ApiError } from '../api/problem';
import { Alert } from '../components/Feedback';
import { ErrorAlert } from '../components/ErrorAlert';
import { Field } from '../components/Field';
import { usePageTitle } from '../lib/usePageTitle';
import { useSession } from '../session/Session';

/**
 * VerifyEmailPage is all an account sees where the operator requires
 * confirmed addresses and its own is not: the six digits from the mail,
 * a new code on request, and Sign out.
 */
export default function VerifyEmailPage() {
  usePageTitle('Confirm your email address');
  const { user, setUser, signOut } = useSession();
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [sent, setSent] = useState<string | null>(null);
  const fields = error instanceof ApiError ? error.fieldErrors : {};

  async function verify(e: FormEvent) {
    e.preventDefault();
    if (!/^\d{6}$/.test(code.replace(/\s/g, ''))) {
      setError(new Error('Enter the six digits from the mail.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await verification.verify(code);
      setUser({ email_verification_required: false, email_verified: true });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  async function resend() {
    setBusy(true);
    setError(null);
    setSent(null);
    try {
      const a = await verification.send();
      if (a.status === 'verified') setUser({ email_verification_required: false, email_verified: true });
      else setSent(a.message);
      setCode('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="center-page" aria-labelledby="verify-title">
      <div className="card card--narrow auth-form">
        <h1 id="verify-title">Confirm your email address</h1>
        <p className="muted">
          We mailed a six-digit code to <strong>{user?.email}</strong>. Enter it to confirm the address; nothing else works until you do.
        </p>
        {sent && <Alert kind="success">{sent}</Alert>}
        <form onSubmit={verify} noValidate>
          <ErrorAlert error={error} title="The address is not confirmed yet." shownFields={['code']} />
          <Field label="Code" error={fields.code} hint="Valid for 15 minutes; five tries.">
            <input className="input input--code" inputMode="numeric" autoComplete="one-time-code" autoFocus maxLength={7} value={code}
              onChange={(e) => setCode(e.target.value)} />
          </Field>
          <button type="submit" className="btn btn--primary btn--block" disabled={busy} aria-busy={busy}>
            {busy ? 'Checking…' : 'Confirm'}
          </button>
        </form>
        <p className="auth-form__alt button-row">
          <button type="button" className="btn btn--secondary" disabled={busy} onClick={() => void resend()}>
            Send a new code
          </button>
          <button type="button" className="btn btn--secondary" onClick={() => void signOut()}>
            Sign out
          </button>
        </p>
      </div>
    </main>
  );
}
