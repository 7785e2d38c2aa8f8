import { useState, type FormEvent } from 'react';
import { Link, Navigate } from 'react-router';
import { auth } from '../api';
import { AuthPage } from '../components/AuthPage';
import { Alert } from '../components/Feedback';
import { ErrorAlert } from '../components/ErrorAlert';
import { Field } from '../components/Field';
import { usePageTitle } from '../lib/usePageTitle';
import { useSession } from '../session/Session';

/**
 * ForgotPasswordPage asks for a link to choose a new password. The server
 * answers the same for every address, and so does this page.
 */
export default function ForgotPasswordPage() {
  usePageTitle('Forgot your password?');
  const { state } = useSession();
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [sent, setSent] = useState<string | null>(null);

  if (state.status === 'signed-in') return <Navigate to="/profile" replace />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!email.trim()) {
      setError(new Error('Enter the email of your account.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setSent((await auth.requestPasswordReset(email.trim())).message);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthPage title="Forgot your password?">
      {sent ? (
        <>
          <Alert kind="success">{sent}</Alert>
          <p className="muted">No mail after a few minutes? Check the address and your spam folder, or ask an administrator.</p>
        </>
      ) : (
        <form onSubmit={submit} noValidate>
          <p className="muted">Enter the email of your account; we mail you a link to choose a new password.</p>
          <ErrorAlert error={error} title="No link was sent." shownFields={['email']} />
          <Field label="Email">
            <input className="input" type="email" autoComplete="username" required autoFocus value={email} maxLength={320}
              onChange={(e) => setEmail(e.target.value)} />
          </Field>
          <button type="submit" className="btn btn--primary btn--block" disabled={busy} aria-busy={busy}>
            {busy ? 'Sending…' : 'Send me a link'}
          </button>
        </form>
      )}
      <p className="auth-form__alt">
        <Link to="/signin">Back to sign in</Link>
      </p>
    </AuthPage>
  );
}
