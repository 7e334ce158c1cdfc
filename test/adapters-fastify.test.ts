import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { bridgeFrameworkErrors, fastifyBridge, requireSession } from '../adapters/fastify.js';
import type { Bridge } from '../lib/bridge.js';
import { createFixture, ORIGIN, type Fixture } from './http/fixture.js';

async function listen(app: FastifyInstance): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  return { baseUrl, close: () => app.close() };
}

/** The server root (the fixture's base is the mount). */
const root = (f: Fixture) => f.base.slice(0, -'/aforo'.length);

/** A chunked body: no Content-Length, so only the adapter's reading cap can stop it. */
function chunked(bytes: number): { body: ReadableStream<Uint8Array>; duplex: 'half' } {
  const chunk = new TextEncoder().encode('x'.repeat(1024));
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
  return { body, duplex: 'half' };
}

describe('fastify adapter: bodies', () => {
  let f: Fixture;
  before(async () => {
    f = await createFixture(async (bridge) => {
      const app = Fastify();
      // The host's own JSON parser, registered on the root before the mount.
      app.removeContentTypeParser('application/json');
      app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
        try {
          done(null, { parsedByHost: JSON.parse(body as string) });
        } catch (error) {
          done(error as Error, undefined);
        }
      });
      app.post('/echo', async (request) => request.body);
      await app.register(fastifyBridge, { bridge, prefix: '/aforo' });
      return listen(app);
    });
  });
  after(() => f.close());

  it("the host's JSON parser keeps serving host routes and the engine still gets the body it expects", async () => {
    const echo = await fetch(`${root(f)}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    assert.deepEqual(await echo.json(), { parsedByHost: { a: 1 } });
    const r = await f.exchange(await f.token());
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.sessionJwt);
  });

  it('malformed and empty JSON bodies get the engine envelope, not Fastify errors', async () => {
    const bad = await f.call('POST', '/v1/embed/auth/bridge', { raw: '{"bridgeToken":', headers: f.embedHeaders({ 'content-type': 'application/json' }) });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'invalid_request');
    const session = await f.exchange(await f.token());
    const empty = await f.call('POST', '/v1/embed/auth/refresh', {
      raw: '', headers: f.embedHeaders({ 'content-type': 'application/json', 'content-length': '0', authorization: `Bearer ${session.body.sessionJwt}` }),
    });
    assert.equal(empty.status, 200, empty.text);
  });

  it('a body over 16 KiB is 413 payload_too_large, even past Fastify\'s own 1 MiB limit', async () => {
    for (const size of [17 * 1024, 2 * 1024 * 1024]) {
      const r = await f.call('POST', '/v1/embed/auth/bridge', { raw: JSON.stringify({ bridgeToken: 'x'.repeat(size) }), headers: f.embedHeaders({ 'content-type': 'application/json' }) });
      assert.equal(r.status, 413, String(size));
      assert.equal(r.body.error.code, 'payload_too_large');
    }
  });

  it('a chunked body over 16 KiB is 413 payload_too_large', async () => {
    const response = await fetch(`${f.base}/v1/embed/auth/bridge`, {
      method: 'POST', headers: f.embedHeaders({ 'content-type': 'application/json' }), ...chunked(64 * 1024),
    } as RequestInit);
    assert.equal(response.status, 413);
    assert.equal((await response.json()).error.code, 'payload_too_large');
  });

  it('a non-JSON or malformed media type is 415 unsupported_media_type with the envelope', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'not a media type']) {
      const r = await f.call('POST', '/v1/embed/auth/bridge', { raw: 'bridgeToken=x', headers: f.embedHeaders({ 'content-type': type }) });
      assert.equal(r.status, 415, type);
      assert.equal(r.body.error.code, 'unsupported_media_type');
    }
  });
});

describe('fastify adapter: routing, CORS, client IP, sessions, errors', () => {
  let f: Fixture;
  let proxied: Fixture;
  const hostErrors: string[] = [];
  before(async () => {
    f = await createFixture(async (bridge, { tenant }) => {
      const app = Fastify({ frameworkErrors: bridgeFrameworkErrors('/aforo') });
      app.setErrorHandler((error: Error, _request, reply) => {
        hostErrors.push(error.message);
        return reply.code(500).send({ caught: error.message });
      });
      const failing: Bridge = { ...bridge, handle: (request) => (request.path === '/boom' ? Promise.reject(new Error('boom')) : bridge.handle(request)) };
      app.get('/aforo/before', async () => ({ host: 'before' }));
      await app.register(fastifyBridge, { bridge: failing, prefix: '/aforo' });
      app.get('/aforo/custom', async () => ({ host: 'custom' }));
      app.get('/api/me', { preHandler: requireSession(bridge, { tenant }) }, async (request) => ({
        customerId: request.aforo?.customer.id, sid: request.aforo?.session.sid,
      }));
      app.get('/bad/:id', async () => ({}));
      return listen(app);
    });
    proxied = await createFixture(async (bridge) => {
      const app = Fastify({ trustProxy: '127.0.0.1' });
      await app.register(fastifyBridge, { bridge, prefix: '/aforo' });
      return listen(app);
    }, { ipRateLimit: 2 });
  });
  after(async () => {
    await f.close();
    await proxied.close();
  });

  it('host routes under the prefix win over the plugin, registered before it or after it', async () => {
    for (const [path, host] of [['/before', 'before'], ['/custom', 'custom']]) {
      const r = await fetch(`${f.base}${path}`);
      assert.equal(r.status, 200, path);
      assert.deepEqual(await r.json(), { host });
    }
  });

  it('a path under the prefix that nobody serves is 404 not_found with the envelope', async () => {
    for (const [method, path] of [['GET', '/nope'], ['POST', '/custom'], ['GET', '/v1/embed/nope'], ['GET', '']]) {
      const r = await f.call(method, path);
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.equal(r.body.error.code, 'not_found');
    }
  });

  it('GET, HEAD and query parameters reach the engine', async () => {
    assert.equal((await f.call('HEAD', '/healthz')).status, 200);
    const r = await f.call('GET', `/v1/embed/config?tenant=${f.tenant}&embed_key=${f.embedKey}`, { headers: { origin: ORIGIN } });
    assert.equal(r.status, 200);
    assert.equal(r.body.tenant.slug, f.tenant);
  });

  it('preflight: an allowed origin gets CORS headers, another gets 403 without them', async () => {
    const ok = await f.call('OPTIONS', '/v1/embed/auth/bridge', { headers: { origin: ORIGIN, 'access-control-request-method': 'POST' } });
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), ORIGIN);
    assert.equal(ok.headers.get('access-control-max-age'), '600');
    const no = await f.call('OPTIONS', '/v1/embed/auth/bridge', { headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' } });
    assert.equal(no.status, 403);
    assert.equal(no.body.error.code, 'origin_not_allowed');
    assert.equal(no.headers.get('access-control-allow-origin'), null);
  });

  it("the client IP is Fastify's proxy-aware request.ip: the rate limiter counts per forwarded client", async () => {
    const from = async (ip: string) =>
      proxied.call('POST', '/v1/embed/auth/bridge', { body: { bridgeToken: await proxied.token() }, headers: proxied.embedHeaders({ 'x-forwarded-for': ip }) });
    assert.equal((await from('203.0.113.7')).status, 200);
    assert.equal((await from('203.0.113.7')).status, 200);
    const limited = await from('203.0.113.7');
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, 'rate_limited');
    assert.ok(limited.headers.get('retry-after'));
    assert.equal((await from('198.51.100.9')).status, 200);
    const audit = await proxied.admin('GET', `/tenants/${proxied.tenant}/audit?type=session.created`);
    assert.deepEqual(new Set(audit.body.events.map((e: { ip: string }) => e.ip)), new Set(['203.0.113.7', '198.51.100.9']));
  });

  it('requireSession: a valid session JWT sets request.aforo', async () => {
    const session = await f.exchange(await f.token({ external_customer_id: 'me-fastify' }));
    const r = await fetch(`${root(f)}/api/me`, { headers: { authorization: `Bearer ${session.body.sessionJwt}` } });
    assert.equal(r.status, 200);
    assert.equal((await r.json()).customerId, session.body.customer.id);
  });

  it('requireSession: missing, malformed and logged-out sessions are 401 session_invalid', async () => {
    const session = await f.exchange(await f.token({ external_customer_id: 'gone-fastify' }));
    await f.call('POST', '/v1/embed/auth/logout', { headers: f.embedHeaders({ authorization: `Bearer ${session.body.sessionJwt}` }) });
    for (const authorization of [undefined, 'Bearer not.a.jwt', `Basic ${session.body.sessionJwt}`, `Bearer ${session.body.sessionJwt}`]) {
      const r = await fetch(`${root(f)}/api/me`, { headers: authorization ? { authorization } : {} });
      assert.equal(r.status, 401, authorization);
      assert.equal((await r.json()).error.code, 'session_invalid');
    }
  });

  it("an exception from the engine reaches the host's error handler", async () => {
    const r = await f.call('GET', '/boom');
    assert.equal(r.status, 500);
    assert.deepEqual(r.body, { caught: 'boom' });
    assert.deepEqual(hostErrors, ['boom']);
  });

  it('bridgeFrameworkErrors: a malformed URL under the prefix gets the envelope, elsewhere Fastify\'s answer', async () => {
    const ours = await f.call('GET', '/v1/admin/tenants/%E0%A4%A');
    assert.equal(ours.status, 400);
    assert.equal(ours.body.error.code, 'invalid_request');
    const theirs = await fetch(`${root(f)}/bad/%E0%A4%A`);
    assert.equal(theirs.status, 400);
    assert.equal((await theirs.json()).code, 'FST_ERR_BAD_URL');
  });
});
