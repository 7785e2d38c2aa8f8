// The OpenID provider of the end-to-end run: internal/oidc/oidctest (the
// zitadel/oidc op package) as a process on loopback, with one person to
// sign in as. The global setup starts it before berth and names it in
// berth's configuration as the provider "corp".
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const envIdP = 'BERTH_E2E_IDP_URL';

/** ssoUser is the person at the provider. */
export const ssoUser = {
  subject: 'e2e-sso-subject',
  username: 'grace',
  password: 'grace at the provider',
  email: 'sso-grace@example.com',
  email_verified: true,
  name: 'Grace Hopper',
  groups: ['/e2e-team'],
};

export const ssoClient = { id: 'berth', secret: 'e2e-client-secret' };

/** startIdP runs bin and resolves with the process and its issuer URL. */
export async function startIdP(bin: string, dir: string, port: number, berthBase: string): Promise<{ proc: ChildProcess; issuer: string }> {
  const users = join(dir, 'idp-users.json');
  writeFileSync(users, JSON.stringify([ssoUser]));
  const proc = spawn(
    bin,
    [
      '-listen', `127.0.0.1:${port}`, '-client', ssoClient.id, '-secret', ssoClient.secret, '-users', users,
      '-redirect', `${berthBase}/server/oidc/corp/callback`, '-post-logout', `${berthBase}/login`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: proc.stdout! });
  const issuer = await Promise.race([
    once(lines, 'line').then(([l]) => String(l).trim()),
    once(proc, 'exit').then(([code]) => {
      throw new Error(`the test OpenID provider exited with ${code}`);
    }),
    new Promise<string>((_, reject) => setTimeout(() => reject(new Error('the test OpenID provider did not start')), 20000)),
  ]);
  return { proc, issuer };
}

/** berthConfig is the TOML that names the provider. */
export function berthConfig(issuer: string): string {
  return [
    '[[oidc.providers]]',
    'id = "corp"',
    'name = "Corp SSO"',
    `issuer = "${issuer}"`,
    'allow_insecure = true',
    `client_id = "${ssoClient.id}"`,
    `client_secret = "${ssoClient.secret}"`,
    '[oidc.providers.mapping]',
    'groups = { "e2e-team" = ["/e2e-team"] }',
    '',
  ].join('\n');
}
