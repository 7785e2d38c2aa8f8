import { useState } from 'react';
import { admin } from '../../../api';
import type { UserSessions } from '../../../api/types';
import { ConfirmDialog } from '../../../components/ConfirmDialog';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { Empty, Skeleton } from '../../../components/Feedback';
import { RefreshButton } from '../../../components/RefreshButton';
import { Time } from '../../../components/Status';
import { useToast } from '../../../components/Toasts';
import { useAsync } from '../../../lib/useAsync';
import { ActionButton } from '../access';

type Kind = 'Browser session' | 'Keypair' | 'API login';

/** nouns name each kind in a sentence. */
const nouns: Record<Kind, string> = { 'Browser session': 'browser session', Keypair: 'keypair', 'API login': 'API login' };

/** Session is one row: a web session, a keypair or a login, as one shape. */
interface Session {
  id: string;
  kind: Kind;
  label: string;
  created: string;
  lastUsed?: string;
  expires?: string;
}

/** sessionRows flattens the three lists the API answers with. */
export function sessionRows(s: UserSessions): Session[] {
  return [
    ...s.web_sessions.map((k) => ({ id: k.access_key, kind: 'Browser session' as const, label: k.name, created: k.created_at, lastUsed: k.last_used_at, expires: k.expires_at })),
    ...s.keypairs.map((k) => ({ id: k.access_key, kind: 'Keypair' as const, label: k.name, created: k.created_at, lastUsed: k.last_used_at, expires: k.expires_at })),
    ...s.logins.map((l) => ({ id: l.id, kind: 'API login' as const, label: l.client_addr ?? '', created: l.created_at, expires: l.expires_at })),
  ];
}

interface Props {
  userID: string;
  /** Reloads the list when it changes (a block ends every session). */
  changes: number;
}

/** SessionsCard lists what the account is signed in with, and ends one of them. */
export function SessionsCard({ userID, changes }: Props) {
  const list = useAsync((signal) => admin.sessions(userID, signal), [userID, changes]);
  const [ending, setEnding] = useState<Session | null>(null);
  const { notify } = useToast();
  const rows = list.data ? sessionRows(list.data) : [];

  return (
    <section className="card" aria-labelledby="sessions-title">
      <div className="section-head">
        <h2 id="sessions-title">Sessions</h2>
        <RefreshButton list={list} />
      </div>
      <p className="muted">What the account is signed in with: browsers, CLI and SDK keypairs, and API logins. Ending one stops it at once.</p>
      <ErrorAlert error={list.error} title="The sessions could not be loaded." />
      {list.loading && !list.data ? (
        <Skeleton lines={3} height="2.25rem" />
      ) : rows.length === 0 ? (
        !list.error && <Empty title="Not signed in anywhere" />
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="sessions">
            <caption className="visually-hidden">Sessions of this account</caption>
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Name or address</th>
                <th scope="col" className="hide-narrow">
                  Id
                </th>
                <th scope="col">Started</th>
                <th scope="col" className="hide-narrow">
                  Last used
                </th>
                <th scope="col" className="hide-narrow">
                  Expires
                </th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <tr key={s.id} data-session={s.id} data-kind={s.kind}>
                  <th scope="row">{s.kind}</th>
                  <td>{s.label || <span className="muted">—</span>}</td>
                  <td className="hide-narrow">
                    <code>{s.id}</code>
                  </td>
                  <td>
                    <Time iso={s.created} />
                  </td>
                  <td className="hide-narrow">{s.lastUsed ? <Time iso={s.lastUsed} /> : <span className="muted">—</span>}</td>
                  <td className="hide-narrow">{s.expires ? <Time iso={s.expires} /> : <span className="muted">never</span>}</td>
                  <td className="cell-actions">
                    <ActionButton className="btn btn--secondary btn--small text-danger" onClick={() => setEnding(s)} aria-label={`End ${nouns[s.kind]} ${s.id}`}>
                      End
                    </ActionButton>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={ending != null}
        title={`End this ${ending ? nouns[ending.kind] : 'session'}?`}
        confirmLabel="End it"
        danger
        onClose={() => setEnding(null)}
        onConfirm={async () => {
          if (!ending) return;
          await admin.endSession(userID, ending.id);
          list.setData((d) => ({
            web_sessions: (d?.web_sessions ?? []).filter((k) => k.access_key !== ending.id),
            keypairs: (d?.keypairs ?? []).filter((k) => k.access_key !== ending.id),
            logins: (d?.logins ?? []).filter((l) => l.id !== ending.id),
          }));
          notify(`The ${nouns[ending.kind]} is ended; what used it is refused from now on.`);
        }}
      >
        <p>
          <code>{ending?.id}</code> stops working at once. The user can sign in again unless the account is blocked.
        </p>
      </ConfirmDialog>
    </section>
  );
}
