import { useEffect, useState } from 'react';
import { formatDateTime, formatRelative } from '../lib/format';

const words: Record<string, string> = {
  initialized: 'Not deployed',
  active: 'Active',
  pending_deletion: 'Deletion scheduled',
  building: 'Building',
  ready: 'Ready',
  failed: 'Failed',
  success: 'Success',
  error: 'Error',
  timeout: 'Timeout',
  out_of_memory: 'Out of memory',
  rejected: 'Rejected',
  revoked: 'Revoked',
  expired: 'Expired',
  blocked: 'Blocked',
  deleted: 'Deleted',
  failure: 'Failure',
  up: 'Up',
  down: 'Down',
  unknown: 'Unknown',
};

const tone: Record<string, string> = {
  active: 'success',
  ready: 'success',
  success: 'success',
  initialized: 'neutral',
  building: 'info',
  pending_deletion: 'warning',
  expired: 'warning',
  rejected: 'warning',
  revoked: 'neutral',
  deleted: 'neutral',
  blocked: 'danger',
  failure: 'danger',
  failed: 'danger',
  error: 'danger',
  timeout: 'danger',
  out_of_memory: 'danger',
  up: 'success',
  down: 'danger',
  unknown: 'neutral',
};

/** StatusBadge names a status in words, with colour as a second cue only. */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge--${tone[status] ?? 'neutral'}`}>{words[status] ?? status}</span>;
}

/** statusWord is a status in words. */
export const statusWord = (s: string) => words[s] ?? s;

/** Time shows "3 minutes ago", with the exact time as a tooltip, kept fresh. */
export function Time({ iso }: { iso?: string }) {
  const [, tick] = useState(0);
  useEffect(() => {
    const t = window.setInterval(() => tick((n) => n + 1), 30000);
    return () => window.clearInterval(t);
  }, []);
  if (!iso) return <span>—</span>;
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {formatRelative(iso)}
    </time>
  );
}
