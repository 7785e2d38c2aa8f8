import { useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { auth } from '../api';
import { ApiError } from '../api/problem';
import { AuthPage } from '../components/AuthPage';
import { Alert } from '../components/Feedback';
import { ErrorAlert } from '../components/ErrorAlert';
import { Field } from '../components/Field';
import { usePageTitle } from '../lib/usePageTitle';

/**
 * ResetPasswordPage sets a new password with the token of a reset link.
 * The token leaves the address at once, so that it is not in the history
 * or a screenshot.
 */
export default function ResetPasswordPage() {
  usePageTitle('Choose a new password');
  const [params, setParams] = useSearchParams();
  const [token] = useState(() => params.get('token') ?? '');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [min, setMin] = useState(12);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [mismatch, setMismatch] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  useEffect(() => {
    if (params.has('token')) setParams({}, { replace: true });
    auth.options().then((o) => setMin(o.min_password_length), () => {});
  }, []);

  const invalid = error instanceof ApiError && error.code === 'reset-token-invalid';
  const fields = error instanceof ApiError ? error.fieldErrors : {};

  async function submit(e: FormEvent) {
    e.preventDefault();
    setMismatch(null);
    if (next !== again) {
      setMismatch('The two passwords differ.');
      return;
    }
    if (next.length < min) {
      setMismatch(`Use at least ${min} characters.`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setDone((await auth.confirmPasswordReset(token, next)).message);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthPage title="Choose a new password">
      {done ? (
        <>
          <Alert kind="success">{done}</Alert>
          <p>
            <Link to="/signin" className="btn btn--primary btn--block">
              Sign in
            </Link>
          </p>
        </>
      ) : !token || invalid ? (
        <>
          <ErrorAlert error={invalid ? error : new Error('This page needs the link from the mail; open the link again.')} />
          <p>
            <Link to="/forgot-password">Ask for a new link</Link>
          </p>
        </>
      ) : (
        <form onSubmit={submit} noValidate>
          <p className="muted">Choosing a new password signs you out everywhere: other browsers, API tokens and CLI keypairs.</p>
          <ErrorAlert error={error} title="The password was not changed." shownFields={['new_password']} />
          <Field label="New password" error={fields.new_password} hint={`At least ${min} characters; not a common password.`}>
            <input className="input" type="password" autoComplete="new-password" autoFocus value={next} onChange={(e) => setNext(e.target.value)} />
          </Field>
          <Field label="New password, again" error={mismatch}>
            <input className="input" type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} />
          </Field>
          <button type="submit" className="btn btn--primary btn--block" disabled={busy || !next} aria-busy={busy}>
            {busy ? 'Changing…' : 'Set the new password'}
          </button>
        </form>
      )}
    </AuthPage>
  );
}
