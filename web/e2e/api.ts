// The berth API as the tests use it to set things up: accounts, bearer
// tokens, functions, deployments and calls. What a test checks goes
// through the browser; what it only needs to exist is made here.
import { readFileSync } from 'node:fs';
import { expect, type APIRequestContext, type APIResponse } from '@playwright/test';

export interface Account {
  email: string;
  password: string;
  name: string;
}

export interface UserOut {
  id: string;
  email: string;
  name: string;
  role: string;
  admin_role?: string;
  status: string;
}

let accounts = 0;

/**
 * newAccountFor registers an account whose email starts with prefix; a
 * suffix keeps it unique in the server's data directory, which outlives a
 * restarted worker.
 */
export async function newAccountFor(req: APIRequestContext, prefix: string, name: string): Promise<Account & UserOut> {
  const account = {
    email: `${prefix}-${Date.now().toString(36)}${++accounts}@example.com`,
    password: `${prefix} correct horse battery staple`,
    name,
  };
  const r = await req.post('/api/auth/register', { data: account });
  await ok(r, `register ${account.email}`);
  return { ...(await r.json()), ...account };
}

/** ok fails with the answer's body when it is not a success. */
export async function ok(r: APIResponse, what: string): Promise<APIResponse> {
  expect(r.ok(), `${what} answered ${r.status()}: ${r.ok() ? '' : await r.text()}`).toBe(true);
  return r;
}

/** Client calls the API as one account, with a bearer token. */
export class Client {
  private constructor(
    private readonly req: APIRequestContext,
    readonly token: string,
  ) {}

  /** login signs in through the API (a bearer-token login, listed among the account's sessions). */
  static async login(req: APIRequestContext, a: Pick<Account, 'email' | 'password'>): Promise<Client> {
    const r = await ok(await req.post('/api/auth/login', { data: { email: a.email, password: a.password } }), `API login of ${a.email}`);
    return new Client(req, (await r.json()).access_token);
  }

  private get auth() {
    return { Authorization: `Bearer ${this.token}` };
  }

  /** call sends a request and returns the raw answer. */
  call(method: string, path: string, opts: { data?: unknown; body?: Buffer | string; type?: string } = {}): Promise<APIResponse> {
    const headers: Record<string, string> = { ...this.auth };
    if (opts.type) headers['Content-Type'] = opts.type;
    return this.req.fetch(path, { method, headers, data: opts.data ?? opts.body });
  }

  /** json sends a request that must succeed and returns its body. */
  async json<T>(method: string, path: string, data?: unknown): Promise<T> {
    const r = await ok(await this.call(method, path, { data }), `${method} ${path}`);
    return r.status() === 204 ? (undefined as T) : ((await r.json()) as T);
  }

  async createFunction(name: string, description = ''): Promise<string> {
    const f = await this.json<{ id: string }>('POST', '/api/functions/init', { name, description });
    return f.id;
  }

  /** deploy uploads a module and waits for it to be live. */
  async deploy(id: string, wasmPath: string): Promise<void> {
    const r = await this.call('POST', `/api/functions/${id}/deploy`, { body: readFileSync(wasmPath), type: 'application/wasm' });
    await ok(r, `deploy ${wasmPath}`);
  }

  async invoke(id: string, query = '', body = 'x'): Promise<void> {
    await ok(await this.call('POST', `/api/functions/${id}/invoke${query ? '?' + query : ''}`, { body }), `invoke ${id}`);
  }

  /** deployedFunction makes a live, once-invoked function: one execution to list and chart. */
  async deployedFunction(name: string, wasmPath: string): Promise<string> {
    const id = await this.createFunction(name);
    await this.deploy(id, wasmPath);
    await this.invoke(id);
    return id;
  }
}
