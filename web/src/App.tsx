// Routes. Sign-in and the functions list are in the first download; the
// other pages load when first visited.
import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { Loading } from './components/Feedback';
import { ToastProvider } from './components/Toasts';
import { signInPath } from './lib/next';
import { FunctionsPage } from './pages/FunctionsPage';
import { Shell } from './pages/Shell';
import { SignInPage } from './pages/SignInPage';
import { SessionProvider, useSession } from './session/Session';
import { Unreachable } from './pages/Unreachable';

const RegisterPage = lazy(() => import('./pages/RegisterPage'));
const EarlyAccessRequestPage = lazy(() => import('./pages/EarlyAccessRequestPage'));
const ForgotPasswordPage = lazy(() => import('./pages/ForgotPasswordPage'));
const ResetPasswordPage = lazy(() => import('./pages/ResetPasswordPage'));
const CreateFunctionPage = lazy(() => import('./pages/CreateFunctionPage'));
const FunctionPage = lazy(() => import('./pages/function/FunctionPage'));
const ProfilePage = lazy(() => import('./pages/ProfilePage'));
const ExtensionsPage = lazy(() => import('./pages/extensions/ExtensionsPage'));
const PluginPage = lazy(() => import('./pages/extensions/PluginPage'));
const AdminPage = lazy(() => import('./pages/admin/AdminPage'));
const NotFoundPage = lazy(() => import('./pages/NotFoundPage'));
const ChoosePasswordPage = lazy(() => import('./pages/ChoosePasswordPage'));
const VerifyEmailPage = lazy(() => import('./pages/VerifyEmailPage'));

/** RequireAuth shows its children to a signed-in user, else sends them to sign in. */
function RequireAuth({ children }: { children: ReactNode }) {
  const { state } = useSession();
  const loc = useLocation();
  if (state.status === 'loading') return <Loading label="Checking your session…" minHeight="100vh" />;
  if (state.status === 'unreachable') return <Unreachable />;
  if (state.status === 'anonymous') {
    // The same address the session's own navigation chose, so neither wins a race.
    const to =
      state.reason === 'signed-out'
        ? '/signin?reason=signed-out'
        : signInPath(loc.pathname + loc.search + loc.hash, state.reason);
    return <Navigate to={to} replace />;
  }
  // A temporary password allows nothing but its change.
  if (state.user.password_change_required) return page(<ChoosePasswordPage />);
  // Where addresses must be confirmed, the mailed code comes next.
  if (state.user.email_verification_required) return page(<VerifyEmailPage />);
  return <>{children}</>;
}

const page = (el: ReactNode) => <Suspense fallback={<Loading minHeight="50vh" />}>{el}</Suspense>;

export function App() {
  return (
    <ToastProvider>
      <SessionProvider>
        <Routes>
          <Route path="/signin" element={<SignInPage />} />
          <Route path="/register" element={page(<RegisterPage />)} />
          <Route path="/early-access" element={page(<EarlyAccessRequestPage />)} />
          <Route path="/forgot-password" element={page(<ForgotPasswordPage />)} />
          <Route path="/reset-password" element={page(<ResetPasswordPage />)} />
          <Route
            element={
              <RequireAuth>
                <Shell />
              </RequireAuth>
            }
          >
            <Route index element={<Navigate to="/functions" replace />} />
            <Route path="functions" element={<FunctionsPage />} />
            <Route path="functions/new" element={page(<CreateFunctionPage />)} />
            <Route path="functions/:id/*" element={page(<FunctionPage />)} />
            <Route path="extensions" element={page(<ExtensionsPage />)} />
            <Route path="extensions/:id" element={page(<PluginPage />)} />
            <Route path="profile" element={page(<ProfilePage />)} />
            <Route path="admin/*" element={page(<AdminPage />)} />
            <Route path="*" element={page(<NotFoundPage />)} />
          </Route>
        </Routes>
      </SessionProvider>
    </ToastProvider>
  );
}
