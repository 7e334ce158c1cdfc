/** Embed Studio test helpers: the real standalone server on a SQLite file, and studio calls over real HTTP. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../cli/serve.js';
import { memoryMailer } from '../../adapters/mail.js';
import type { Logger } from '../../lib/config.js';

export const STUDIO_ADMIN_TOKEN = 'studio-admin-token-7d2e91b4c3a5';

export interface StudioWorld {
  server: RunningServer;
  /** `http://127.0.0.1:<port>/aforo` */
  base: string;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Every log line the engine wrote, serialised. */
  logs: string[];
  close(): Promise<void>;
}

/** Starts `serve` in process on a fresh SQLite file, with the studio on (its default there). */
export async function startStudioWorld(options: { studio?: boolean; adminToken?: string | null; clock?: () => Date; adminRateLimit?: number } = {}): Promise<StudioWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'aforo-studio-'));
  const logs: string[] = [];
  const line = (level: string) => (obj: object, msg?: string) => { logs.push(JSON.stringify({ level, msg, ...obj })); };
  const logger: Logger = { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
  const server = await startServer({
    host: '127.0.0.1', port: 0, prefix: '/aforo', storage: `sqlite:${join(dir, 'studio.db')}`, mailer: memoryMailer(), logger,
    ...(options.adminToken === null ? {} : { adminToken: options.adminToken ?? STUDIO_ADMIN_TOKEN }),
    ...(options.studio !== undefined ? { studio: options.studio } : {}),
    ...(options.adminRateLimit !== undefined ? { adminRateLimit: options.adminRateLimit } : {}),
    ...(options.clock ? { engine: { clock: options.clock } } : {}),
  });
  return {
    server, base: server.issuer, origin: new URL(server.issuer).origin, logs,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers are inspected freely in tests
}

/** One call below the engine's base, as the studio page makes it (same origin), unless told otherwise. */
export async function call(world: StudioWorld, method: string, path: string, options: { cookie?: string; csrf?: string; body?: unknown; raw?: string; origin?: string | null; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.cookie) headers.cookie = options.cookie;
  if (options.csrf !== undefined) headers['x-aforo-csrf'] = options.csrf;
  if (options.origin !== null && method !== 'GET') headers.origin = options.origin ?? world.origin;
  const text = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (text !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${world.base}${path}`, { method, headers, body: text });
  const raw = await response.text();
  let body: unknown = raw;
  try {
    body = raw ? JSON.parse(raw) : null;
  } catch {
    body = raw;
  }
  return { status: response.status, headers: response.headers, body };
}

/** Signs in with the admin token; returns the cookie pair to send back and the CSRF token. */
export async function signIn(world: StudioWorld, token = STUDIO_ADMIN_TOKEN): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const answer = await call(world, 'POST', '/studio/session', { body: { adminToken: token } });
  if (answer.status !== 201) throw new Error(`sign-in answered ${answer.status} ${JSON.stringify(answer.body)}`);
  const setCookie = answer.headers.get('set-cookie') ?? '';
  return { cookie: setCookie.split(';')[0], csrf: answer.body.csrfToken, setCookie };
}
