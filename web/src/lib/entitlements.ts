// Words for tier limits and feature roles, shared by the admin pages and
// the profile.
import type { TierLimits } from '../api/types';

/** tierLimits are the limits in display order, with the server's bounds (0 is no limit). */
export const tierLimits: Array<{ key: keyof TierLimits; label: string; max: number }> = [
  { key: 'max_functions', label: 'Functions per owner', max: 100000 },
  { key: 'max_invocations_per_day', label: 'Calls per day', max: 1e12 },
  { key: 'max_memory_mb', label: 'Memory ceiling (MB)', max: 1048576 },
  { key: 'max_timeout_ms', label: 'Timeout ceiling (ms)', max: 86400000 },
  { key: 'max_concurrent_calls', label: 'Calls at once', max: 100000 },
  { key: 'max_artefact_bytes', label: 'Artefact size (bytes)', max: 1099511627776 },
  { key: 'api_requests_per_second', label: 'API requests per second', max: 1000000 },
];

/** limitLabel names a limit as the server spells it. */
export function limitLabel(key: string): string {
  return tierLimits.find((l) => l.key === key)?.label ?? key;
}

/** featureRoles are the feature roles with what each allows. */
export const featureRoles = [
  { value: 'containers', label: 'Containers', allows: 'may create container functions' },
  { value: 'public-functions', label: 'Public functions', allows: 'may make a function public' },
];

/** featureRoleLabel names a feature role. */
export function featureRoleLabel(role: string): string {
  return featureRoles.find((r) => r.value === role)?.label ?? role;
}
