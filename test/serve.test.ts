import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { mintBridgeToken } from '../lib/mint.js';
import { memoryMailer } from '../adapters/mail.js';
import { startServer } from '../cli/serve.js';
import { spawnCaptured } from './helpers/child.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'aforo-bridge.mjs');
const ADMIN_TOKEN = 'serve-test-admin-token-5f1c9a';
const ORIGIN = 'http://localhost:5173';
// Guards against a hung child, never a timing assertion.
const HANG_GUARD_MS = 30_000;

interface Served {
  child: ChildProcess;
  url: string;
  line: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function startCli(args: string[], env: Record<string, string> = {}): Served & { ready: Promise<void> } {
  const captured = spawnCaptured([BIN, ...args], ROOT, env);
  const { child, exited } = captured;
  const served: Served = { ...captured, url: '', line: '' };
  const ready = new Promise<void>((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error(`serve did not start: ${captured.stderr()}`)), HANG_GUARD_MS);
    child.stdout?.on('data', () => {
      const match = /^(aforo-bridge listening on (http:\/\/\S+).*)$/m.exec(captured.stdout());
      if (match && !served.url) {
        clearTimeout(guard);
        served.line = match[1];
        served.url = match[2];
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(guard);
      reject(new Error(`serve exited with ${code} before listening: ${captured.stderr()}`));
    });
  });
  // Tests that expect an early exit never await `ready`.
  ready.catch(() => undefined);
  return Object.assign(served, { ready });
}

async function stop(served: Served): Promise<number | null> {
  served.child.kill('SIGTERM');
  const guard = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no exit after SIGTERM')), HANG_GUARD_MS).unref());
  return Promise.race([served.exited, guard]);
}

async function admin(url: string, method: string, path: string, body?: unknown, token = ADMIN_TOKEN) {
  const response = await fetch(`${url}/aforo/v1/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), 'x-forwarded-for': '203.0.113.9' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function seed(url: string): Promise<{ embedKey: string; kid: string; secret: string }> {
  assert.equal((await admin(url, 'POST', '/tenants', { slug: 'acme', name: 'Acme Cloud' })).status, 201);
  const key = await admin(url, 'POST', '/tenants/acme/embed-keys', { allowedOrigins: [ORIGIN] });
  assert.equal(key.status, 201);
  const minted = await admin(url, 'POST', '/tenants/acme/signing-keys', { alg: 'HS256' });
  assert.equal(minted.status, 201);
  assert.equal((await admin(url, 'POST', `/tenants/acme/signing-keys/${String(minted.body.kid)}/promote`)).status, 200);
  return { embedKey: String(key.body.id), kid: String(minted.body.kid), secret: String(minted.body.secret) };
}

function exchange(url: string, embedKey: string, bridgeToken: string) {
  return fetch(`${url}/aforo/v1/embed/auth/bridge`, {
    method: 'POST',
    headers: {
      origin: ORIGIN, 'content-type': 'application/json', 'x-aforo-tenant': 'acme', 'x-aforo-embed-key': embedKey, 'x-forwarded-for': '203.0.113.7',
    },
    body: JSON.stringify({ bridgeToken }),
  });
}

test('serve: listens on the real port, serves health, admin and widget API, 404 envelope elsewhere, exits 0 on SIGTERM', async () => {
  const served = startCli(['serve', '--port', '0', '--host', '127.0.0.1', '--storage', 'memory', '--admin-token', ADMIN_TOKEN]);
  await served.ready;
  try {
    const port = Number(new URL(served.url).port);
    assert.ok(port > 0, served.line);
    assert.ok(!served.stdout().includes(ADMIN_TOKEN) && !served.stderr().includes(ADMIN_TOKEN), 'the admin token is never printed');
    assert.match(served.line, new RegExp(`issuer http://127\\.0\\.0\\.1:${port}/aforo`));

    for (const path of ['/aforo/healthz', '/aforo/readyz']) {
      const response = await fetch(served.url + path);
      assert.equal(response.status, 200, path);
    }
    for (const path of ['/', '/nope', '/aforo/v1/nothing-here', '/aforo']) {
      const response = await fetch(served.url + path);
      assert.equal(response.status, 404, path);
      assert.deepEqual(await response.json(), { error: { code: 'not_found', message: 'nothing is served at this path' } });
    }

    assert.deepEqual((await admin(served.url, 'POST', '/tenants', { slug: 'acme', name: 'x' }, 'wrong-token-wrong-token')).body, {
      error: { code: 'unauthorized', message: 'the admin token is missing or wrong' },
    });
    const { embedKey, kid, secret } = await seed(served.url);
    assert.equal((await admin(served.url, 'GET', '/tenants/acme')).body.name, 'Acme Cloud');
    assert.equal((await admin(served.url, 'POST', '/tenants', { slug: 'acme', name: 'Again' })).status, 409);

    const config = await fetch(`${served.url}/aforo/v1/embed/config?tenant=acme&embed_key=${embedKey}`, { headers: { origin: ORIGIN } });
    assert.equal(config.status, 200);
    assert.equal(config.headers.get('access-control-allow-origin'), ORIGIN);

    const token = await mintBridgeToken({ kid, alg: 'HS256', key: secret, externalCustomerId: 'user-1', email: 'ana@example.com' });
    const session = await exchange(served.url, embedKey, token);
    assert.equal(session.status, 200);
    const answer = (await session.json()) as { sessionJwt: string; customer: { externalId: string } };
    assert.equal(answer.customer.externalId, 'user-1');
    const me = await fetch(`${served.url}/aforo/v1/embed/me`, {
      headers: { origin: ORIGIN, authorization: `Bearer ${answer.sessionJwt}`, 'x-aforo-tenant': 'acme', 'x-aforo-embed-key': embedKey },
    });
    assert.equal(me.status, 200);

    // Koa's own proxy trust stays off and no --trust-proxy was given, so X-Forwarded-For is not believed.
    const audit = await admin(served.url, 'GET', '/tenants/acme/audit?type=session.created');
    const events = audit.body.events as Array<{ ip: string }>;
    assert.equal(events[0].ip, '127.0.0.1');
  } finally {
    assert.equal(await stop(served), 0);
  }
  assert.match(served.stderr(), /SIGTERM: shutting down/);
});

test('serve: every option comes from AFORO_* variables; trust-proxy and ip-rate-limit reach the engine', async () => {
  const served = startCli(['serve'], {
    AFORO_PORT: '0', AFORO_HOST: '127.0.0.1', AFORO_STORAGE: 'memory', AFORO_ADMIN_TOKEN: ADMIN_TOKEN, AFORO_PREFIX: '/aforo',
    AFORO_TRUST_PROXY: '1', AFORO_IP_RATE_LIMIT: '2', AFORO_ISSUER: 'https://portal.example.com/aforo', AFORO_SMTP: 'console',
  });
  await served.ready;
  try {
    assert.match(served.line, /issuer https:\/\/portal\.example\.com\/aforo/);
    const { embedKey } = await seed(served.url);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await exchange(served.url, embedKey, 'not-a-token')).status);
    assert.deepEqual(statuses, [401, 401, 429]);

    await admin(served.url, 'GET', '/tenants/acme/embed-keys', undefined, 'wrong-token-wrong-token');
    const audit = await admin(served.url, 'GET', '/tenants/acme/audit?type=admin.unauthorized');
    assert.equal((audit.body.events as Array<{ ip: string }>)[0].ip, '203.0.113.9', 'one trusted hop: the forwarded client address');
  } finally {
    assert.equal(await stop(served), 0);
  }
});

test('serve: a request in flight when SIGTERM arrives still gets its answer, then the process exits 0', async () => {
  const served = startCli(['serve', '--port', '0', '--host', '127.0.0.1', '--storage', 'memory', '--admin-token', ADMIN_TOKEN]);
  await served.ready;
  const { hostname, port } = new URL(served.url);
  const body = JSON.stringify({ slug: 'late', name: 'Late tenant' });
  const answer = await new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
    const req = request({
      hostname, port, method: 'POST', path: '/aforo/v1/admin/tenants',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
    });
    // 100 Continue proves the server holds the request; the body follows only after SIGTERM.
    req.once('continue', () => {
      let sent = false;
      served.child.stderr?.on('data', () => {
        if (!sent && served.stderr().includes('SIGTERM: shutting down')) {
          sent = true;
          req.end(body);
        }
      });
      served.child.kill('SIGTERM');
    });
    req.once('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, connection: res.headers.connection }));
    });
    req.once('error', reject);
    req.flushHeaders();
  });
  assert.equal(answer.status, 201, answer.body);
  assert.equal(JSON.parse(answer.body).slug, 'late');
  assert.equal(answer.connection, 'close');
  assert.equal(await served.exited, 0);
});

test('serve: bad options exit 2, an unreachable storage exits 1 with the password masked', async () => {
  const badPort = startCli(['serve', '--port', 'eighty', '--storage', 'memory']);
  assert.equal(await badPort.exited, 2);
  assert.match(badPort.stderr(), /--port must be an integer/);

  const shortToken = startCli(['serve', '--port', '0', '--storage', 'memory', '--admin-token', 'short']);
  assert.equal(await shortToken.exited, 2);
  assert.match(shortToken.stderr(), /--admin-token must be at least 16 characters/);

  const badStorage = startCli(['serve', '--port', '0', '--storage', 'mysql://x']);
  assert.equal(await badStorage.exited, 2);

  const unreachable = startCli(['serve', '--port', '0', '--host', '127.0.0.1', '--storage', 'postgres://aforo:hunter2-very-secret@127.0.0.1:1/aforo']);
  assert.equal(await unreachable.exited, 1);
  assert.match(unreachable.stderr(), /^error: storage_unavailable: /m);
  assert.ok(!unreachable.stderr().includes('hunter2-very-secret'), unreachable.stderr());
  assert.ok(!unreachable.stdout().includes('hunter2-very-secret'));
});

test('startServer: a thrown error becomes the internal envelope with no stack; host routes and 404 are kept apart', async () => {
  const errors: unknown[] = [];
  const server = await startServer({
    host: '127.0.0.1', port: 0, storage: 'memory', mailer: memoryMailer(), adminToken: ADMIN_TOKEN,
    logger: { debug() {}, info() {}, warn() {}, error: (obj) => errors.push(obj) },
    setup({ app }) {
      app.use(async (ctx, next) => {
        if (ctx.path === '/boom') throw new Error('boom with a secret inside');
        if (ctx.path === '/teapot') ctx.throw(404, 'no teapot here');
        if (ctx.path === '/host') ctx.body = { host: true };
        else await next();
      });
    },
  });
  try {
    assert.equal(server.issuer, `http://127.0.0.1:${server.port}/aforo`);
    const boom = await fetch(`${server.url}/boom`);
    assert.equal(boom.status, 500);
    assert.deepEqual(await boom.json(), { error: { code: 'internal', message: 'internal error' } });
    assert.equal(errors.length, 1, 'the cause is logged on the server side');
    const teapot = await fetch(`${server.url}/teapot`);
    assert.deepEqual([teapot.status, await teapot.json()], [404, { error: { code: 'not_found', message: 'no teapot here' } }]);
    assert.deepEqual(await (await fetch(`${server.url}/host`)).json(), { host: true });
    assert.equal((await fetch(`${server.url}/aforo/healthz`)).status, 200);
    assert.equal((await fetch(`${server.url}/elsewhere`)).status, 404);
  } finally {
    await server.close();
  }
  await server.close();
});
