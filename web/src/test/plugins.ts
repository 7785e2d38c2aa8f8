import type { JSONSchema, PluginManifest, PluginSettings, PluginSummary } from '../api/types';

/** A settings schema with every kind of setting the form draws. */
export const crawlerSchema: JSONSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['base_url', 'api_token'],
  properties: {
    base_url: { type: 'string', title: 'Base URL', description: 'Where the crawler starts.', pattern: '^https://' },
    api_token: { type: 'string', title: 'API token', writeOnly: true },
    webhook_secret: { type: 'string', title: 'Webhook secret', format: 'password' },
    proxy_password: { type: 'string', title: 'Proxy password', writeOnly: true },
    mode: { type: 'string', title: 'Mode', enum: ['fast', 'careful'] },
    verbose: { type: 'boolean', title: 'Verbose logs', description: 'Log every page fetched.' },
    limits: {
      type: 'object',
      title: 'Limits',
      properties: {
        max_pages: { type: 'integer', title: 'Maximum pages', minimum: 1, maximum: 100 },
        delay: { type: 'number', title: 'Delay in seconds', minimum: 0 },
      },
    },
    hosts: { type: 'array', title: 'Allowed hosts', items: { type: 'string', minLength: 3 } },
    ports: { type: 'array', title: 'Ports', items: { type: 'integer', minimum: 1, maximum: 65535 } },
  },
};

/** The settings as the server shows them: the token and the webhook secret set (masked), the proxy password not. */
export const crawlerSettings: PluginSettings = {
  base_url: 'https://example.com',
  api_token: '********',
  webhook_secret: '********',
  proxy_password: '',
  mode: 'fast',
  verbose: false,
  limits: { max_pages: 10, delay: 0.5 },
  hosts: ['example.com'],
  ports: [443],
};

export function crawlerSummary(over: Partial<PluginSummary> = {}): PluginSummary {
  return {
    id: 'crawler',
    name: 'Crawler',
    version: '1.4.0',
    description: 'Fetches pages for the search index.',
    icon: 'https://plugins.example.com/crawler.svg',
    status: 'up',
    actions: [
      { name: 'reindex', title: 'Reindex now', description: 'Fetch every page again.' },
      { name: 'purge', title: 'Purge cache' },
    ],
    ...over,
  };
}

export function crawlerManifest(): PluginManifest {
  const { status: _, ...summary } = crawlerSummary();
  return {
    ...summary,
    description: summary.description,
    settings_schema: crawlerSchema,
    access: { allow_superuser: true, required_groups: ['search'], required_feature_roles: [] },
  };
}
