import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express, { type ErrorRequestHandler, type Express } from 'express';
import { expressBridge, requireSession } from '../adapters/express.js';
import type { Bridge } from '../lib/bridge.js';
import { createFixture, ORIGIN, type Fixture } from './http/fixture.js';

async function listen(app: Express): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
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

const caught: ErrorRequestHandler = (error: Error, _req, res, _next) => {
  res.status(500).json({ caught: error.message });
};

describe('express adapter: bodies', () => {
  let f: Fixture;
  before(async () => {
    f = await createFixture(async (bridge) => {
      const app = express();
      // A host parser for a vendor type the engine itself would refuse raw: a 200 proves the parsed value was used.
      app.use(express.json({ type: ['application/json', 'application/x-host-json'] }));
      app.use('/aforo', expressBridge(bridge));
      return listen(app);
    });
  });
  after(() => f.close());

  it('a body express.json() already parsed is taken as parsed', async () => {
    const token = await f.token();
    const r = await f.call('POST', '/v1/embed/auth/bridge', {
      raw: JSON.stringify({ bridgeToken: token }), headers: f.embedHeaders({ 'content-type': 'application/x-host-json' }),
    });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.sessionJwt);
  });

  it("malformed JSON that the host's express.json() refused is 400 invalid_request with the envelope under the prefix", async () => {
    const r = await f.call('POST', '/v1/embed/auth/bridge', { raw: '{"bridgeToken":', headers: f.embedHeaders({ 'content-type': 'application/json' }) });
    assert.equal(r.status, 400);
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(r.body.error.code, 'invalid_request');
    assert.doesNotMatch(r.text, /at .*\.js|<html|SyntaxError/i);
  });

  it("a body over the host parser's own limit is 413 payload_too_large with the envelope", async () => {
    const r = await f.call('POST', '/v1/embed/auth/bridge', {
      raw: JSON.stringify({ bridgeToken: 'x'.repeat(200 * 1024) }), headers: f.embedHeaders({ 'content-type': 'application/json' }),
    });
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, 'payload_too_large');
  });

  it('a body no host parser read is read raw and parsed by the engine', async () => {
    const r = await f.call('POST', '/v1/embed/auth/bridge', {
      raw: JSON.stringify({ bridgeToken: await f.token() }), headers: f.embedHeaders({ 'content-type': 'application/vnd.api+json' }),
    });
    assert.equal(r.status, 200, r.text);
  });

  it('a raw body over 16 KiB is 413 payload_too_large with the envelope', async () => {
    const r = await f.call('POST', '/v1/embed/auth/bridge', {
      raw: JSON.stringify({ bridgeToken: 'x'.repeat(17 * 1024) }), headers: f.embedHeaders({ 'content-type': 'application/vnd.api+json' }),
    });
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, 'payload_too_large');
  });

  it('a chunked body over 16 KiB is 413 payload_too_large', async () => {
    const response = await fetch(`${f.base}/v1/embed/auth/bridge`, {
      method: 'POST', headers: f.embedHeaders({ 'content-type': 'text/plain' }), ...chunked(64 * 1024),
    } as RequestInit);
    assert.equal(response.status, 413);
    assert.equal((await response.json()).error.code, 'payload_too_large');
  });

  it('a non-JSON body is 415 unsupported_media_type with the envelope', async () => {
    const r = await f.call('POST', '/v1/embed/auth/bridge', { raw: 'bridgeToken=x', headers: f.embedHeaders({ 'content-type': 'application/x-www-form-urlencoded' }) });
    assert.equal(r.status, 415);
    assert.equal(r.body.error.code, 'unsupported_media_type');
  });
});

describe('express adapter: routing, CORS, client IP, sessions, errors', () => {
  let f: Fixture;
  let proxied: Fixture;
  before(async () => {
    f = await createFixture(async (bridge, { tenant }) => {
      const app = express();
      const failing: Bridge = { ...bridge, handle: (request) => (request.path === '/boom' ? Promise.reject(new Error('boom')) : bridge.handle(request)) };
      app.use('/aforo', expressBridge(failing));
      app.get('/aforo/custom', (_req, res) => {
        res.json({ host: true });
      });
      app.get('/api/me', requireSession(bridge, { tenant }), (req, res) => {
        res.json({ customerId: req.aforo?.customer.id, sid: req.aforo?.session.sid });
      });
      // An Express 4-style router mounted under a path of its own, with the bridge mounted inside it.
      const router = express.Router();
      router.use('/aforo', expressBridge(bridge));
      app.use('/portal', router);
      app.use(caught);
      return listen(app);
    });
    proxied = await createFixture(async (bridge) => {
      const app = express();
      app.set('trust proxy', 'loopback');
      app.use('/aforo', expressBridge(bridge));
      return listen(app);
    }, { ipRateLimit: 2 });
  });
  after(async () => {
    await f.close();
    await proxied.close();
  });

  it('a path the engine does not serve falls through to the host route under the prefix', async () => {
    const r = await fetch(`${f.base}/custom`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { host: true });
  });

  it('the mount path is stripped inside a nested router too', async () => {
    const r = await fetch(`${root(f)}/portal/aforo/v1/embed/config`, { headers: f.embedHeaders() });
    assert.equal(r.status, 200);
    assert.equal((await r.json()).tenant.slug, f.tenant);
  });

  it('query parameters reach the engine', async () => {
    const r = await f.call('GET', `/v1/embed/config?tenant=${f.tenant}&embed_key=${f.embedKey}`, { headers: { origin: ORIGIN } });
    assert.equal(r.status, 200);
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

  it("the client IP is Express's proxy-aware req.ip: the rate limiter counts per forwarded client", async () => {
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

  it('requireSession: a valid session JWT sets req.aforo', async () => {
    const session = await f.exchange(await f.token({ external_customer_id: 'me-express' }));
    const r = await fetch(`${root(f)}/api/me`, { headers: { authorization: `Bearer ${session.body.sessionJwt}` } });
    assert.equal(r.status, 200);
    assert.equal((await r.json()).customerId, session.body.customer.id);
  });

  it('requireSession: missing, malformed and logged-out sessions are 401 session_invalid', async () => {
    const session = await f.exchange(await f.token({ external_customer_id: 'gone-express' }));
    await f.call('POST', '/v1/embed/auth/logout', { headers: f.embedHeaders({ authorization: `Bearer ${session.body.sessionJwt}` }) });
    for (const authorization of [undefined, 'Bearer not.a.jwt', `Basic ${session.body.sessionJwt}`, `Bearer ${session.body.sessionJwt}`]) {
      const r = await fetch(`${root(f)}/api/me`, { headers: authorization ? { authorization } : {} });
      assert.equal(r.status, 401, authorization);
      assert.equal((await r.json()).error.code, 'session_invalid');
    }
  });

  it("an exception from the engine reaches Express's error handler", async () => {
    const r = await fetch(`${f.base}/boom`);
    assert.equal(r.status, 500);
    assert.deepEqual(await r.json(), { caught: 'boom' });
  });
});
