import { useMemo } from 'react';
import { usePageTitle } from '../../lib/usePageTitle';
import { ErrorsPanel } from './system/ErrorsPanel';
import { FunctionNames, useFunctionList } from './system/functions';
import { HistoryPanel } from './system/HistoryPanel';
import { LoadPanel } from './system/LoadPanel';
import { LogsPanel } from './system/LogsPanel';

/**
 * SystemPage is Admin › System: the platform's load now and over time, its recent errors and
 * every function's log lines. It only reads, so viewers see all of it.
 */
export function SystemPage() {
  usePageTitle('System · Administration');
  const list = useFunctionList();
  const names = useMemo(() => new Map((list.data?.items ?? []).map((f) => [f.id, f])), [list.data]);
  return (
    <FunctionNames.Provider value={names}>
      <section className="stack" aria-labelledby="system-title">
        <div className="page-head">
          <h2 id="system-title">System</h2>
        </div>
        <LoadPanel />
        <HistoryPanel />
        <ErrorsPanel />
        <LogsPanel />
      </section>
    </FunctionNames.Provider>
  );
}
