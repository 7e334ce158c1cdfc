import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { memoryMailer, type MemoryMailer } from '../../adapters/mail.js';
import { createBridge, type Bridge } from '../../lib/bridge.js';
import type { BridgeOptions } from '../../lib/config.js';
import type { Storage } from '../../lib/storage.js';
import { memoryStorage } from '../../storage/memory.js';

/** Mounts a bridge under `/aforo` on 127.0.0.1:0 with one framework; the HTTP contract runs once per mount. */
export type Mount = (bridge: Bridge, context: { tenant: string }) => Promise<{ baseUrl: string; close(): Promise<void> }>;

export const ORIGIN = 'https://shop.example.com';
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** A clock tests move by hand. */
export class TestClock {
  ms = Date.parse('2026-03-01T10:00:00Z');
  now = (): Date => new Date(this.ms);
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
  seconds(): number {
    return Math.floor(this.ms / 1000);
  }
}

export interface Fixture {
  bridge: Bridge;
  base: string;
  clock: TestClock;
  mailer: MemoryMailer;
  storage: Storage;
  tenant: string;
  embedKey: string;
  kid: string;
  secret: string;
  close(): Promise<void>;
  call(method: string, path: string, init?: { body?: unknown; raw?: string | Buffer; headers?: Record<string, string> }): Promise<Answer>;
  admin(method: string, path: string, body?: unknown): Promise<Answer>;
  embedHeaders(extra?: Record<string, string>): Record<string, string>;
  /** A bridge token for the fixture's HS256 key; claims override the defaults, `undefined` removes one. */
  token(claims?: Record<string, unknown>, header?: Record<string, unknown>, secret?: string): Promise<string>;
  exchange(token: string, headers?: Record<string, string>): Promise<Answer>;
  addTenant(slug: string): Promise<{ embedKey: string; kid: string; secret: string }>;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers are inspected freely in tests
  text: string;
}

export async function createFixture(
  mount: Mount,
  options: Partial<BridgeOptions> & { storage?: Storage } = {},
): Promise<Fixture> {
  const clock = new TestClock();
  const mailer = memoryMailer();
  const storage = options.storage ?? memoryStorage();
  const bridge = createBridge({
    storage,
    mailer,
    issuer: 'https://portal.example.com/aforo',
    adminToken: ADMIN_TOKEN,
    clock: clock.now,
    ...options,
  });
  // The slug is drawn before mounting, so a mount can scope the host's own routes to it (requireSession).
  const tenant = `t${randomBytes(4).toString('hex')}`;
  const server = await mount(bridge, { tenant });
  const base = `${server.baseUrl}/aforo`;

  async function call(method: string, path: string, init: { body?: unknown; raw?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...init.headers };
    let body: string | Buffer | undefined = init.raw;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(base + path, { method, headers, body: body === undefined ? undefined : new Uint8Array(Buffer.from(body)) });
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  }
  const admin = (method: string, path: string, body?: unknown) =>
    call(method, `/v1/admin${path}`, { body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

  async function addTenant(slug: string) {
    const t = await admin('POST', '/tenants', { slug, name: `Tenant ${slug}`, branding: { primaryColor: '#112233' } });
    if (t.status !== 201) throw new Error(`tenant: ${t.text}`);
    const ek = await admin('POST', `/tenants/${slug}/embed-keys`, { allowedOrigins: [ORIGIN, 'http://localhost:5173'] });
    const sk = await admin('POST', `/tenants/${slug}/signing-keys`, { alg: 'HS256' });
    await admin('POST', `/tenants/${slug}/signing-keys/${sk.body.kid}/promote`);
    return { embedKey: ek.body.key as string, kid: sk.body.kid as string, secret: sk.body.secret as string };
  }

  const first = await addTenant(tenant);
  const embedHeaders = (extra: Record<string, string> = {}) => ({
    origin: ORIGIN, 'x-aforo-tenant': tenant, 'x-aforo-embed-key': first.embedKey, ...extra,
  });

  async function token(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, secret = first.secret) {
    const iat = clock.seconds();
    const payload: Record<string, unknown> = {
      external_customer_id: 'cust-1', iat, exp: iat + 300, jti: randomBytes(12).toString('base64url'), aud: 'aforo-bridge', ...claims,
    };
    for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
    return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: first.kid, ...header } as { alg: string }).sign(new TextEncoder().encode(secret));
  }

  return {
    bridge, base, clock, mailer, storage, tenant, ...first, call, admin, embedHeaders, token, addTenant,
    exchange: (t, headers = {}) => call('POST', '/v1/embed/auth/bridge', { body: { bridgeToken: t }, headers: embedHeaders(headers) }),
    async close() {
      await server.close();
      await bridge.close();
    },
  };
}
