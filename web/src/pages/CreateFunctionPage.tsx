import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { functions } from '../api';
import { ApiError } from '../api/problem';
import { ErrorAlert } from '../components/ErrorAlert';
import { Field } from '../components/Field';
import { useToast } from '../components/Toasts';
import { functionNameProblem } from '../lib/names';
import { usePageTitle } from '../lib/usePageTitle';

/** useNameCheck says what is wrong with a function name as it is typed, taken names included. */
export function useNameCheck(name: string) {
  const [taken, setTaken] = useState<string | null>(null);
  const problem = functionNameProblem(name);
  useEffect(() => {
    setTaken(null);
    if (problem) return;
    const ctrl = new AbortController();
    const t = window.setTimeout(() => {
      functions
        .list({ name, per_page: 100 }, ctrl.signal)
        .then((page) => {
          if (page.items.some((f) => f.name === name)) setTaken(name);
        })
        .catch(() => {
          /* the server checks again on create */
        });
    }, 300);
    return () => {
      window.clearTimeout(t);
      ctrl.abort();
    };
  }, [name, problem]);
  return problem ?? (taken === name ? `You already have a function named ${name}.` : null);
}

/** CreateFunctionPage creates a function (init), then goes on to deploy it. */
export default function CreateFunctionPage() {
  usePageTitle('New function');
  const navigate = useNavigate();
  const { notify } = useToast();
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);
  const [runtime, setRuntime] = useState('wasm');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const nameProblem = useNameCheck(name);
  const serverFields = error instanceof ApiError ? error.fieldErrors : {};

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (nameProblem) {
      document.getElementById('fn-name')?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const f = await functions.init(name, runtime, description.trim());
      notify(`${f.name} is created. Upload its code to make it live.`);
      navigate(`/functions/${f.id}/deploy`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  const shownNameError = (touched || name !== '') && nameProblem ? nameProblem : serverFields.name;

  return (
    <section className="card card--form" aria-labelledby="create-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/functions">Functions</Link> <span aria-hidden="true">/</span> <span>New</span>
      </nav>
      <h1 id="create-title">New function</h1>
      <form onSubmit={submit} noValidate>
        <ErrorAlert error={error} title="The function was not created." shownFields={['name', 'description']} />
        <Field
          label="Name"
          error={shownNameError}
          hint="A lower-case DNS label: a–z, 0–9 and hyphens, up to 63 characters. It names the function in the CLI."
        >
          <input
            className="input input--mono"
            id="fn-name"
            name="name"
            autoComplete="off"
            spellCheck={false}
            autoCapitalize="none"
            required
            maxLength={80}
            value={name}
            onChange={(e) => setName(e.target.value)}
            onBlur={() => setTouched(true)}
            placeholder="hello"
          />
        </Field>
        <Field label="Runtime" hint="WebAssembly runs everywhere berth runs; containers need a container engine on the server.">
          <select className="select" value={runtime} onChange={(e) => setRuntime(e.target.value)}>
            <option value="wasm">WebAssembly (wasm)</option>
            <option value="container">Container</option>
          </select>
        </Field>
        <Field label="Description (optional)" error={serverFields.description} hint="Up to 500 characters, on one line.">
          <input className="input" maxLength={500} value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
        <div className="form-actions">
          <Link to="/functions" className="btn btn--secondary">
            Cancel
          </Link>
          <button type="submit" className="btn btn--primary" disabled={busy} aria-busy={busy}>
            {busy ? 'Creating…' : 'Create function'}
          </button>
        </div>
      </form>
    </section>
  );
}
