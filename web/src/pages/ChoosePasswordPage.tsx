import { useSession } from '../session/Session';
import { usePageTitle } from '../lib/usePageTitle';
import { PasswordCard } from './ProfilePage';

/**
 * ChoosePasswordPage is all an account with a temporary password sees: the
 * server refuses everything else until the password is changed.
 */
export default function ChoosePasswordPage() {
  const { user, setUser, signOut } = useSession();
  usePageTitle('Choose your password');
  return (
    <main className="center-page" aria-labelledby="password-title">
      <div className="card--narrow">
        <PasswordCard
          title="Choose your password"
          intro={`${user?.email ?? 'This account'} has a temporary password from an administrator. Choose your own to continue; nothing else works until you do.`}
          currentLabel="Temporary password"
          onChanged={() => setUser({ password_change_required: false })}
        />
        <p className="auth-form__alt">
          <button type="button" className="btn btn--secondary" onClick={() => void signOut()}>
            Sign out
          </button>
        </p>
      </div>
    </main>
  );
}
