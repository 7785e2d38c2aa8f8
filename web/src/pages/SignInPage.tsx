import { useEffect, useState, type FormEvent } from 'react';
import { Link, Navigate, useSearchParams } from 'react-router';
import { auth } from '../api';
import type { AuthOptions } from '../api/types';
import { Alert, Loading } from '../components/Feedback';
import { ErrorAlert } from '../components/ErrorAlert';
import { Field } from '../components/Field';
import { safeNext } from '../lib/next';
import { usePageTitle } from '../lib/usePageTitle';
import { useSession } from '../session/Session';

/** SignInPage signs in with email and password, then goes to ?next. */
export function SignInPage() {
  usePageTitle('Sign in');
  const { state, signIn } = useSession();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const reason = params.get('reason');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [options, setOptions] = useState<AuthOptions | null>(null);

  useEffect(() => {
    auth.options().then(setOptions, () => setOptions(null));
  }, []);

  const providers = options?.providers ?? [];
  const passwords = options?.local_passwords !== false || providers.length === 0 || params.get('password') === '1';

  if (state.status === 'loading') return <Loading label="Checking your session…" minHeight="100vh" />;
  if (state.status === 'signed-in') return <Navigate to={next} replace />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!email.trim() || !password) {
      setError(new Error('Enter your email and your password.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await signIn(email.trim(), password);
      // The session state change renders <Navigate to={next}>.
    } catch (err) {
      setError(err);
      setPassword('');
      setBusy(false);
    }
  }

  return (
    <main className="center-page">
      <form className="card card--narrow auth-form" onSubmit={submit} noValidate aria-describedby="signin-status">
        <div className="auth-form__brand">
          <img src="/favicon.svg" alt="" width={32} height={32} />
          <span>berth</span>
        </div>
        <h1>Sign in</h1>
        <div id="signin-status" className="auth-form__status">
          {reason === 'expired' && !error && <Alert kind="info">Your session has ended. Sign in again to continue where you were.</Alert>}
          {reason === 'signed-out' && !error && <Alert kind="success">You are signed out.</Alert>}
          {reason === 'registered' && !error && <Alert kind="success">Your account is ready. Sign in to start.</Alert>}
          {reason === 'check-mail' && !error && <Alert kind="info">Check your mail: a message to that address says what to do next.</Alert>}
          <ErrorAlert error={error} title="Not signed in." />
        </div>
        {providers.length > 0 && (
          <div className="auth-form__providers">
            {providers.map((p) => (
              <a
                key={p.id}
                className="btn btn--secondary btn--block"
                href={`/server/oidc/${encodeURIComponent(p.id)}/start?next=${encodeURIComponent(next)}`}
              >
                Sign in with {p.name}
              </a>
            ))}
            {passwords && <p className="auth-form__or">or with your berth password</p>}
          </div>
        )}
        {passwords ? (
          <PasswordFields
            email={email}
            setEmail={setEmail}
            password={password}
            setPassword={setPassword}
            busy={busy}
            autoFocus={providers.length === 0}
          />
        ) : (
          <p className="auth-form__alt">
            <Link to="/signin?password=1">Administrator sign-in with a password</Link>
          </p>
        )}
        {passwords && (
          <p className="auth-form__alt">
            <NewHere options={options} next={params.get('next') ? next : null} />
          </p>
        )}
      </form>
    </main>
  );
}

/** PasswordFields are the email and password sign-in. */
function PasswordFields({ email, setEmail, password, setPassword, busy, autoFocus }: {
  email: string;
  setEmail: (v: string) => void;
  password: string;
  setPassword: (v: string) => void;
  busy: boolean;
  autoFocus: boolean;
}) {
  return (
    <>
        <Field label="Email">
          <input
            className="input"
            type="email"
            name="email"
            autoComplete="username"
            required
            autoFocus={autoFocus}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </Field>
        <Field label="Password">
          <input
            className="input"
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <p className="auth-form__forgot">
          <Link to="/forgot-password">Forgot your password?</Link>
        </p>
        <button type="submit" className="btn btn--primary btn--block" disabled={busy} aria-busy={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
    </>
  );
}

/** NewHere tells a newcomer how to get an account, per the registration mode. */
function NewHere({ options, next }: { options: AuthOptions | null; next: string | null }) {
  const mode = options?.registration_mode ?? (options?.registration ? 'open' : 'closed');
  if (!options) return null;
  switch (mode) {
    case 'open':
      return (
        <>
          New here? <Link to={'/register' + (next ? `?next=${encodeURIComponent(next)}` : '')}>Create an account</Link>
        </>
      );
    case 'early_access':
      return (
        <>
          New here? <Link to="/early-access">Ask for early access</Link>
        </>
      );
    case 'invite':
      return <span className="muted">Accounts are by invitation: ask an administrator to create yours.</span>;
    default:
      return <span className="muted">Accounts are created by an administrator.</span>;
  }
}
