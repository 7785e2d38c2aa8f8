import type { AccountUser, Fn } from '../api/types';

export function fnFixture(over: Partial<Fn> = {}): Fn {
  return {
    id: '6f0c2a9e-0d7e-4d8c-9a57-3c1f0b7d2e11',
    owner_id: 'u1',
    name: 'hello',
    runtime: 'wasm',
    description: '',
    status: 'active',
    active_version: 2,
    settings: {
      memory_mb: 128,
      timeout_ms: 10000,
      max_concurrency: 10,
      env: { GREETING: 'hi' },
      secrets: { API_TOKEN: '********' },
      visibility: 'private',
    },
    invoke_url: '/api/functions/6f0c2a9e-0d7e-4d8c-9a57-3c1f0b7d2e11/invoke',
    trigger_url: '/fn/6f0c2a9e-0d7e-4d8c-9a57-3c1f0b7d2e11/',
    created_at: '2026-11-23T10:00:00Z',
    updated_at: '2026-11-23T10:00:00Z',
    ...over,
  };
}

export function userFixture(over: Partial<AccountUser> = {}): AccountUser {
  return {
    id: '0b6c2a9e-0d7e-4d8c-9a57-3c1f0b7d2e22',
    email: 'grace@example.com',
    name: 'Grace Hopper',
    role: 'user',
    status: 'active',
    created_at: '2026-11-23T10:00:00Z',
    ...over,
  };
}

/** adminFixture is a signed-in administrator: full unless told otherwise. */
export function adminFixture(over: Partial<AccountUser> = {}): AccountUser {
  return userFixture({
    id: '7f1e2a9e-0d7e-4d8c-9a57-3c1f0b7d2e33',
    email: 'ada@example.com',
    name: 'Ada Lovelace',
    role: 'admin',
    admin_role: 'full_admin',
    ...over,
  });
}
