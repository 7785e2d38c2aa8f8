import { useEffect, useRef, useState } from 'react';
import { Link, NavLink, Outlet, useLocation } from 'react-router';
import { ErrorAlert } from '../components/ErrorAlert';
import { useSession } from '../session/Session';
import { isAdmin } from './admin/access';

/** Shell is the frame of every signed-in page: header, navigation, main. */
export function Shell() {
  const { user, signOut } = useSession();
  const loc = useLocation();
  const first = useRef(true);
  const [error, setError] = useState<unknown>(null);
  const [leaving, setLeaving] = useState(false);

  // After a navigation, move focus to the new page's heading so that
  // keyboard and screen-reader users start at the top of the new content.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const t = window.setTimeout(() => {
      const h = document.querySelector<HTMLElement>('main h1');
      if (h && !h.contains(document.activeElement) && document.activeElement?.closest('main') == null) {
        h.tabIndex = -1;
        h.focus({ preventScroll: true });
      }
    }, 0);
    return () => window.clearTimeout(t);
  }, [loc.pathname]);

  async function leave() {
    setLeaving(true);
    setError(null);
    try {
      await signOut();
    } catch (e) {
      setError(e);
      setLeaving(false);
    }
  }

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/functions" className="brand" aria-label="berth: functions">
          <img src="/favicon.svg" alt="" width={24} height={24} />
          <span>berth</span>
        </Link>
        <nav aria-label="Main" className="topbar__nav">
          <NavLink to="/functions" end={false}>
            Functions
          </NavLink>
          <NavLink to="/extensions">Extensions</NavLink>
          <NavLink to="/profile">Profile</NavLink>
          {isAdmin(user) && <NavLink to="/admin">Admin</NavLink>}
        </nav>
        <div className="topbar__user">
          <span className="topbar__who" title={user?.email}>
            {user?.name || user?.email}
          </span>
          <button type="button" className="btn btn--secondary btn--small" onClick={leave} disabled={leaving}>
            {leaving ? 'Signing out…' : 'Sign out'}
          </button>
        </div>
      </header>
      {error != null && (
        <div className="container">
          <ErrorAlert error={error} title="You are still signed in." />
        </div>
      )}
      <main id="main" className="container" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
