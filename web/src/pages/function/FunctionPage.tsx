import { Link, NavLink, Outlet, Route, Routes, useParams } from 'react-router';
import { functions } from '../../api';
import { ApiError } from '../../api/problem';
import type { Fn } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Skeleton } from '../../components/Feedback';
import { StatusBadge } from '../../components/Status';
import { useAsync } from '../../lib/useAsync';
import { usePageTitle } from '../../lib/usePageTitle';
import NotFoundPage from '../NotFoundPage';
import type { FunctionContext } from './context';
import { DeletionBanner } from './DeletionBanner';
import { DeployTab } from './DeployTab';
import { ExecutionsTab } from './ExecutionsTab';
import { InvokeTab } from './InvokeTab';
import { KeysTab } from './KeysTab';
import { LogsTab } from './LogsTab';
import { MetricsTab } from './MetricsTab';
import { OverviewTab } from './OverviewTab';

const tabs = [
  { to: '', label: 'Overview' },
  { to: 'deploy', label: 'Deployments' },
  { to: 'invoke', label: 'Invoke' },
  { to: 'executions', label: 'Executions' },
  { to: 'logs', label: 'Logs' },
  { to: 'metrics', label: 'Metrics' },
  { to: 'keys', label: 'API keys' },
];

/** FunctionPage is one function, with a section per tab. */
export default function FunctionPage() {
  const { id = '' } = useParams();
  const fn = useAsync((signal) => functions.get(id, signal), [id]);
  usePageTitle(fn.data?.name ?? 'Function');
  const setFn = fn.setData as (f: Fn) => void;

  if (fn.error && !fn.data) {
    const gone = fn.error instanceof ApiError && fn.error.status === 404;
    return (
      <section className="card">
        <h1>{gone ? 'No such function' : 'The function could not be loaded'}</h1>
        <ErrorAlert error={fn.error} />
        {gone && <p>It may have been deleted, or it belongs to someone else.</p>}
        <div className="form-actions form-actions--start">
          <Link to="/functions" className="btn btn--secondary">
            Back to your functions
          </Link>
          {!gone && (
            <button type="button" className="btn btn--primary" onClick={() => void fn.reload()}>
              Try again
            </button>
          )}
        </div>
      </section>
    );
  }

  const f = fn.data;
  const ctx: FunctionContext | null = f ? { fn: f, setFn, reload: fn.reload } : null;
  const base = `/functions/${encodeURIComponent(id)}`;

  return (
    <section aria-labelledby="fn-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/functions">Functions</Link> <span aria-hidden="true">/</span> <span>{f?.name ?? '…'}</span>
      </nav>
      <div className="page-head fn-head">
        <h1 id="fn-title" className="fn-head__name">
          {f ? f.name : <Skeleton />}
        </h1>
        <div className="fn-head__meta">
          {f && (
            <>
              <StatusBadge status={f.status} />
              <span>{f.active_version ? `Version ${f.active_version} is live` : 'No version deployed'}</span>
              <span className="muted">{f.runtime === 'wasm' ? 'WebAssembly' : 'Container'}</span>
              <span className="muted">{f.settings.visibility === 'public' ? 'Public' : 'Private'}</span>
            </>
          )}
        </div>
      </div>
      {f?.description && <p className="fn-description">{f.description}</p>}
      {ctx && f?.status === 'pending_deletion' && <DeletionBanner {...ctx} />}
      <nav className="tabs" aria-label="Function sections">
        {tabs.map((t) => (
          <NavLink key={t.to} to={t.to ? `${base}/${t.to}` : base} end className="tabs__tab">
            {t.label}
          </NavLink>
        ))}
      </nav>
      <div className="tab-panel">
        {ctx ? (
          <Routes>
            <Route element={<Outlet context={ctx} />}>
              <Route index element={<OverviewTab />} />
              <Route path="deploy" element={<DeployTab />} />
              <Route path="invoke" element={<InvokeTab />} />
              <Route path="executions" element={<ExecutionsTab />} />
              <Route path="logs" element={<LogsTab />} />
              <Route path="metrics" element={<MetricsTab />} />
              <Route path="keys" element={<KeysTab />} />
              <Route path="*" element={<NotFoundPage />} />
            </Route>
          </Routes>
        ) : (
          <Skeleton lines={8} />
        )}
      </div>
    </section>
  );
}
