import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { session } from '../../api';
import { unauthorized } from '../../api/client';
import { errorMessage } from '../../api/problem';
import { CopyButton } from '../../components/Copy';
import { Alert } from '../../components/Feedback';
import { Field } from '../../components/Field';
import { formatBytes, formatDuration } from '../../lib/format';
import { forget } from '../../lib/statsLoader';
import { useFunction } from './context';
import { isText, parseHeaders } from './invoke';

interface Result {
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
  body: string | null;
  size: number;
  contentType: string;
  firstByteMS: number;
  totalMS: number;
  executionID: string | null;
  platformDetail: string | null;
}

const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const maxShown = 256 * 1024;

/**
 * InvokeTab calls the function from the browser: through the invoke
 * endpoint as the signed-in owner, or through the HTTP trigger (/fn/…) as
 * an anonymous caller would.
 */
export function InvokeTab() {
  const { fn } = useFunction();
  const [mode, setMode] = useState<'invoke' | 'trigger'>('invoke');
  const [method, setMethod] = useState('POST');
  const [path, setPath] = useState('');
  const [queryText, setQueryText] = useState('');
  const [headerText, setHeaderText] = useState('Content-Type: text/plain');
  const [body, setBody] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<string | null>(null);
  const verb = mode === 'invoke' ? 'POST' : method;
  const noBody = verb === 'GET' || verb === 'HEAD';
  const parsed = parseHeaders(headerText);

  const url =
    (mode === 'invoke' ? fn.invoke_url : fn.trigger_url + path.replace(/^\/+/, '')) +
    (queryText.trim() ? '?' + queryText.trim().replace(/^\?/, '') : '');

  async function send(e: FormEvent) {
    e.preventDefault();
    if (parsed.problems.length) {
      setError(parsed.problems.join(' '));
      return;
    }
    setBusy(true);
    setError(null);
    const t0 = performance.now();
    try {
      const res = await fetch(url, {
        method: verb,
        headers: parsed.headers,
        body: noBody ? undefined : body,
        credentials: mode === 'invoke' ? 'same-origin' : 'omit',
        redirect: 'manual',
        cache: 'no-store',
      });
      const t1 = performance.now();
      if (res.type === 'opaqueredirect') {
        setResult(null);
        setError('The function answered with a redirect (3xx). Browsers do not reveal where to; call it with curl to see the Location header.');
        return;
      }
      const buf = verb === 'HEAD' ? new ArrayBuffer(0) : await res.arrayBuffer();
      const t2 = performance.now();
      const contentType = res.headers.get('Content-Type') ?? '';
      let text: string | null = null;
      if (isText(contentType)) {
        text = new TextDecoder().decode(buf.slice(0, maxShown));
        if (/json/.test(contentType)) {
          try {
            text = JSON.stringify(JSON.parse(text), null, 2);
          } catch {
            /* shown as it is */
          }
        }
      }
      // A problem+json answer comes from berth, not from the function.
      let platformDetail: string | null = null;
      if (contentType.startsWith('application/problem+json') && text) {
        try {
          platformDetail = (JSON.parse(text) as { detail?: string }).detail ?? null;
        } catch {
          /* not a problem after all */
        }
      }
      if (res.status === 401 && mode === 'invoke') {
        const c = await session.check().catch(() => null);
        if (c && !c.authenticated) unauthorized();
      }
      setResult({
        status: res.status,
        statusText: res.statusText,
        headers: [...res.headers.entries()],
        body: text,
        size: buf.byteLength,
        contentType,
        firstByteMS: t1 - t0,
        totalMS: t2 - t0,
        executionID: res.headers.get('X-Berth-Execution-Id'),
        platformDetail,
      });
      forget(fn.id);
    } catch (err) {
      setResult(null);
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="stack">
      <section className="card" aria-labelledby="invoke-title">
        <h2 id="invoke-title">Try it</h2>
        {!fn.active_version && <Alert kind="info">Deploy a version first; until then the call is refused.</Alert>}
        <form onSubmit={send} noValidate className="invoke-form">
          <fieldset className="fieldset">
            <legend>Call through</legend>
            <label className="radio">
              <input type="radio" name="mode" checked={mode === 'invoke'} onChange={() => setMode('invoke')} />
              <span>
                <strong>The invoke endpoint</strong> — <code>POST {fn.invoke_url}</code>, as you (the owner).
              </span>
            </label>
            <label className="radio">
              <input type="radio" name="mode" checked={mode === 'trigger'} onChange={() => setMode('trigger')} />
              <span>
                <strong>The HTTP trigger</strong> — any method on <code>{fn.trigger_url}…</code>, as an anonymous caller.
                {fn.settings.visibility === 'private' && ' This function is private, so berth answers 401 unless you make it public.'}
              </span>
            </label>
          </fieldset>
          <div className="grid-3">
            <Field label="Method">
              <select className="select" value={verb} onChange={(e) => setMethod(e.target.value)} disabled={mode === 'invoke'}>
                {methods.map((m) => (
                  <option key={m}>{m}</option>
                ))}
              </select>
            </Field>
            <Field label="Path" hint={mode === 'trigger' ? 'The function sees it as PATH_INFO.' : 'Only for the HTTP trigger.'}>
              <input
                className="input input--mono"
                value={mode === 'trigger' ? path : '/'}
                onChange={(e) => setPath(e.target.value)}
                disabled={mode === 'invoke'}
                placeholder="greet"
              />
            </Field>
            <Field label="Query string" hint="Without the “?”: name=Ada&lang=en">
              <input className="input input--mono" value={queryText} onChange={(e) => setQueryText(e.target.value)} />
            </Field>
          </div>
          <Field label="Headers" hint="One per line, as Name: value." error={parsed.problems[0] ?? null}>
            <textarea className="textarea input--mono" rows={3} value={headerText} onChange={(e) => setHeaderText(e.target.value)} spellCheck={false} />
          </Field>
          <Field label="Body" hint={noBody ? `${verb} requests have no body.` : 'Sent as it is, up to 6 MiB.'}>
            <textarea className="textarea input--mono" rows={5} value={body} onChange={(e) => setBody(e.target.value)} disabled={noBody} spellCheck={false} />
          </Field>
          <div className="form-actions">
            <code className="invoke-form__line">
              {verb} {url}
            </code>
            <button type="submit" className="btn btn--primary" disabled={busy} aria-busy={busy}>
              {busy ? 'Calling…' : 'Send'}
            </button>
          </div>
        </form>
      </section>

      <section className="card response" aria-labelledby="response-title">
        <h2 id="response-title">Response</h2>
        <div aria-live="polite" className="response__summary" data-testid="invoke-summary">
          {busy ? (
            <p>Calling {fn.name}…</p>
          ) : error ? (
            <div className="alert alert--error" role="alert">
              {error}
            </div>
          ) : result ? (
            <p>
              <span className={'badge ' + (result.status < 400 ? 'badge--success' : 'badge--danger')} data-testid="invoke-status">
                {result.status} {result.statusText}
              </span>{' '}
              in <strong>{formatDuration(result.totalMS)}</strong> (first byte after {formatDuration(result.firstByteMS)}),{' '}
              {formatBytes(result.size)}.
              {result.executionID && (
                <>
                  {' '}
                  <Link to={`../executions?execution=${result.executionID}`} relative="path">
                    See the execution
                  </Link>
                  .
                </>
              )}
            </p>
          ) : (
            <p className="muted">Send a request to see the status, headers, body and timing here.</p>
          )}
        </div>
        {result?.platformDetail && (
          <div className="alert alert--error">
            <strong>berth refused or the function failed: </strong>
            {result.platformDetail}
          </div>
        )}
        {result && (
          <div className="grid-2 response__parts">
            <div>
              <h3>Headers</h3>
              <dl className="headers">
                {result.headers.map(([k, v]) => (
                  <div key={k}>
                    <dt>{k}</dt>
                    <dd>{v}</dd>
                  </div>
                ))}
              </dl>
            </div>
            <div>
              <div className="section-head">
                <h3>Body</h3>
                {result.body != null && result.body !== '' && <CopyButton text={result.body} label="Copy the response body" />}
              </div>
              {result.body == null ? (
                <p className="muted">
                  {formatBytes(result.size)} of {result.contentType || 'binary data'}: not shown as text.
                </p>
              ) : result.body === '' ? (
                <p className="muted">Empty.</p>
              ) : (
                <pre className="log response__body" tabIndex={0} data-testid="invoke-body" aria-label="Response body">
                  {result.body}
                  {result.size > maxShown && `\n… ${formatBytes(result.size - maxShown)} more`}
                </pre>
              )}
            </div>
          </div>
        )}
      </section>
    </div>
  );
}
