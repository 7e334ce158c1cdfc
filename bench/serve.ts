import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BENCH_ORIGIN, PREFIX, RETURNING_CUSTOMER, type ServerInfo } from './shared.js';
import type { StorageName } from './storages.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const START_TIMEOUT_MS = 60_000;

/** A running `aforo-bridge serve` process, seeded like the bench server through its admin API. */
export interface ServeChild {
  info: ServerInfo;
  /** The master key it runs with: a second process on the same database needs the same one. */
  masterKey: string;
  stop(): Promise<void>;
}

/**
 * Starts the standalone server as a user runs it (`aforo-bridge serve`, the CLI's own logger writing its request log
 * to a pipe this process drains), on `storage` (`sqlite:<file>` or a postgres URL). With `seed`, creates the bench
 * tenant through the admin API; without, reuses `seeded` (a second process on the same database).
 */
export async function startServe(
  storage: string,
  name: StorageName,
  seeded?: { info: Omit<ServerInfo, 'port'>; masterKey: string },
): Promise<ServeChild> {
  const adminToken = randomBytes(24).toString('base64url');
  const masterKey = seeded?.masterKey ?? randomBytes(32).toString('base64');
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'cli/main.ts', 'serve', '--host', '127.0.0.1', '--port', '0', '--storage', storage,
      '--issuer', `${BENCH_ORIGIN}${PREFIX}`, '--ip-rate-limit', '1000000', '--smtp', 'console', '--log-level', 'info'],
    {
      cwd: ROOT,
      env: { ...process.env, AFORO_ADMIN_TOKEN: adminToken, AFORO_MASTER_KEY: masterKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // The request log is read and dropped, as a log shipper would; a full pipe would otherwise stall the server. The last
  // lines are kept for the error message of a process that would not start.
  let tail = '';
  child.stderr!.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-2000)));
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('aforo-bridge serve did not start within 60 s')), START_TIMEOUT_MS);
    lines.on('line', (line) => {
      const found = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
      if (found) {
        clearTimeout(timer);
        resolve(Number(found[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`aforo-bridge serve exited with code ${code} before it listened: ${tail.trim()}`));
    });
  });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  try {
    const info = seeded ? { ...seeded.info, port, pid: child.pid } : { ...(await seedServe(port, adminToken)), port, storage: name, pid: child.pid };
    return { info, masterKey, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function seedServe(port: number, adminToken: string): Promise<Omit<ServerInfo, 'port' | 'storage'>> {
  const admin = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`http://127.0.0.1:${port}${PREFIX}/v1/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`serve seeding: ${method} ${path} answered ${response.status}: ${text.slice(0, 200)}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  const tenant = 'bench';
  await admin('POST', '/tenants', { slug: tenant, name: 'Bench Co' });
  const { key: embedKey } = await admin('POST', `/tenants/${tenant}/embed-keys`, { allowedOrigins: [BENCH_ORIGIN] });
  const { kid, secret } = await admin('POST', `/tenants/${tenant}/signing-keys`, { alg: 'HS256' });
  await admin('POST', `/tenants/${tenant}/signing-keys/${String(kid)}/promote`);
  const { externalId, email, name } = RETURNING_CUSTOMER;
  await admin('PUT', `/tenants/${tenant}/customers/${externalId}`, { email, name });
  return {
    tenant,
    embedKey: String(embedKey),
    kid: String(kid),
    secret: String(secret),
    knownEmails: [],
    framework: 'koa',
    magicLinks: 0,
    magicSeed: '',
  };
}
