import { useEffect, useRef, useState } from 'react';

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Without the Clipboard API (or its permission): a selected textarea.
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.className = 'visually-hidden';
    document.body.appendChild(ta);
    ta.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    ta.remove();
    return ok;
  }
}

interface CopyProps {
  text: string;
  /** What is copied, for screen readers: "Copy the secret". */
  label: string;
  className?: string;
}

/** CopyButton copies text and says so, for eyes and screen readers. */
export function CopyButton({ text, label, className }: CopyProps) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<number>(0);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  async function copy() {
    const ok = await copyText(text);
    setState(ok ? 'copied' : 'failed');
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setState('idle'), 2000);
  }

  return (
    <button type="button" className={'btn btn--secondary btn--small copy ' + (className ?? '')} onClick={copy} aria-label={label}>
      <span aria-hidden="true">{state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy'}</span>
      <span className="visually-hidden" role="status">
        {state === 'copied' ? 'Copied to the clipboard.' : state === 'failed' ? 'Could not copy; select the text and copy it by hand.' : ''}
      </span>
    </button>
  );
}

interface CodeProps {
  code: string;
  label: string;
}

/** CodeBlock shows a snippet with a copy button. */
export function CodeBlock({ code, label }: CodeProps) {
  return (
    <div className="code">
      <pre tabIndex={0} aria-label={label}>
        <code>{code}</code>
      </pre>
      <CopyButton text={code} label={`Copy: ${label}`} className="code__copy" />
    </div>
  );
}

/** CopyField is a read-only value with a copy button. */
export function CopyField({ value, label, id }: { value: string; label: string; id: string }) {
  return (
    <div className="copy-field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-field__row">
        <input id={id} className="input input--mono" value={value} readOnly onFocus={(e) => e.currentTarget.select()} />
        <CopyButton text={value} label={`Copy ${label.toLowerCase()}`} />
      </div>
    </div>
  );
}
