import type { ReactNode } from 'react';
import { CopyButton } from './Copy';

interface Props {
  /** What the secret belongs to: "API key" or "keypair". */
  kind: string;
  idLabel: string;
  id: string;
  secret: string;
  onDone: () => void;
  children?: ReactNode;
}

/**
 * SecretOnce shows a new secret, the only time berth ever will. The secret
 * lives in component state only, and goes when the user says they have it.
 */
export function SecretOnce({ kind, idLabel, id, secret, onDone, children }: Props) {
  return (
    <section className="secret-once" aria-labelledby="secret-once-title">
      <h3 id="secret-once-title">Copy the secret of your new {kind} now</h3>
      <p className="secret-once__warning">
        This is the only time it is shown: berth stores it encrypted and never displays it again. If you lose it, create
        a new {kind}.
      </p>
      <dl className="secret-once__values">
        <dt>{idLabel}</dt>
        <dd>
          <code data-testid="secret-id">{id}</code>
          <CopyButton text={id} label={`Copy the ${idLabel.toLowerCase()}`} />
        </dd>
        <dt>Secret</dt>
        <dd>
          <code className="secret-once__secret" data-testid="secret-value">
            {secret}
          </code>
          <CopyButton text={secret} label="Copy the secret" />
        </dd>
      </dl>
      {children}
      <button type="button" className="btn btn--primary" onClick={onDone}>
        I have copied the secret
      </button>
    </section>
  );
}
