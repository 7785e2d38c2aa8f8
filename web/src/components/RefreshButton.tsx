import type { AsyncState } from '../lib/useAsync';

/** RefreshButton loads a list again; it waits while the list is loading. */
export function RefreshButton({ list }: { list: Pick<AsyncState<unknown>, 'reload' | 'loading'> }) {
  return (
    <button type="button" className="btn btn--secondary btn--small" onClick={() => void list.reload()} disabled={list.loading}>
      Refresh
    </button>
  );
}
