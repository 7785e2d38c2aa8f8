// Shapes of the berth API as the dashboard uses them. The server describes
// every field at GET /api/openapi.json; these follow internal/manager.

export type Role = 'user' | 'admin';
/** An admin's role: full_admin may change accounts, viewer only reads. */
export type AdminRole = 'full_admin' | 'viewer';
export type UserStatus = 'active' | 'blocked' | 'deleted';

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  admin_role?: AdminRole;
  status?: UserStatus;
  /** The account holds a temporary password: it must choose its own first. */
  password_change_required?: boolean;
  /** The operator requires confirmed addresses and this one is not: the mailed code first. */
  email_verification_required?: boolean;
  /** The account proved its address. */
  email_verified?: boolean;
  /** The account's own tier; absent: its organisation's or the default. */
  tier_id?: string;
  organization_id?: string;
  organization_role?: OrganizationRole;
  created_at?: string;
}

export type OrganizationRole = 'owner' | 'member';

/** Entitlements are what an account may use (GET /api/users/me, an admin's GET of a user). */
export interface Entitlements {
  /** The tier that covers the account: its own, its organisation's or the default. */
  tier: { id: string; name: string };
  /** Effective: the tier's and the account's own (full admins hold all). */
  feature_roles: string[];
  /** Granted to the account itself. */
  own_feature_roles: string[];
  /** The names of the account's groups. */
  groups: string[];
  /** The account's organisation, when it has one. */
  organization?: { id: string; name: string };
}

export type UserDetail = User & Partial<Entitlements>;

/** One limit of a tier with the account's current use (GET …/usage). */
export interface UsageLimit {
  limit: string;
  /** 0 is no limit. */
  max: number;
  used?: number;
}

export interface Usage {
  tier: { id: string; name: string };
  limits: UsageLimit[];
  /** When the daily invocation count starts again. */
  resets_at: string;
}

/** A feature role and what it allows (GET /api/admin/feature-roles). */
export interface FeatureRole {
  name: string;
  description: string;
}

export interface Organization {
  id: string;
  name: string;
  description: string;
  /** The tier of members without one of their own; absent: the default. */
  tier_id?: string;
  members: number;
  created_at: string;
}

export interface OrganizationInput {
  name?: string;
  description?: string;
  tier_id?: string;
}

export interface LoginCheck {
  authenticated: boolean;
  user?: User;
  expires_at?: string;
  /** After sign-out of a session that came from an OpenID provider: where the provider's own session ends. */
  logout_url?: string;
}

/** SignInProvider is an OpenID provider offered as "Sign in with …". */
export interface SignInProvider {
  id: string;
  name: string;
}

export interface AuthOptions {
  registration: boolean;
  registration_mode?: 'open' | 'early_access' | 'invite' | 'closed';
  /** Accounts confirm their address with a mailed code before anything else. */
  require_verified_email?: boolean;
  min_password_length: number;
  /** OpenID providers to sign in with (berth.toml [[oidc.providers]]). */
  providers?: SignInProvider[];
  /** false: berth passwords are switched off; only the configured administrator keeps one. */
  local_passwords?: boolean;
}

export type Visibility = 'private' | 'organization' | 'public';
export type FunctionStatus = 'initialized' | 'active' | 'pending_deletion';

export interface Settings {
  memory_mb: number;
  timeout_ms: number;
  max_concurrency: number;
  env: Record<string, string>;
  /** Secret names, each with a masked value: values are write-only. */
  secrets: Record<string, string>;
  visibility: Visibility;
}

export interface RecentSummary {
  since: string;
  invocations: number;
  errors: number;
  avg_duration_ms: number;
  last_invoked_at?: string;
}

export interface Fn {
  id: string;
  owner_id: string;
  name: string;
  runtime: 'wasm' | 'container';
  description: string;
  status: FunctionStatus;
  active_version: number | null;
  settings: Settings;
  invoke_url: string;
  trigger_url: string;
  delete_after?: string;
  created_at: string;
  updated_at: string;
  recent?: RecentSummary;
}

export interface Page<T> {
  items: T[];
  page: number;
  per_page: number;
  total: number;
}

export interface SettingsPatch {
  description?: string;
  memory_mb?: number;
  timeout_ms?: number;
  max_concurrency?: number;
  env?: Record<string, string>;
  /** A string sets a secret, null removes it. */
  secrets?: Record<string, string | null>;
  visibility?: Visibility;
}

export interface DeletionStatus {
  status: FunctionStatus;
  deletion_requested_at?: string;
  delete_after?: string;
  seconds_remaining?: number;
}

export interface Deployment {
  version: number;
  status: 'building' | 'ready' | 'failed';
  active: boolean;
  sha256: string;
  size: number;
  content_type: string;
  error?: string;
  created_by: string;
  created_at: string;
}

export interface DeployResult {
  deployment: Deployment;
  function: Fn;
}

export type ExecutionStatus = 'success' | 'error' | 'timeout' | 'out_of_memory' | 'rejected';

export interface Execution {
  id: string;
  function_id: string;
  version: number;
  status: ExecutionStatus;
  http_status: number;
  error?: string;
  started_at: string;
  duration_ms: number;
  bytes_in: number;
  bytes_out: number;
  cold_start: boolean;
  caller: 'owner' | 'api_key' | 'public';
  caller_key?: string;
  logs?: string[];
}

export interface LogLine {
  execution_id: string;
  at: string;
  line: string;
}

export interface APIKey {
  id: string;
  key_id: string;
  function_id: string;
  name: string;
  status: 'active' | 'revoked' | 'expired';
  created_at: string;
  expires_at?: string;
  revoked_at?: string;
  last_used_at?: string;
}

export interface CreatedAPIKey extends APIKey {
  /** Shown once, right after creation; never stored by the dashboard. */
  secret: string;
}

export interface Keypair {
  access_key: string;
  name: string;
  created_at: string;
  expires_at?: string;
  last_used_at?: string;
}

export interface CreatedKeypair {
  access_key: string;
  /** Shown once, right after creation; never stored by the dashboard. */
  secret_key: string;
  name: string;
  created_at: string;
}

export type Theme = 'light' | 'dark' | 'system';

export interface Preferences {
  pinned_functions: string[];
  theme: Theme;
}

export interface SeriesPoint {
  start: string;
  invocations: number;
  errors: number;
  p50_ms: number;
  p95_ms: number;
}

export interface Series {
  granularity: 'hour' | 'day';
  points: SeriesPoint[];
}

export interface FunctionStats {
  function_id: string;
  name: string;
  generated_at: string;
  invocations_24h: number;
  invocations_7d: number;
  invocations_30d: number;
  errors_24h: number;
  timeouts_24h: number;
  cold_starts_24h: number;
  error_rate: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  avg_ms: number;
  max_ms: number;
  bytes_in_24h: number;
  bytes_out_24h: number;
}

// ---------- administration (/api/admin) ----------

/** An account as administrators see it: every field is present. */
export interface AccountUser extends User {
  status: UserStatus;
  created_at: string;
}

export type UserSort = 'email' | '-email' | 'name' | '-name' | 'created_at' | '-created_at';

export interface UserPatch {
  name?: string;
  role?: Role;
  /** none goes with role user. */
  admin_role?: AdminRole | 'none';
  /** "" takes the account's own tier away. */
  tier_id?: string;
  /** "" takes the account out of its organisation. */
  organization_id?: string;
}

/** Login is one bearer-token login (a token family) still live. */
export interface Login {
  id: string;
  client_addr?: string;
  created_at: string;
  expires_at: string;
}

/** UserSessions is what an account is signed in with; never a secret. */
export interface UserSessions {
  web_sessions: Keypair[];
  keypairs: Keypair[];
  logins: Login[];
}

export interface AuditEntry {
  id: number;
  at: string;
  actor_id?: string;
  actor_email?: string;
  action: string;
  target?: string;
  client_addr?: string;
  outcome: 'success' | 'failure';
  detail?: string;
}

/** The platform settings (GET|PATCH /api/admin/settings). */
export type RegistrationMode = 'open' | 'early_access' | 'invite' | 'closed';

export interface MailSettings {
  from: string;
  smtp_host: string;
  smtp_port: number;
  smtp_username: string;
  /** Write-only: "********" when set; sending it back keeps it, "" removes it. */
  smtp_password: string;
  smtp_security: 'starttls' | 'tls' | 'none';
  configured: boolean;
}

export interface PlatformSettings {
  registration_mode: RegistrationMode;
  early_access_capacity: number;
  default_tier_id: string;
  mail: MailSettings;
}

export interface SettingsChange {
  registration_mode?: RegistrationMode;
  early_access_capacity?: number;
  default_tier_id?: string;
  mail?: Partial<Omit<MailSettings, 'configured'>>;
}

export interface TierLimits {
  max_functions: number;
  max_invocations_per_day: number;
  max_memory_mb: number;
  max_timeout_ms: number;
  max_concurrent_calls: number;
  max_artefact_bytes: number;
  api_requests_per_second: number;
}

export interface TierSummary {
  id: string;
  name: string;
  description?: string;
  limits?: TierLimits;
  feature_roles?: string[];
  default: boolean;
  built_in: boolean;
}

export interface TierInput {
  name?: string;
  description?: string;
  limits?: TierLimits;
  feature_roles?: string[];
}

/** An early-access request (GET /api/admin/early-access). */
export interface EarlyAccessRequest {
  id: string;
  email: string;
  name: string;
  reason: string;
  status: 'pending' | 'approved' | 'rejected';
  decision_reason?: string;
  user_id?: string;
  created_at: string;
  decided_at?: string;
}

/** How a temporary password was handed over. */
export interface TemporaryPassword {
  user: User;
  temporary_password?: string;
  mailed: boolean;
  mail_error?: string;
}

/** A group (GET /api/admin/groups); one group's answer adds a page of its members. */
export interface GroupInfo {
  id: string;
  name: string;
  description: string;
  members: number;
  users?: Page<AccountUser>;
}

// ---------- services and plugins (/api/services, /api/plugins) ----------

/** A service's health as berth's last check found it (every 30 seconds). */
export type HealthStatus = 'up' | 'down' | 'unknown';

/** A service beside berth as every signed-in user sees it (GET /api/services). */
export interface ServiceSummary {
  id: string;
  name: string;
  status: HealthStatus;
  checked_at?: string;
  latency_ms?: number;
  /** The service describes itself with a manifest: it is a plugin. */
  plugin: boolean;
}

/** Something a plugin does on request (POST /api/plugins/{id}/actions/{name}). */
export interface PluginAction {
  name: string;
  title: string;
  description?: string;
}

/** A plugin the signed-in user may use (GET /api/plugins). */
export interface PluginSummary {
  id: string;
  name: string;
  version: string;
  description: string;
  /** An image URL; only http(s) and same-site addresses are shown. */
  icon?: string;
  status: HealthStatus;
  actions: PluginAction[];
}

/**
 * JSONSchema is the part of JSON Schema 2020-12 the dashboard reads to draw
 * a plugin's settings form; other keywords are left to the server.
 */
export interface JSONSchema {
  $schema?: string;
  $ref?: string;
  $defs?: Record<string, JSONSchema>;
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  writeOnly?: boolean;
  readOnly?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  properties?: Record<string, JSONSchema>;
  required?: string[];
  items?: JSONSchema;
  minItems?: number;
  maxItems?: number;
  oneOf?: JSONSchema[];
  anyOf?: JSONSchema[];
  allOf?: JSONSchema[];
}

/** Who may use a plugin: a superuser if allowed, else every listed group and feature role. */
export interface PluginAccess {
  allow_superuser: boolean;
  required_groups: string[];
  required_feature_roles: string[];
}

/** How a plugin describes itself (GET /api/plugins/{id}/manifest). */
export interface PluginManifest {
  id: string;
  name: string;
  version: string;
  description: string;
  icon?: string;
  settings_schema: JSONSchema;
  access: PluginAccess;
  actions: PluginAction[];
  ui?: { routes?: unknown[] };
}

/**
 * A plugin's settings: a secret reads "********" when set and "" when not.
 * A change is a JSON merge patch: only what changed; null clears.
 */
export type PluginSettings = Record<string, unknown>;

/** A plugin action's answer: its message is shown as success or failure by ok. */
export interface ActionResult {
  ok: boolean;
  message?: string;
}

/** Where a service was registered: berth.toml (read-only here) or the API. */
export type ServiceSource = 'config' | 'api';

/** A service as administrators see it (GET /api/admin/services). */
export interface AdminService {
  id: string;
  name: string;
  url: string;
  health_path: string;
  source: ServiceSource;
  status: HealthStatus;
  checked_at?: string;
  latency_ms?: number;
  /** Why the last health check failed. */
  last_error?: string;
  /** Why the service's manifest was refused: it is not offered as a plugin. */
  manifest_error?: string;
  plugin?: { id: string; name: string; version: string };
}

/** What an administrator sets on a service; id only when it is created. */
export interface ServiceInput {
  id?: string;
  name?: string;
  url?: string;
  health_path?: string;
}
