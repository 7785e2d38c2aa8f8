// The settings form's model: a draft of a function's settings, its
// validation in words, and the PATCH that applies only what changed.
import type { Fn, SettingsPatch, Visibility } from '../../api/types';
import { envNameProblem } from '../../lib/names';

export interface EnvRow {
  key: string;
  name: string;
  value: string;
}

export interface SecretRow {
  key: string;
  name: string;
  /** keep: unchanged; replace: set value; remove: delete; new: added here. */
  action: 'keep' | 'replace' | 'remove' | 'new';
  value: string;
}

export interface Draft {
  description: string;
  memory: string;
  timeout: string;
  concurrency: string;
  visibility: Visibility;
  env: EnvRow[];
  secrets: SecretRow[];
}

let rowKey = 0;
export const newKey = () => `row-${++rowKey}`;

export function draftOf(fn: Fn): Draft {
  const s = fn.settings;
  return {
    description: fn.description,
    memory: String(s.memory_mb),
    timeout: String(s.timeout_ms),
    concurrency: String(s.max_concurrency),
    visibility: s.visibility,
    env: Object.entries(s.env)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => ({ key: newKey(), name, value })),
    secrets: Object.keys(s.secrets)
      .sort()
      .map((name) => ({ key: newKey(), name, action: 'keep' as const, value: '' })),
  };
}

export type DraftErrors = Partial<Record<'memory' | 'timeout' | 'concurrency' | 'description' | 'env' | 'secrets', string>> & {
  rows?: Record<string, string>;
};

function intIn(v: string, lo: number, hi: number, what: string, unit: string): string | undefined {
  if (!/^\d+$/.test(v.trim())) return `Enter ${what} as a whole number${unit ? ` of ${unit}` : ''}.`;
  const n = Number(v);
  if (n < lo || n > hi) return `Enter ${what} from ${lo} to ${hi}${unit ? ` ${unit}` : ''}.`;
  return undefined;
}

/** validate returns what is wrong with a draft, per field, in words. */
export function validate(d: Draft, limits = { maxMemoryMB: 1024, maxTimeoutMS: 300_000 }): DraftErrors {
  const e: DraftErrors = {};
  const rows: Record<string, string> = {};
  const memory = intIn(d.memory, 16, limits.maxMemoryMB, 'the memory', 'MiB');
  if (memory) e.memory = memory;
  const timeout = intIn(d.timeout, 100, limits.maxTimeoutMS, 'the timeout', 'ms');
  if (timeout) e.timeout = timeout;
  const conc = intIn(d.concurrency, 1, 1000, 'the concurrency', '');
  if (conc) e.concurrency = conc;
  if (d.description.length > 500) e.description = 'Use at most 500 characters.';
  if (/[\u0000-\u001f\u007f]/.test(d.description)) e.description = 'Keep the description on one line.';

  const envNames = new Set<string>();
  for (const r of d.env) {
    if (r.name === '' && r.value === '') continue; // an empty row is ignored
    const p = envNameProblem(r.name);
    if (p) rows[r.key] = p;
    else if (envNames.has(r.name)) rows[r.key] = `${r.name} appears twice.`;
    else if (r.value.length > 4096) rows[r.key] = `${r.name}: values are at most 4096 characters.`;
    envNames.add(r.name);
  }
  if (envNames.size > 64) e.env = 'At most 64 variables.';

  const secretNames = new Set<string>();
  for (const r of d.secrets) {
    if (r.action === 'new' && r.name === '' && r.value === '') continue;
    if (r.action === 'new') {
      const p = envNameProblem(r.name);
      if (p) rows[r.key] = p;
      else if (secretNames.has(r.name) || d.secrets.some((o) => o !== r && o.action !== 'new' && o.name === r.name)) {
        rows[r.key] = `A secret named ${r.name} exists already: replace it instead.`;
      }
    }
    if ((r.action === 'new' || r.action === 'replace') && !rows[r.key]) {
      if (r.value === '') rows[r.key] = `Enter the value of ${r.name || 'the secret'}.`;
      else if (r.value.length > 4096) rows[r.key] = 'Secret values are at most 4096 characters.';
    }
    if (r.action !== 'remove' && envNames.has(r.name) && !rows[r.key]) {
      rows[r.key] = `${r.name} is also an environment variable; a name is either one or the other.`;
    }
    secretNames.add(r.name);
  }
  if (Object.keys(rows).length) e.rows = rows;
  return e;
}

export const hasErrors = (e: DraftErrors) => Object.keys(e).length > 0;

/** patchOf is the PATCH body that turns fn into the draft: changes only. */
export function patchOf(fn: Fn, d: Draft): SettingsPatch {
  const p: SettingsPatch = {};
  const s = fn.settings;
  if (d.description.trim() !== fn.description) p.description = d.description.trim();
  if (Number(d.memory) !== s.memory_mb) p.memory_mb = Number(d.memory);
  if (Number(d.timeout) !== s.timeout_ms) p.timeout_ms = Number(d.timeout);
  if (Number(d.concurrency) !== s.max_concurrency) p.max_concurrency = Number(d.concurrency);
  if (d.visibility !== s.visibility) p.visibility = d.visibility;

  const env: Record<string, string> = {};
  for (const r of d.env) if (r.name !== '') env[r.name] = r.value;
  const same =
    Object.keys(env).length === Object.keys(s.env).length && Object.entries(env).every(([k, v]) => s.env[k] === v);
  if (!same) p.env = env;

  const secrets: Record<string, string | null> = {};
  for (const r of d.secrets) {
    if (r.action === 'remove') secrets[r.name] = null;
    else if ((r.action === 'replace' || r.action === 'new') && r.name !== '') secrets[r.name] = r.value;
  }
  if (Object.keys(secrets).length) p.secrets = secrets;
  return p;
}
