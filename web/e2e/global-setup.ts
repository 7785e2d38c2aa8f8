// Builds the UI and the berth binary, then starts one real `berth serve` on
// loopback with a fresh data directory for the whole run; what it returns
// stops the server and removes the directory (Playwright runs it as the
// global teardown).
//
//   E2E_SKIP_BUILD=1   reuse web/dist and bin/berth when they exist
//   BERTH_BIN=path     test that binary instead of building bin/berth
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { admin, artifacts, envHelloWasm, envSkip, envURL, findChromium, missingChromium, root, screenshots, web } from './env';
import { envMailpitAPI, envMailpitSMTP, findMailpit, missingMailpit, startMailpit } from './mailpit';
import { berthConfig, envIdP, startIdP } from './idp';

const log = (...a: unknown[]) => console.log('[e2e]', ...a);

function sh(cmd: string, args: string[], opts: SpawnSyncOptions = {}) {
  log('$', cmd, ...args);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
}

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as AddressInfo;
  srv.close();
  await once(srv, 'close');
  return port;
}

async function waitReady(base: string, proc: ChildProcess, timeoutMS = 30000) {
  const end = Date.now() + timeoutMS;
  while (Date.now() < end) {
    if (proc.exitCode != null) throw new Error(`berth exited with ${proc.exitCode}; see test-artifacts/e2e-server.log`);
    try {
      const r = await fetch(base + '/readyz');
      if (r.ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error('berth did not become ready in time; see test-artifacts/e2e-server.log');
}

/** build makes what the tests need: the UI first, so that the binary embeds it. */
function build(tmp: string): { bin: string; helloWasm: string; idp: string; notes: string } {
  const skip = process.env.E2E_SKIP_BUILD === '1';
  const bin = process.env.BERTH_BIN ? resolve(process.env.BERTH_BIN) : join(root, 'bin', 'berth');
  if (!skip || !existsSync(join(web, 'dist', 'index.html'))) sh('npm', ['run', 'build'], { cwd: web });
  if (!process.env.BERTH_BIN && (!skip || !existsSync(bin))) sh('go', ['build', '-o', bin, './cmd/berth'], { cwd: root });
  const helloWasm = join(tmp, 'hello.wasm');
  sh('go', ['build', '-o', helloWasm, './examples/hello-go'], {
    cwd: root,
    env: { ...process.env, GOOS: 'wasip1', GOARCH: 'wasm' },
  });
  const idp = join(tmp, 'testidp');
  sh('go', ['build', '-o', idp, './internal/oidc/oidctest/testidp'], { cwd: root });
  const notes = join(tmp, 'plugin-notes');
  sh('go', ['build', '-o', notes, './examples/plugin-notes'], { cwd: root });
  return { bin, helloWasm, idp, notes };
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!findChromium()) {
    if (process.env.CI === 'true') throw new Error(missingChromium);
    console.log('SKIP:', missingChromium);
    process.env[envSkip] = missingChromium;
    return async () => {};
  }
  mkdirSync(screenshots, { recursive: true });
  for (const f of readdirSync(screenshots)) if (f.endsWith('.png')) rmSync(join(screenshots, f));
  const tmp = mkdtempSync(join(tmpdir(), 'berth-e2e-'));
  const t0 = Date.now();
  const { bin, helloWasm, idp, notes } = build(tmp);
  log(`built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // Mailpit, for the specs that read mail: required where CI runs.
  let mailpit: ChildProcess | null = null;
  const mailpitBin = findMailpit();
  if (mailpitBin) {
    const [smtpPort, httpPort] = [await freePort(), await freePort()];
    mailpit = await startMailpit(mailpitBin, tmp, smtpPort, httpPort);
    process.env[envMailpitAPI] = `http://127.0.0.1:${httpPort}`;
    process.env[envMailpitSMTP] = String(smtpPort);
    log('mailpit takes mail on port', smtpPort);
  } else if (process.env.CI === 'true') {
    throw new Error(missingMailpit);
  } else {
    console.log('SKIP (mail specs):', missingMailpit);
  }

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // The OpenID provider people sign in with (Sign in with Corp SSO).
  const provider = await startIdP(idp, tmp, await freePort(), base);
  process.env[envIdP] = provider.issuer;
  // The example plugin (examples/plugin-notes), as a feature service.
  const notesPort = await freePort();
  const configFile = join(tmp, 'berth.toml');
  writeFileSync(
    configFile,
    berthConfig(provider.issuer) + `\n[[services]]\nid = "notes"\nname = "Notes"\nurl = "http://127.0.0.1:${notesPort}"\n`,
  );
  log('the OpenID provider is', provider.issuer);
  mkdirSync(artifacts, { recursive: true });
  const serverLog = createWriteStream(join(artifacts, 'e2e-server.log'));
  const server = spawn(bin, ['serve', '--config', configFile, '--listen', `127.0.0.1:${port}`, '--data-dir', join(tmp, 'data')], {
    env: {
      ...process.env,
      BERTH_ADMIN_EMAIL: admin.email,
      BERTH_ADMIN_PASSWORD: admin.password,
      BERTH_METRICS_LISTEN: '',
      BERTH_AUTH_ALLOW_REGISTRATION: 'true',
      // The tests create a thousand functions from one address in seconds.
      BERTH_WEB_API_PER_SECOND: '5000',
      BERTH_WEB_API_BURST: '5000',
      BERTH_WEB_LOGIN_PER_MINUTE: '600',
      BERTH_WEB_LOGIN_BURST: '100',
      BERTH_SERVICE_POLL_INTERVAL: '1s',
      BERTH_SERVICE_TIMEOUT: '1s',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.pipe(serverLog);
  server.stderr.pipe(serverLog);
  let plugin: ChildProcess | null = null;
  const stop = async () => {
    if (server.exitCode == null) {
      server.kill('SIGTERM');
      await Promise.race([once(server, 'exit'), new Promise((r) => setTimeout(r, 10000))]);
    }
    serverLog.end();
    if (plugin && plugin.exitCode == null) {
      plugin.kill('SIGTERM');
      await Promise.race([once(plugin, 'exit'), new Promise((r) => setTimeout(r, 5000))]);
    }
    if (provider.proc.exitCode == null) {
      provider.proc.kill('SIGTERM');
      await Promise.race([once(provider.proc, 'exit'), new Promise((r) => setTimeout(r, 5000))]);
    }
    if (mailpit && mailpit.exitCode == null) {
      mailpit.kill('SIGTERM');
      await Promise.race([once(mailpit, 'exit'), new Promise((r) => setTimeout(r, 5000))]);
    }
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    await waitReady(base, server);
  } catch (e) {
    await stop();
    throw e;
  }
  log('berth serves', base);
  // The plugin reads berth's key set at start: it starts after berth.
  plugin = spawn(notes, ['-listen', `127.0.0.1:${notesPort}`, '-berth', base, '-data', join(tmp, 'notes-settings.json')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  plugin.stderr!.pipe(createWriteStream(join(artifacts, 'e2e-plugin-notes.log')));
  process.env[envURL] = base;
  process.env[envHelloWasm] = helloWasm;
  return stop;
}
