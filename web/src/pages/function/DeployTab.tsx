import { useRef, useState, type DragEvent } from 'react';
import { artefactType, deploy, functions, type Upload } from '../../api';
import type { Deployment } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Alert, Empty, Skeleton } from '../../components/Feedback';
import { RefreshButton } from '../../components/RefreshButton';
import { StatusBadge, Time } from '../../components/Status';
import { useToast } from '../../components/Toasts';
import { formatBytes } from '../../lib/format';
import { forget } from '../../lib/statsLoader';
import { useAsync } from '../../lib/useAsync';
import { useFunction } from './context';

type Phase =
  | { kind: 'idle' }
  | { kind: 'uploading'; file: File; sent: number; total: number }
  | { kind: 'checking'; file: File }
  | { kind: 'done'; deployment: Deployment }
  | { kind: 'failed'; file?: File; error: unknown };

/** DeployTab uploads a new version (drag and drop or a file picker) and lists the versions. */
export function DeployTab() {
  const { fn, setFn } = useFunction();
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [over, setOver] = useState(false);
  const [page, setPage] = useState(1);
  const upload = useRef<Upload | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const list = useAsync(() => functions.deployments(fn.id, 1, page * 20), [fn.id, page]);
  const [target, setTarget] = useState<Deployment | null>(null);
  const { notify } = useToast();
  const busy = phase.kind === 'uploading' || phase.kind === 'checking';
  const pending = fn.status === 'pending_deletion';

  function start(file: File | undefined) {
    if (!file || busy) return;
    if (!artefactType(file.name)) {
      setPhase({ kind: 'failed', file, error: new Error(`${file.name} is not a module or an archive berth accepts: choose a .wasm module, or a .tar.gz or .zip archive holding one (and optionally a berth.toml).`) });
      return;
    }
    setPhase({ kind: 'uploading', file, sent: 0, total: file.size });
    const u = deploy(fn.id, file, (sent, total) => {
      setPhase(sent >= total ? { kind: 'checking', file } : { kind: 'uploading', file, sent, total });
    });
    upload.current = u;
    u.promise.then(
      (res) => {
        setPhase({ kind: 'done', deployment: res.deployment });
        setFn(res.function);
        forget(fn.id);
        void list.reload();
        notify(`Version ${res.deployment.version} of ${res.function.name} is live.`);
      },
      (error) => {
        setPhase({ kind: 'failed', file, error });
        void list.reload(); // a refused artefact is listed as a failed version
      },
    );
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setOver(false);
    start(e.dataTransfer.files[0]);
  }

  const pct = phase.kind === 'uploading' && phase.total ? Math.round((phase.sent / phase.total) * 100) : 0;
  const items = list.data?.items ?? [];
  const more = list.data ? list.data.total > items.length : false;

  return (
    <div className="stack">
      <section className="card" aria-labelledby="deploy-title">
        <h2 id="deploy-title">Deploy a new version</h2>
        {pending && <Alert kind="warning">This function is scheduled for deletion: cancel the deletion to deploy.</Alert>}
        <div
          className={'dropzone' + (over ? ' dropzone--over' : '') + (busy || pending ? ' dropzone--busy' : '')}
          onDragOver={(e) => {
            e.preventDefault();
            if (!busy && !pending) setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={onDrop}
        >
          <svg viewBox="0 0 24 24" width="32" height="32" aria-hidden="true" className="dropzone__icon">
            <path d="M12 3l5 5h-3v6h-4V8H7zM5 17h14v3H5z" />
          </svg>
          <p>
            <strong>Drop a file here</strong>, or{' '}
            <label className="link-button">
              choose one
              <input
                ref={input}
                type="file"
                className="visually-hidden"
                accept=".wasm,.tar.gz,.tgz,.zip,application/wasm,application/gzip,application/zip"
                disabled={busy || pending}
                data-testid="deploy-input"
                onChange={(e) => {
                  start(e.target.files?.[0]);
                  e.target.value = '';
                }}
              />
            </label>
            .
          </p>
          <p className="muted">
            A WebAssembly module (<code>.wasm</code>) built as a WASI command, or a <code>.tar.gz</code> / <code>.zip</code> with a
            module and an optional <code>berth.toml</code>. Up to 64 MiB.
          </p>
        </div>

        <div className="deploy-status" aria-live="polite">
          {phase.kind === 'uploading' && (
            <div className="progress">
              <label htmlFor="deploy-progress">
                Uploading {phase.file.name}: {pct} % ({formatBytes(phase.sent)} of {formatBytes(phase.total)})
              </label>
              <progress id="deploy-progress" max={100} value={pct} />
              <button type="button" className="btn btn--secondary btn--small" onClick={() => upload.current?.abort()}>
                Cancel upload
              </button>
            </div>
          )}
          {phase.kind === 'checking' && (
            <div className="progress">
              <label htmlFor="deploy-progress">Uploaded {phase.file.name}. berth is checking and compiling it…</label>
              <progress id="deploy-progress" />
            </div>
          )}
          {phase.kind === 'done' && (
            <Alert kind="success">
              Version {phase.deployment.version} is live ({formatBytes(phase.deployment.size)}, sha256{' '}
              <code>{phase.deployment.sha256.slice(0, 12)}</code>).
            </Alert>
          )}
          {phase.kind === 'failed' && (
            <ErrorAlert error={phase.error} title={`${phase.file?.name ?? 'The file'} was not deployed; the live version is unchanged.`} />
          )}
        </div>
      </section>

      <section className="card" aria-labelledby="versions-title">
        <div className="section-head">
          <h2 id="versions-title">Versions</h2>
          <RefreshButton list={list} />
        </div>
        <ErrorAlert error={list.error} title="The versions could not be loaded." />
        {list.loading && !list.data ? (
          <Skeleton lines={3} height="2.5rem" />
        ) : items.length === 0 ? (
          <Empty title="No version yet">
            <p>Upload a module above; each upload becomes a new, numbered version.</p>
          </Empty>
        ) : (
          <div className="table-scroll">
            <table className="table" data-testid="deployments">
              <caption className="visually-hidden">Versions of {fn.name}, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Status</th>
                  <th scope="col">Size</th>
                  <th scope="col" className="hide-narrow">SHA-256</th>
                  <th scope="col">Uploaded</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((d) => (
                  <tr key={d.version} data-version={d.version} className={d.active ? 'row--active' : undefined}>
                    <th scope="row">
                      v{d.version} {d.active && <span className="badge badge--info">Live</span>}
                    </th>
                    <td>
                      <StatusBadge status={d.status} />
                      {d.error && <div className="cell-error">{d.error}</div>}
                    </td>
                    <td>{formatBytes(d.size)}</td>
                    <td className="hide-narrow">
                      <code title={d.sha256}>{d.sha256.slice(0, 12)}</code>
                    </td>
                    <td>
                      <Time iso={d.created_at} />
                    </td>
                    <td className="cell-actions">
                      {d.status === 'ready' && !d.active && (
                        <button
                          type="button"
                          className="btn btn--secondary btn--small"
                          onClick={() => setTarget(d)}
                          disabled={pending}
                        >
                          {fn.active_version && d.version < fn.active_version ? `Roll back to v${d.version}` : `Activate v${d.version}`}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {more && (
          <button type="button" className="btn btn--secondary" onClick={() => setPage((p) => p + 1)} disabled={list.loading}>
            Show older versions
          </button>
        )}
      </section>

      <ConfirmDialog
        open={target != null}
        title={target ? `Make version ${target.version} live?` : ''}
        confirmLabel={target ? `Make v${target.version} live` : 'Confirm'}
        onClose={() => setTarget(null)}
        onConfirm={async () => {
          if (!target) return;
          const f = await functions.rollback(fn.id, target.version);
          setFn(f);
          await list.reload();
          notify(`Version ${target.version} of ${f.name} is live.`);
        }}
      >
        <p>
          Calls will be served by version {target?.version} instead of version {fn.active_version}, from the next call on.
          You can switch back at any time.
        </p>
      </ConfirmDialog>
    </div>
  );
}
