import { useEffect, useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate } from 'react-router';
import { auth } from '../api';
import { ApiError } from '../api/problem';
import type { AuthOptions } from '../api/types';
import { AuthPage } from '../components/AuthPage';
import { Alert, Loading } from '../components/Feedback';
import { ErrorAlert } from '../components/ErrorAlert';
import { Field } from '../components/Field';
import { usePageTitle } from '../lib/usePageTitle';
import { useSession } from '../session/Session';

/** RegisterPage creates an account where the server allows it, then signs in. */
export default function RegisterPage() {
  usePageTitle('Create an account');
  const { state, signIn } = useSession();
  const navigate = useNavigate();
  const [options, setOptions] = useState<AuthOptions | null>(null);
  const [optionsError, setOptionsError] = useState<unknown>(null);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    auth.options().then(setOptions, setOptionsError);
  }, []);

  if (state.status === 'signed-in') return <Navigate to="/functions" replace />;
  const min = options?.min_password_length ?? 12;
  const fields = error instanceof ApiError ? error.fieldErrors : {};

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim() || !email.trim() || password.length < min) {
      setError(
        new Error(
          !name.trim() ? 'Enter your name.' : !email.trim() ? 'Enter your email.' : `Use a password of at least ${min} characters.`,
        ),
      );
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const made = await auth.register(email.trim(), password, name.trim());
      // Where addresses must be confirmed the answer is the same for a new
      // address and a taken one: signing in tells them apart.
      const checkMail = 'status' in made && made.status === 'check-mail';
      try {
        await signIn(email.trim(), password);
        navigate('/functions', { replace: true });
      } catch {
        navigate(checkMail ? '/signin?reason=check-mail' : '/signin?reason=registered', { replace: true });
      }
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <AuthPage title="Create an account">
      {!options && !optionsError && <Loading label="Checking whether registration is open…" minHeight="12rem" />}
      <ErrorAlert error={optionsError} />
      {options && !options.registration && (
        <>
          {options.registration_mode === 'early_access' ? (
            <Alert kind="info">
              Accounts on this server are by early access: <Link to="/early-access">ask for one</Link>.
            </Alert>
          ) : (
            <Alert kind="info">This server does not allow self-registration. Ask an administrator for an account.</Alert>
          )}
          <p>
            <Link to="/signin">Back to sign in</Link>
          </p>
        </>
      )}
      {options?.registration && (
        <form onSubmit={submit} noValidate>
          <ErrorAlert error={error} title="No account was created." shownFields={['name', 'email', 'password']} />
          <Field label="Name" error={fields.name}>
            <input className="input" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} maxLength={100} />
          </Field>
          <Field label="Email" error={fields.email}>
            <input className="input" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </Field>
          <Field
            label="Password"
            error={fields.password}
            hint={`At least ${min} characters (${password.length} so far). A few unrelated words make a long password that is easy to remember; it must not contain your email's name.`}
          >
            <input
              className="input"
              type="password"
              autoComplete="new-password"
              required
              minLength={min}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </Field>
          <button
            type="submit"
            className="btn btn--primary btn--block"
            disabled={busy}
            aria-busy={busy}
          >
            {busy ? 'Creating your account…' : 'Create account'}
          </button>
          <p className="auth-form__alt">
            Already have an account? <Link to="/signin">Sign in</Link>
          </p>
        </form>
      )}
    </AuthPage>
  );
}
