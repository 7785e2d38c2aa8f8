import { cloneElement, useId, type ReactElement, type ReactNode } from 'react';

interface Props {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | null;
  /** The input, select or textarea; it gets id, aria-describedby and aria-invalid. */
  children: ReactElement<Record<string, unknown>>;
  className?: string;
}

/** Field labels a control and ties its hint and error to it. */
export function Field({ label, hint, error, children, className }: Props) {
  const generated = useId();
  const id = (children.props.id as string | undefined) ?? generated;
  const hintID = hint ? id + '-hint' : undefined;
  const errorID = error ? id + '-error' : undefined;
  const describedBy = [hintID, errorID].filter(Boolean).join(' ') || undefined;
  return (
    <div className={'field ' + (error ? 'field--invalid ' : '') + (className ?? '')}>
      <label htmlFor={id} className="field__label">
        {label}
      </label>
      {cloneElement(children, { id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined })}
      {hint && (
        <p id={hintID} className="field__hint">
          {hint}
        </p>
      )}
      <p id={errorID} className="field__error" aria-live="polite">
        {error ?? ''}
      </p>
    </div>
  );
}
