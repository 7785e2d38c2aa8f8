import type { ReactNode } from 'react';

/** Spinner is a small busy indicator with words for screen readers. */
export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <span className="spinner" role="status">
      <span className="spinner__ring" aria-hidden="true" />
      <span className="visually-hidden">{label}</span>
    </span>
  );
}

/** Skeleton reserves the space of content that is loading. */
export function Skeleton({ lines = 1, height }: { lines?: number; height?: string }) {
  return (
    <div className="skeleton" aria-hidden="true">
      {Array.from({ length: lines }, (_, i) => (
        <div key={i} className="skeleton__line" style={height ? { height } : undefined} />
      ))}
    </div>
  );
}

/** Loading fills a block of a given height while it loads. */
export function Loading({ label = 'Loading…', minHeight = '8rem' }: { label?: string; minHeight?: string }) {
  return (
    <div className="loading" style={{ minHeight }}>
      <Spinner label={label} />
      <span aria-hidden="true">{label}</span>
    </div>
  );
}

/** Empty says there is nothing yet, and what to do about it. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty__title">{title}</p>
      {children}
    </div>
  );
}

/** Alert is a block of information, success or warning. */
export function Alert({ kind, children, live }: { kind: 'info' | 'success' | 'warning'; children: ReactNode; live?: boolean }) {
  return (
    <div className={`alert alert--${kind}`} role={live ? 'status' : undefined}>
      {children}
    </div>
  );
}
