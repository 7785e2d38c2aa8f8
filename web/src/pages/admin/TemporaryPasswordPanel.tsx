import type { TemporaryPassword } from '../../api/types';
import { Alert } from '../../components/Feedback';
import { SecretOnce } from '../../components/SecretOnce';

/**
 * TemporaryPasswordPanel says how an account's temporary password was
 * handed over: mailed, or shown here once for the admin to pass on (with
 * why mailing failed, when it did).
 */
export function TemporaryPasswordPanel({ handed, onDone }: { handed: TemporaryPassword; onDone: () => void }) {
  if (handed.mailed || !handed.temporary_password) {
    return <Alert kind="success">A temporary password was mailed to {handed.user.email}.</Alert>;
  }
  return (
    <SecretOnce kind="account's temporary password" idLabel="Account" id={handed.user.email} secret={handed.temporary_password} onDone={onDone}>
      <p className="muted">
        Hand it to {handed.user.email}, who must choose their own at first sign-in.
        {handed.mail_error && ` Mailing it failed: ${handed.mail_error}`}
      </p>
    </SecretOnce>
  );
}
