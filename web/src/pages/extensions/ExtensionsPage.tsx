import { Link } from 'react-router';
import { extensions } from '../../api';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Empty, Loading } from '../../components/Feedback';
import { PluginIcon } from '../../components/PluginIcon';
import { RefreshButton } from '../../components/RefreshButton';
import { StatusBadge } from '../../components/Status';
import { useAsync } from '../../lib/useAsync';
import { usePageTitle } from '../../lib/usePageTitle';
import { useSession } from '../../session/Session';
import { isAdmin } from '../admin/access';

/**
 * ExtensionsPage lists the plugins the signed-in user may use: the
 * services beside berth that describe themselves with a manifest.
 */
export default function ExtensionsPage() {
  usePageTitle('Extensions');
  const { user } = useSession();
  const list = useAsync((signal) => extensions.plugins(signal), []);

  return (
    <section aria-labelledby="extensions-title">
      <div className="page-head">
        <h1 id="extensions-title">Extensions</h1>
        <RefreshButton list={list} />
      </div>
      {list.error ? (
        <ErrorAlert error={list.error} title="The extensions could not be loaded." />
      ) : !list.data ? (
        <Loading label="Loading the extensions…" />
      ) : list.data.items.length === 0 ? (
        <Empty title="No extension is available to you.">
          <p>
            Administrators add services in berth.toml or in{' '}
            {isAdmin(user) ? <Link to="/admin/services">Admin › Services</Link> : 'Admin › Services'}; a plugin you may use
            appears here.
          </p>
        </Empty>
      ) : (
        <ul className="plain-list" data-testid="plugins">
          {list.data.items.map((p) => (
            <li key={p.id} className="card card--inset plugin-card" data-plugin={p.id}>
              <PluginIcon icon={p.icon} />
              <div className="plugin-card__body">
                <h2 className="plugin-card__name">
                  <Link to={`/extensions/${encodeURIComponent(p.id)}`}>{p.name}</Link>{' '}
                  <span className="muted">{p.version}</span>
                </h2>
                {p.description && <p className="plugin-card__description">{p.description}</p>}
              </div>
              <span className="plugin-card__status">
                <span className="visually-hidden">Health: </span>
                <StatusBadge status={p.status} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
