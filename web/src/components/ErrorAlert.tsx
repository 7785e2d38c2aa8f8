import { ApiError, errorMessage } from '../api/problem';

interface Props {
  error: unknown;
  /** Words before the message, e.g. "The settings were not saved." */
  title?: string;
  /** Field errors shown next to their inputs, left out of the list here. */
  shownFields?: string[];
  className?: string;
}

/** ErrorAlert shows what went wrong, in words: the problem's detail first. */
export function ErrorAlert({ error, title, shownFields = [], className }: Props) {
  if (!error) return null;
  const fields =
    error instanceof ApiError
      ? Object.entries(error.fieldErrors).filter(([f]) => !shownFields.includes(f))
      : [];
  const retry = error instanceof ApiError && error.status === 429 && error.retryAfter ? error.retryAfter : 0;
  return (
    <div className={'alert alert--error ' + (className ?? '')} role="alert">
      {title && <strong className="alert__title">{title} </strong>}
      <span>{errorMessage(error)}</span>
      {retry > 0 && !/minute|second/.test(errorMessage(error)) && (
        <span> Try again in {retry < 90 ? `${retry} seconds` : `${Math.ceil(retry / 60)} minutes`}.</span>
      )}
      {fields.length > 0 && (
        <ul className="alert__list">
          {fields.map(([f, m]) => (
            <li key={f}>
              <code>{f}</code>: {m}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
