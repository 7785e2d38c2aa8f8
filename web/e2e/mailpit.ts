// Mailpit for the end-to-end run: a real SMTP server on loopback whose
// HTTP API the specs read mail from. The global setup starts one; a spec
// points berth's mail settings at it (and back) while it needs mail.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const envMailpitAPI = 'BERTH_E2E_MAILPIT_API';
export const envMailpitSMTP = 'BERTH_E2E_MAILPIT_SMTP_PORT';
export const missingMailpit =
  'Mailpit is not installed (go install github.com/axllent/mailpit@v1.33.1, or set MAILPIT); the mail tests need it.';

/** findMailpit is $MAILPIT, else mailpit in Go's bin directories, else on PATH, else null. */
export function findMailpit(): string | null {
  if (process.env.MAILPIT) return existsSync(process.env.MAILPIT) ? process.env.MAILPIT : null;
  const r = spawnSync('go', ['env', 'GOBIN', 'GOPATH'], { encoding: 'utf8' });
  if (r.status === 0) {
    const [gobin, gopath] = r.stdout.split('\n').map((s) => s.trim());
    for (const dir of [gobin, gopath?.split(':')[0] && join(gopath.split(':')[0], 'bin')]) {
      if (dir && existsSync(join(dir, 'mailpit'))) return join(dir, 'mailpit');
    }
  }
  const which = spawnSync('sh', ['-c', 'command -v mailpit'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : null;
}

/** startMailpit runs bin with its store in dir, and waits until its API answers. */
export async function startMailpit(bin: string, dir: string, smtpPort: number, httpPort: number): Promise<ChildProcess> {
  const proc = spawn(bin, [
    '--smtp', `127.0.0.1:${smtpPort}`, '--listen', `127.0.0.1:${httpPort}`,
    '--database', join(dir, 'mailpit.db'), '--log-file', join(dir, 'mailpit.log'),
    '--smtp-auth-allow-insecure', '--disable-version-check', '--smtp-disable-rdns',
  ], { stdio: 'ignore' });
  const end = Date.now() + 20000;
  while (Date.now() < end) {
    if (proc.exitCode != null) throw new Error(`mailpit exited with ${proc.exitCode}; see ${join(dir, 'mailpit.log')}`);
    try {
      if ((await fetch(`http://127.0.0.1:${httpPort}/api/v1/messages`)).ok) return proc;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill();
  await once(proc, 'exit');
  throw new Error('mailpit did not answer in time');
}

interface Summary {
  ID: string;
  To: Array<{ Address: string }>;
  Subject: string;
}

/** mailTo waits for a mail to address that arrived after since (its IDs), and returns its subject and text. */
export async function mailTo(address: string, since: Set<string> = new Set(), timeoutMS = 15000): Promise<{ subject: string; text: string }> {
  const api = process.env[envMailpitAPI];
  if (!api) throw new Error(missingMailpit);
  const end = Date.now() + timeoutMS;
  while (Date.now() < end) {
    const list = (await (await fetch(`${api}/api/v1/messages`)).json()) as { messages: Summary[] };
    const m = list.messages.find((x) => !since.has(x.ID) && x.To.some((t) => t.Address === address));
    if (m) {
      const full = (await (await fetch(`${api}/api/v1/message/${m.ID}`)).json()) as { Subject: string; Text: string };
      return { subject: full.Subject, text: full.Text };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no mail to ${address} within ${timeoutMS / 1000} s`);
}
