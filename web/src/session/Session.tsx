// The signed-in user and their preferences, for the whole app. The session
// itself is an HttpOnly cookie the app never sees: it asks the webserver
// (GET /server/login-check) who is signed in.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router';
import { me, session } from '../api';
import { setUnauthorizedHandler } from '../api/client';
import type { Preferences, User } from '../api/types';
import { signInPath } from '../lib/next';
import { applyTheme } from '../lib/theme';

export type SessionState =
  | { status: 'loading' }
  | { status: 'unreachable'; error: unknown }
  | { status: 'anonymous'; reason?: 'expired' | 'signed-out' }
  | { status: 'signed-in'; user: User };

export interface SessionAPI {
  state: SessionState;
  user: User | null;
  /** The user's preferences, null until loaded. */
  prefs: Preferences | null;
  signIn: (email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
  retry: () => void;
  setUser: (u: Partial<User>) => void;
  /** updatePrefs saves a change, showing it at once and undoing it on failure. */
  updatePrefs: (patch: Partial<Preferences>) => Promise<void>;
}

const SessionContext = createContext<SessionAPI | null>(null);

export function useSession(): SessionAPI {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const [prefs, setPrefs] = useState<Preferences | null>(null);
  const prefsRef = useRef<Preferences | null>(null);
  prefsRef.current = prefs;
  const navigate = useNavigate();

  const check = useCallback(async () => {
    setState({ status: 'loading' });
    try {
      const c = await session.check();
      setState(c.authenticated && c.user ? { status: 'signed-in', user: c.user } : { status: 'anonymous' });
    } catch (error) {
      setState({ status: 'unreachable', error });
    }
  }, []);

  useEffect(() => {
    void check();
  }, [check]);

  // An /api call that answers 401 means the session ended: sign in again,
  // then come back here.
  useEffect(() => {
    setUnauthorizedHandler(() => {
      const { pathname, search, hash } = window.location;
      if (pathname === '/signin') return;
      setState({ status: 'anonymous', reason: 'expired' });
      setPrefs(null);
      navigate(signInPath(pathname + search + hash, 'expired'), { replace: true });
    });
    return () => setUnauthorizedHandler(null);
  }, [navigate]);

  // A temporary password allows nothing but its change: no preferences yet.
  const signedIn = state.status === 'signed-in' && !state.user.password_change_required;
  useEffect(() => {
    if (!signedIn) return;
    let live = true;
    me.preferences()
      .then((p) => {
        if (!live) return;
        setPrefs(p);
        applyTheme(p.theme);
      })
      .catch(() => {
        if (live) setPrefs({ pinned_functions: [], theme: 'system' });
      });
    return () => {
      live = false;
    };
  }, [signedIn]);

  const signIn = useCallback(async (email: string, password: string) => {
    const c = await session.login(email, password);
    if (c.user) setState({ status: 'signed-in', user: c.user });
    else await check();
  }, [check]);

  const signOut = useCallback(async () => {
    try {
      const c = await session.logout();
      // A session from an OpenID provider: end the provider's session too.
      if (c.logout_url && /^https?:\/\//.test(c.logout_url)) {
        setPrefs(null);
        window.location.assign(c.logout_url);
        return;
      }
    } finally {
      setPrefs(null);
      setState({ status: 'anonymous', reason: 'signed-out' });
      navigate('/signin?reason=signed-out', { replace: true });
    }
  }, [navigate]);

  const setUser = useCallback((u: Partial<User>) => {
    setState((s) => (s.status === 'signed-in' ? { status: 'signed-in', user: { ...s.user, ...u } } : s));
  }, []);

  const updatePrefs = useCallback(async (patch: Partial<Preferences>) => {
    const before = prefsRef.current ?? { pinned_functions: [], theme: 'system' as const };
    const optimistic = { ...before, ...patch };
    setPrefs(optimistic);
    if (patch.theme) applyTheme(patch.theme);
    try {
      const saved = await me.updatePreferences(patch);
      setPrefs(saved);
    } catch (e) {
      setPrefs(before);
      if (patch.theme) applyTheme(before.theme);
      throw e;
    }
  }, []);

  const api = useMemo<SessionAPI>(
    () => ({
      state,
      user: state.status === 'signed-in' ? state.user : null,
      prefs,
      signIn,
      signOut,
      retry: () => void check(),
      setUser,
      updatePrefs,
    }),
    [state, prefs, signIn, signOut, check, setUser, updatePrefs],
  );
  return <SessionContext.Provider value={api}>{children}</SessionContext.Provider>;
}
