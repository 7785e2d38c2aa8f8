import { ErrorAlert } from '../components/ErrorAlert';
import { useSession } from '../session/Session';

/** Unreachable is shown when the server cannot say who is signed in. */
export function Unreachable() {
  const { state, retry } = useSession();
  return (
    <main className="center-page">
      <div className="card card--narrow">
        <h1>berth is not answering</h1>
        <ErrorAlert error={state.status === 'unreachable' ? state.error : null} />
        <p>Your work is safe on the server. Check your connection, then try again.</p>
        <button type="button" className="btn btn--primary" onClick={retry}>
          Try again
        </button>
      </div>
    </main>
  );
}
