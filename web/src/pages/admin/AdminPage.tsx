import { Navigate, NavLink, Route, Routes } from 'react-router';
import { Alert } from '../../components/Feedback';
import { usePageTitle } from '../../lib/usePageTitle';
import { useSession } from '../../session/Session';
import NotFoundPage from '../NotFoundPage';
import { isAdmin, useCanChange } from './access';
import { EarlyAccessPage } from './EarlyAccessPage';
import { GroupsPage } from './GroupsPage';
import { OrganizationsPage } from './OrganizationsPage';
import { ServicesPage } from './ServicesPage';
import { SettingsPage } from './SettingsPage';
import { SystemPage } from './SystemPage';
import { TiersPage } from './TiersPage';
import { UserPage } from './UserPage';
import { UsersPage } from './UsersPage';

/**
 * The sections of the admin area, each a route under /admin/. A new one is
 * an entry here and a <Route> below.
 */
const sections = [
  { to: 'users', label: 'Users' },
  { to: 'organizations', label: 'Organisations' },
  { to: 'tiers', label: 'Tiers' },
  { to: 'groups', label: 'Groups' },
  { to: 'early-access', label: 'Early access' },
  { to: 'services', label: 'Services' },
  { to: 'settings', label: 'Settings' },
  { to: 'system', label: 'System' },
];

/** AdminPage is the frame of /admin/*: the sections' tabs and their pages. */
export default function AdminPage() {
  const { user } = useSession();
  const canChange = useCanChange();
  usePageTitle(isAdmin(user) ? null : 'Administration'); // each section names its own page

  if (!isAdmin(user)) {
    return (
      <section className="card">
        <h1>This is for administrators</h1>
        <p>Your account cannot see the administration of berth.</p>
      </section>
    );
  }

  return (
    <section aria-labelledby="admin-title">
      <div className="page-head">
        <h1 id="admin-title">Administration</h1>
      </div>
      {!canChange && (
        <Alert kind="info">
          You are a read-only administrator: you can see everything here, but not change accounts.
        </Alert>
      )}
      <nav className="tabs" aria-label="Administration sections">
        {sections.map((s) => (
          <NavLink key={s.to} to={`/admin/${s.to}`} className="tabs__tab">
            {s.label}
          </NavLink>
        ))}
      </nav>
      <Routes>
        <Route index element={<Navigate to="users" replace />} />
        <Route path="users" element={<UsersPage />} />
        <Route path="users/:id" element={<UserPage />} />
        <Route path="organizations" element={<OrganizationsPage />} />
        <Route path="tiers" element={<TiersPage />} />
        <Route path="groups" element={<GroupsPage />} />
        <Route path="early-access" element={<EarlyAccessPage />} />
        <Route path="services" element={<ServicesPage />} />
        <Route path="settings" element={<SettingsPage />} />
        <Route path="system" element={<SystemPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Routes>
    </section>
  );
}
