// Who may do what in the admin section. The server decides (a viewer's
// write answers 403); the dashboard only says so before the click.
import type { ButtonHTMLAttributes } from 'react';
import type { AdminRole, Role, User } from '../../api/types';
import { useSession } from '../../session/Session';

/** readOnlyHint is the tooltip of every action a viewer cannot take. */
export const readOnlyHint = 'Read-only administrators cannot change accounts.';

export const isAdmin = (u: User | null | undefined): boolean => u?.role === 'admin';

/** useCanChange says whether the signed-in admin may change accounts (full_admin). */
export function useCanChange(): boolean {
  const { user } = useSession();
  return isAdmin(user) && user?.admin_role === 'full_admin';
}

/** roleLabel names a role pair in words. */
export function roleLabel(role: Role, adminRole?: AdminRole): string {
  if (role !== 'admin') return 'User';
  return adminRole === 'viewer' ? 'Administrator (read-only)' : 'Administrator (full)';
}

type ActionProps = ButtonHTMLAttributes<HTMLButtonElement> & {
  /** Why the action is unavailable to a full admin too (their own account), if it is. */
  unavailable?: string;
};

/**
 * ActionButton is a button that changes an account: disabled, with the
 * reason as its tooltip, for a read-only admin or when unavailable.
 */
export function ActionButton({ unavailable, disabled, title, type = 'button', ...rest }: ActionProps) {
  const canChange = useCanChange();
  const why = !canChange ? readOnlyHint : unavailable;
  return <button type={type} {...rest} disabled={disabled || !!why} title={why ?? title} />;
}
