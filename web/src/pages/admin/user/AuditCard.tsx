import { useState } from 'react';
import { admin } from '../../../api';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { Empty, Skeleton } from '../../../components/Feedback';
import { Pagination } from '../../../components/Pagination';
import { RefreshButton } from '../../../components/RefreshButton';
import { StatusBadge, Time } from '../../../components/Status';
import { useAsync } from '../../../lib/useAsync';

export const auditPerPage = 20;

/**
 * AuditCard is the account's audit trail, newest first: what it did and
 * what administrators did to it (the audit log's subject filter).
 */
export function AuditCard({ userID }: { userID: string }) {
  const [page, setPage] = useState(1);
  const list = useAsync((signal) => admin.audit({ subject: userID, page, per_page: auditPerPage }, signal), [userID, page]);
  const items = list.data?.items ?? [];

  return (
    <section className="card" aria-labelledby="audit-title">
      <div className="section-head">
        <h2 id="audit-title">Audit trail</h2>
        <RefreshButton list={list} />
      </div>
      <p className="muted">What this account did and what administrators did to it, newest first.</p>
      <ErrorAlert error={list.error} title="The audit trail could not be loaded." />
      {list.loading && !list.data ? (
        <Skeleton lines={4} height="2.25rem" />
      ) : items.length === 0 ? (
        !list.error && <Empty title="Nothing recorded yet" />
      ) : (
        <div className="table-scroll">
          <table className="table table--compact" data-testid="audit" aria-busy={list.loading}>
            <caption className="visually-hidden">Audit trail of this account, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Outcome</th>
                <th scope="col" className="hide-narrow">
                  Target
                </th>
                <th scope="col" className="hide-narrow">
                  From
                </th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.id} data-action={e.action}>
                  <td>
                    <Time iso={e.at} />
                  </td>
                  <th scope="row">
                    <code>{e.action}</code>
                  </th>
                  <td>
                    <StatusBadge status={e.outcome} />
                  </td>
                  <td className="hide-narrow">{e.target ? <code>{e.target}</code> : <span className="muted">—</span>}</td>
                  <td className="hide-narrow">{e.client_addr || <span className="muted">—</span>}</td>
                  <td className="cell-detail">{e.detail || <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.data && list.data.total > auditPerPage && (
        <Pagination page={page} perPage={auditPerPage} total={list.data.total} onPage={setPage} label="Pages of the audit trail" />
      )}
    </section>
  );
}
