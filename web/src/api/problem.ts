// Errors the dashboard shows: RFC 9457 problems from the server, and the
// failures that never reach it, always in words.

export interface FieldError {
  location?: string;
  message?: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: FieldError[];
}

/** ApiError is a refused or failed request. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  readonly retryAfter?: number;

  constructor(status: number, problem: Problem, retryAfter?: number) {
    super(describeProblem(status, problem));
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  /** code is the problem type without its urn:berth:problem: prefix. */
  get code(): string {
    return (this.problem.type ?? '').replace(/^urn:berth:problem:/, '');
  }

  /** fieldErrors maps a body field ("memory_mb") to its message. */
  get fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem.errors ?? []) {
      if (!e.location || !e.message) continue;
      const field = e.location.replace(/^(body|query|path)\./, '');
      out[field] ??= e.message;
    }
    return out;
  }
}

/** NetworkError is a request that got no answer at all. */
export const networkProblem: Problem = {
  title: 'No answer',
  detail: 'berth could not be reached. Check your connection, then try again.',
};

const statusWords: Record<number, string> = {
  400: 'The request was not understood.',
  401: 'You are not signed in, or your session has ended.',
  403: 'You are not allowed to do this.',
  404: 'It does not exist, or it is not yours.',
  409: 'It conflicts with the current state; reload and try again.',
  410: 'It is gone.',
  413: 'It is too large.',
  415: 'That kind of file is not accepted.',
  422: 'Some values are not valid.',
  429: 'Too many requests; wait a moment, then try again.',
  500: 'berth failed unexpectedly. Try again; if it persists, tell an administrator.',
  502: 'The server behind berth failed.',
  503: 'berth is unavailable right now; try again shortly.',
  504: 'The request took too long.',
};

function sentence(s: string): string {
  const t = s.trim();
  if (!t) return t;
  const first = t[0].toUpperCase() + t.slice(1);
  return /[.!?)]$/.test(first) ? first : first + '.';
}

/** describeProblem turns a problem into one readable sentence or two. */
export function describeProblem(status: number, p: Problem): string {
  if (p.detail) return sentence(p.detail);
  if (status && statusWords[status]) return statusWords[status];
  if (p.title) return sentence(p.title);
  return status ? `The server answered ${status}.` : networkProblem.detail!;
}

/** errorMessage is what to show for anything a request threw. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof DOMException && err.name === 'AbortError') return 'Cancelled.';
  if (err instanceof TypeError) return networkProblem.detail!; // fetch's network failure
  if (err instanceof Error && err.message) return sentence(err.message);
  return 'Something went wrong.';
}
