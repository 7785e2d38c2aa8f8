// Typed calls behind Admin › System: the platform's load, its recent
// failures and every function's log lines. For administrators; viewers may
// read all of it.
import { query, request } from './client';
import type { Execution, LogLine, Series } from './types';

/** HealthCheck is one dependency's answer to a ping (at most a second). */
export interface HealthCheck {
  status: 'ok' | 'unreachable';
  latency_ms: number;
}

/** HourTotals are every replica's invocations in the current UTC hour. */
export interface HourTotals {
  since: string;
  invocations: number;
  errors: number;
  error_rate: number;
  p50_ms: number;
  p95_ms: number;
}

/**
 * AdminStats is the load, GET /api/admin/stats. The per-second figures,
 * live instances and write queue are those of the process that answered;
 * this_hour is every replica's (null when the database cannot be read).
 */
export interface AdminStats {
  at: string;
  window_seconds: number;
  invocations_per_second: number;
  errors_per_second: number;
  error_rate: number;
  this_hour: HourTotals | null;
  live_instances: Record<string, number> | null;
  write_queue: number;
  database: HealthCheck;
  kv: HealthCheck;
}

/** FailedExecution is a failed invocation of anyone's function. */
export interface FailedExecution extends Execution {
  owner_id: string;
}

/** APIError is one 5xx answer of the process that answered. */
export interface APIError {
  at: string;
  method: string;
  endpoint: string;
  status: number;
  error_detail?: string;
  request_id: string;
  user_id?: string;
}

/** AdminErrors are recent failures across all users, newest first. */
export interface AdminErrors {
  executions: FailedExecution[];
  api_errors: APIError[];
}

/** SystemLogLine is a log line of any function. */
export interface SystemLogLine extends LogLine {
  function_id: string;
}

/** LogFilter narrows GET /api/admin/logs; empty fields are left out. */
export interface LogFilter {
  /** An owner: a user id or an email. */
  user?: string;
  function_id?: string;
  /** info: every line; error: lines of executions that failed. */
  level?: '' | 'info' | 'error';
  /** Lines containing this text, in any case. */
  q?: string;
  since?: string;
  limit?: number;
}

/** logsQuery is the query string of a log filter, "" when it has none. */
export function logsQuery(f: LogFilter): string {
  return query({ user: f.user?.trim(), function_id: f.function_id, level: f.level, q: f.q, since: f.since, limit: f.limit });
}

export const logsPath = '/api/admin/logs';

export const system = {
  stats: (signal?: AbortSignal) => request<AdminStats>('/api/admin/stats', { signal }),
  /** Every function's series, as /api/stats/overview/hourly and /daily are for one's own. */
  hourly: (hours: number, signal?: AbortSignal) => request<Series>('/api/admin/stats/hourly' + query({ hours }), { signal }),
  daily: (days: number, signal?: AbortSignal) => request<Series>('/api/admin/stats/daily' + query({ days }), { signal }),
  errors: (p: { limit?: number; since?: string }, signal?: AbortSignal) =>
    request<AdminErrors>('/api/admin/errors' + query({ ...p }), { signal }),
  logs: (f: LogFilter, signal?: AbortSignal) => request<{ lines: SystemLogLine[] }>(logsPath + logsQuery(f), { signal }),
};
