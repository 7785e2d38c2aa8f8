import type { Fn } from '../api/types';

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
