interface Props {
  page: number;
  perPage: number;
  total: number;
  onPage: (page: number) => void;
  label: string;
}

/** Pagination moves between pages of a list and says where you are. */
export function Pagination({ page, perPage, total, onPage, label }: Props) {
  const pages = Math.max(1, Math.ceil(total / perPage));
  return (
    <nav className="pagination" aria-label={label}>
      <button type="button" className="btn btn--secondary btn--small" onClick={() => onPage(page - 1)} disabled={page <= 1}>
        Previous
      </button>
      <span aria-live="polite">
        Page {page} of {pages} · {total} in all
      </span>
      <button
        type="button"
        className="btn btn--secondary btn--small"
        onClick={() => onPage(page + 1)}
        disabled={page >= pages}
      >
        Next
      </button>
    </nav>
  );
}
