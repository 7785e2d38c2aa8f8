// Typed calls to the berth API, one per operation the dashboard uses.
import { query, request, unauthorized } from './client';
import { ApiError, networkProblem, type Problem } from './problem';
import type {
  AccountUser,
  ActionResult,
  AdminRole,
  AdminService,
  APIKey,
  AuditEntry,
  AuthOptions,
  CreatedAPIKey,
  CreatedKeypair,
  DeletionStatus,
  Deployment,
  DeployResult,
  EarlyAccessRequest,
  Entitlements,
  Execution,
  FeatureRole,
  ExecutionStatus,
  Fn,
  FunctionStats,
  FunctionStatus,
  GroupInfo,
  Keypair,
  LoginCheck,
  Organization,
  OrganizationInput,
  OrganizationRole,
  Page,
  PlatformSettings,
  PluginManifest,
  PluginSettings,
  PluginSummary,
  Preferences,
  Role,
  Series,
  ServiceInput,
  ServiceSummary,
  SettingsChange,
  SettingsPatch,
  TemporaryPassword,
  TierInput,
  TierSummary,
  User,
  Usage,
  UserDetail,
  UserPatch,
  UserSessions,
  UserSort,
  UserStatus,
} from './types';

const fnPath = (id: string) => `/api/functions/${encodeURIComponent(id)}`;
const keyPath = (id: string) => `/api/api-keys/${encodeURIComponent(id)}`;

export const session = {
  check: () => request<LoginCheck>('/server/login-check'),
  login: (email: string, password: string) =>
    request<LoginCheck>('/server/login', { body: { email, password }, quiet401: true }),
  logout: () => request<LoginCheck>('/server/logout', { method: 'POST', body: {} }),
  extend: () => request<{ expires_at: string }>('/server/extend-session', { method: 'POST', body: {} }),
};

let optionsOnce: Promise<AuthOptions> | null = null;

export const auth = {
  /** options is read once per page load (sign-in routes are rate limited). */
  options: () => {
    optionsOnce ??= request<AuthOptions>('/api/auth/options', { quiet401: true }).catch((e) => {
      optionsOnce = null;
      throw e;
    });
    return optionsOnce;
  },
  /** forgetOptions drops the cached options (tests start from scratch). */
  forgetOptions: () => {
    optionsOnce = null;
  },
  register: (email: string, password: string, name: string) =>
    request<User | { status: 'check-mail'; message: string }>('/api/auth/register', { body: { email, password, name }, quiet401: true }),
  /** requestPasswordReset mails a reset link to an active account; the answer is the same for every address. */
  requestPasswordReset: (email: string) =>
    request<{ status: 'accepted'; message: string }>('/api/auth/reset-password', { body: { email }, quiet401: true }),
  /** confirmPasswordReset sets the new password with the link's token; every session of the account ends. */
  confirmPasswordReset: (token: string, newPassword: string) =>
    request<{ message: string; ended: { web_sessions: number; keypairs: number; token_families: number } }>(
      '/api/auth/reset-password/confirm',
      { body: { token, new_password: newPassword }, quiet401: true },
    ),
  /** requestEarlyAccess asks for an account; the answer is the same for every address. */
  requestEarlyAccess: (email: string, name: string, reason: string) =>
    request<{ status: 'received'; message: string }>('/api/early-access', { body: { email, name, reason }, quiet401: true }),
};

export interface ListFunctionsParams {
  name?: string;
  status?: FunctionStatus | '';
  page?: number;
  per_page?: number;
}

export const functions = {
  list: (p: ListFunctionsParams = {}, signal?: AbortSignal) =>
    request<Page<Fn>>('/api/functions' + query({ ...p }), { signal }),
  get: (id: string, signal?: AbortSignal) => request<Fn>(fnPath(id), { signal }),
  init: (name: string, runtime: string, description: string) =>
    request<Fn>('/api/functions/init', { body: { name, runtime, description: description || undefined } }),
  update: (id: string, patch: SettingsPatch) => request<Fn>(fnPath(id), { method: 'PATCH', body: patch }),
  remove: (id: string) => request<DeletionStatus>(fnPath(id), { method: 'DELETE' }),
  cancelDeletion: (id: string) => request<Fn>(fnPath(id) + '/cancel-deletion', { method: 'POST', body: {} }),
  deletionStatus: (id: string) => request<DeletionStatus>(fnPath(id) + '/deletion-status'),
  deployments: (id: string, page = 1, perPage = 20) =>
    request<Page<Deployment>>(fnPath(id) + '/deployments' + query({ page, per_page: perPage })),
  rollback: (id: string, version: number) => request<Fn>(fnPath(id) + '/rollback', { body: { version } }),
  stats: (id: string, signal?: AbortSignal) => request<FunctionStats>(fnPath(id) + '/stats', { signal }),
  hourly: (id: string, hours: number, signal?: AbortSignal) =>
    request<Series>(fnPath(id) + '/stats/hourly' + query({ hours }), { signal }),
  daily: (id: string, days: number, signal?: AbortSignal) =>
    request<Series>(fnPath(id) + '/stats/daily' + query({ days }), { signal }),
  executions: (
    id: string,
    p: { status?: ExecutionStatus | ''; page?: number; per_page?: number },
    signal?: AbortSignal,
  ) => request<Page<Execution>>(fnPath(id) + '/executions' + query({ ...p }), { signal }),
  execution: (id: string, executionID: string, signal?: AbortSignal) =>
    request<Execution>(fnPath(id) + '/executions/' + encodeURIComponent(executionID), { signal }),
  apiKeys: (id: string) => request<Page<APIKey>>(fnPath(id) + '/api-keys' + query({ per_page: 100 })),
  createAPIKey: (id: string, name: string, expiresIn: string) =>
    request<CreatedAPIKey>(fnPath(id) + '/api-keys', { body: { name, expires_in: expiresIn || undefined } }),
  logsURL: (id: string) => fnPath(id) + '/logs',
};

export const apiKeys = {
  update: (id: string, patch: { name?: string; expires_at?: string }) =>
    request<APIKey>(keyPath(id), { method: 'PATCH', body: patch }),
  remove: (id: string) => request<void>(keyPath(id), { method: 'DELETE' }),
  roll: (id: string, expiresIn: string) =>
    request<APIKey>(keyPath(id) + '/roll', { body: expiresIn ? { expires_in: expiresIn } : {} }),
  revoke: (id: string) => request<APIKey>(keyPath(id) + '/revoke', { method: 'POST', body: {} }),
  enable: (id: string) => request<APIKey>(keyPath(id) + '/enable', { method: 'POST', body: {} }),
};

export const me = {
  get: () => request<UserDetail>('/api/users/me'),
  usage: (signal?: AbortSignal) => request<Usage>('/api/users/me/usage', { signal }),
  /** organizationMembers is for an organisation's owners. */
  organizationMembers: (id: string, signal?: AbortSignal) =>
    request<Page<AccountUser>>(`/api/organizations/${encodeURIComponent(id)}/members` + query({ per_page: 100 }), { signal }),
  update: (patch: { name?: string; password?: string; current_password?: string }) =>
    request<User>('/api/users/me', { method: 'PATCH', body: patch }),
  preferences: () => request<Preferences>('/api/users/me/preferences'),
  updatePreferences: (patch: Partial<Preferences>) =>
    request<Preferences>('/api/users/me/preferences', { method: 'PATCH', body: patch }),
};

export const keypairs = {
  list: () => request<{ keypairs: Keypair[] }>('/api/keypairs'),
  create: (name: string) => request<CreatedKeypair>('/api/keypairs', { body: { name: name || undefined } }),
  remove: (accessKey: string) => request<void>('/api/keypairs/' + encodeURIComponent(accessKey), { method: 'DELETE' }),
};

export interface ListUsersParams {
  q?: string;
  status?: UserStatus | '';
  role?: Role | '';
  admin_role?: AdminRole | '';
  organization_id?: string;
  tier_id?: string;
  feature_role?: string;
  group_id?: string;
  sort?: UserSort;
  page?: number;
  per_page?: number;
}

export interface AuditParams {
  /** A user id, or an email. */
  actor?: string;
  action?: string;
  since?: string;
  until?: string;
  page?: number;
  per_page?: number;
  /** An account whose trail it is: what it did and what was done to it. */
  subject?: string;
}

const userPath = (id: string) => `/api/admin/users/${encodeURIComponent(id)}`;
const orgPath = (id: string) => `/api/admin/organizations/${encodeURIComponent(id)}`;

/** verification proves the account's address with a mailed six-digit code. */
export const verification = {
  send: () => request<{ status: 'sent' | 'verified'; message: string; expires_at?: string }>('/api/email-verification/resend', { body: {} }),
  verify: (code: string) => request<{ verified: boolean; message: string }>('/api/email-verification/verify', { body: { code } }),
};

/** admin is the account administration; writes are for full admins only. */
export const admin = {
  users: (p: ListUsersParams = {}, signal?: AbortSignal) =>
    request<Page<AccountUser>>('/api/admin/users' + query({ ...p }), { signal }),
  user: (id: string, signal?: AbortSignal) => request<AccountUser & Partial<Entitlements>>(userPath(id), { signal }),
  usage: (id: string, signal?: AbortSignal) => request<Usage>(userPath(id) + '/usage', { signal }),
  featureRoles: (signal?: AbortSignal) => request<{ items: FeatureRole[] }>('/api/admin/feature-roles', { signal }),
  grantFeatureRole: (id: string, role: string) =>
    request<void>(userPath(id) + '/feature-roles/' + encodeURIComponent(role), { method: 'PUT', body: {} }),
  revokeFeatureRole: (id: string, role: string) =>
    request<void>(userPath(id) + '/feature-roles/' + encodeURIComponent(role), { method: 'DELETE' }),
  organizations: (signal?: AbortSignal) => request<{ items: Organization[] }>('/api/admin/organizations', { signal }),
  createOrganization: (o: OrganizationInput) => request<Organization>('/api/admin/organizations', { body: o }),
  updateOrganization: (id: string, o: OrganizationInput) =>
    request<Organization>(orgPath(id), { method: 'PATCH', body: o }),
  deleteOrganization: (id: string) => request<void>(orgPath(id), { method: 'DELETE' }),
  setOrganizationMember: (id: string, userID: string, role: OrganizationRole) =>
    request<void>(orgPath(id) + '/members/' + encodeURIComponent(userID), { method: 'PUT', body: { role } }),
  removeOrganizationMember: (id: string, userID: string) =>
    request<void>(orgPath(id) + '/members/' + encodeURIComponent(userID), { method: 'DELETE' }),
  updateUser: (id: string, patch: UserPatch) => request<AccountUser>(userPath(id), { method: 'PATCH', body: patch }),
  block: (id: string, reason: string) => request<AccountUser>(userPath(id) + '/block', { body: { reason } }),
  enable: (id: string) => request<AccountUser>(userPath(id) + '/enable', { method: 'POST', body: {} }),
  remove: (id: string) => request<AccountUser>(userPath(id), { method: 'DELETE' }),
  restore: (id: string) => request<AccountUser>(userPath(id) + '/restore', { method: 'POST', body: {} }),
  sessions: (id: string, signal?: AbortSignal) => request<UserSessions>(userPath(id) + '/sessions', { signal }),
  endSession: (id: string, session: string) =>
    request<void>(userPath(id) + '/sessions/' + encodeURIComponent(session), { method: 'DELETE' }),
  audit: (p: AuditParams, signal?: AbortSignal) => request<Page<AuditEntry>>('/api/admin/audit' + query({ ...p }), { signal }),
  createUser: (u: { email: string; name: string; role?: Role; admin_role?: AdminRole }) =>
    request<TemporaryPassword>('/api/admin/users', { body: u }),
  temporaryPassword: (id: string) => request<TemporaryPassword>(userPath(id) + '/temporary-password', { method: 'POST', body: {} }),
  settings: (signal?: AbortSignal) => request<PlatformSettings>('/api/admin/settings', { signal }),
  updateSettings: (change: SettingsChange) => request<PlatformSettings>('/api/admin/settings', { method: 'PATCH', body: change }),
  tiers: (signal?: AbortSignal) => request<{ items: TierSummary[] }>('/api/admin/tiers', { signal }),
  groups: (signal?: AbortSignal) => request<{ items: GroupInfo[] }>('/api/admin/groups', { signal }),
  group: (id: string, signal?: AbortSignal) => request<GroupInfo>('/api/admin/groups/' + encodeURIComponent(id) + '?per_page=100', { signal }),
  createGroup: (g: { name: string; description?: string }) => request<GroupInfo>('/api/admin/groups', { body: g }),
  deleteGroup: (id: string) => request<void>('/api/admin/groups/' + encodeURIComponent(id), { method: 'DELETE' }),
  addGroupMember: (id: string, userID: string) =>
    request<void>('/api/admin/groups/' + encodeURIComponent(id) + '/members/' + encodeURIComponent(userID), { method: 'PUT' }),
  removeGroupMember: (id: string, userID: string) =>
    request<void>('/api/admin/groups/' + encodeURIComponent(id) + '/members/' + encodeURIComponent(userID), { method: 'DELETE' }),
  createTier: (t: TierInput) => request<TierSummary>('/api/admin/tiers', { body: t }),
  updateTier: (id: string, t: TierInput) => request<TierSummary>('/api/admin/tiers/' + encodeURIComponent(id), { method: 'PATCH', body: t }),
  deleteTier: (id: string) => request<void>('/api/admin/tiers/' + encodeURIComponent(id), { method: 'DELETE' }),
  earlyAccess: (status: string, page: number, signal?: AbortSignal) =>
    request<Page<EarlyAccessRequest>>('/api/admin/early-access' + query({ status, page, per_page: 50 }), { signal }),
  approveEarlyAccess: (id: string) =>
    request<TemporaryPassword & { request: EarlyAccessRequest }>(
      '/api/admin/early-access/' + encodeURIComponent(id) + '/approve',
      { method: 'POST', body: {} },
    ),
  rejectEarlyAccess: (id: string, reason: string) =>
    request<EarlyAccessRequest>('/api/admin/early-access/' + encodeURIComponent(id) + '/reject', { body: { reason } }),
};

const pluginPath = (id: string) => `/api/plugins/${encodeURIComponent(id)}`;
const servicePath = (id: string) => `/api/admin/services/${encodeURIComponent(id)}`;

/** extensions are the services beside berth and the plugins this user may use. */
export const extensions = {
  services: (signal?: AbortSignal) => request<{ items: ServiceSummary[] }>('/api/services', { signal }),
  plugins: (signal?: AbortSignal) => request<{ items: PluginSummary[] }>('/api/plugins', { signal }),
  /** manifest answers 404 for a plugin the user may not use. */
  manifest: (id: string, signal?: AbortSignal) => request<PluginManifest>(pluginPath(id) + '/manifest', { signal }),
  settings: (id: string, signal?: AbortSignal) => request<PluginSettings>(pluginPath(id) + '/settings', { signal }),
  /** updateSettings sends a JSON merge patch and answers the new settings, secrets masked. */
  updateSettings: (id: string, patch: PluginSettings) =>
    request<PluginSettings>(pluginPath(id) + '/settings', { method: 'PATCH', body: patch }),
  runAction: (id: string, name: string) =>
    request<ActionResult>(pluginPath(id) + '/actions/' + encodeURIComponent(name), { method: 'POST', body: {} }),
};

/** adminServices registers services; those from berth.toml answer 409 to a change. */
export const adminServices = {
  list: (signal?: AbortSignal) => request<{ items: AdminService[] }>('/api/admin/services', { signal }),
  create: (s: ServiceInput) => request<AdminService>('/api/admin/services', { body: s }),
  update: (id: string, s: ServiceInput) => request<AdminService>(servicePath(id), { method: 'PATCH', body: s }),
  remove: (id: string) => request<void>(servicePath(id), { method: 'DELETE' }),
};

/** artefactType is the Content-Type a deploy needs for a file, or null. */
export function artefactType(fileName: string): string | null {
  const n = fileName.toLowerCase();
  if (n.endsWith('.wasm')) return 'application/wasm';
  if (n.endsWith('.tar.gz') || n.endsWith('.tgz')) return 'application/gzip';
  if (n.endsWith('.zip')) return 'application/zip';
  return null;
}

export interface Upload {
  promise: Promise<DeployResult>;
  abort: () => void;
}

/**
 * deploy uploads an artefact as the raw body, reporting progress; the
 * answer comes once the server has checked and compiled it.
 */
export function deploy(id: string, file: File, onProgress: (sent: number, total: number) => void): Upload {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<DeployResult>((resolve, reject) => {
    const type = artefactType(file.name);
    if (!type) {
      reject(new Error('Choose a .wasm module, a .tar.gz or a .zip archive.'));
      return;
    }
    xhr.open('POST', fnPath(id) + '/deploy');
    xhr.setRequestHeader('Content-Type', type);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let body: unknown;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body as DeployResult);
        return;
      }
      if (xhr.status === 401) unauthorized();
      const problem = (body && typeof body === 'object' ? body : { title: xhr.statusText }) as Problem;
      reject(new ApiError(xhr.status, problem, Number(xhr.getResponseHeader('Retry-After')) || undefined));
    };
    xhr.onerror = () => reject(new ApiError(0, networkProblem));
    xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
    xhr.send(file);
  });
  return { promise, abort: () => xhr.abort() };
}
