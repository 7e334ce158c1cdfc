import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { expressBridge, requireSession as expressSession } from '../adapters/express.js';
import { fastifyBridge, requireSession as fastifySession } from '../adapters/fastify.js';
import { koaBridge, requireSession as koaSession } from '../adapters/koa.js';
import type { Bridge } from '../lib/bridge.js';
import { createFixture, type Fixture, type Mount } from './http/fixture.js';

async function listening(server: Server) {
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// Each mount serves `/api/me` scoped to the fixture's tenant by slug, and `/api/:tenant/me` scoped by a function
// of the request, as a multi-tenant host would.
const mounts: Record<string, Mount> = {
  koa: async (bridge, { tenant }) => {
    const app = new Koa();
    app.use(koaBridge(bridge, { prefix: '/aforo' }));
    const bySlug = koaSession(bridge, { tenant });
    const byPath = koaSession(bridge, { tenant: (ctx) => ctx.path.split('/')[2] });
    app.use(async (ctx, next) => {
      const done = async () => {
        ctx.body = { customerId: (ctx.state as { aforo?: { customer: { id: string } } }).aforo?.customer.id };
      };
      if (ctx.path === '/api/me') return bySlug(ctx, done);
      if (/^\/api\/[^/]+\/me$/.test(ctx.path)) return byPath(ctx, done);
      return next();
    });
    return listening(app.listen(0, '127.0.0.1'));
  },
  express: async (bridge, { tenant }) => {
    const app = express();
    app.use('/aforo', expressBridge(bridge));
    app.get('/api/me', expressSession(bridge, { tenant }), (req, res) => {
      res.json({ customerId: req.aforo?.customer.id });
    });
    app.get('/api/:tenant/me', expressSession(bridge, { tenant: (req) => String(req.params.tenant) }), (req, res) => {
      res.json({ customerId: req.aforo?.customer.id });
    });
    return listening(app.listen(0, '127.0.0.1'));
  },
  fastify: async (bridge, { tenant }) => {
    const app = Fastify();
    await app.register(fastifyBridge, { bridge, prefix: '/aforo' });
    app.get('/api/me', { preHandler: fastifySession(bridge, { tenant }) }, async (request) => ({ customerId: request.aforo?.customer.id }));
    app.get<{ Params: { tenant: string } }>(
      '/api/:tenant/me',
      { preHandler: fastifySession(bridge, { tenant: (request) => (request.params as { tenant: string }).tenant }) },
      async (request) => ({ customerId: request.aforo?.customer.id }),
    );
    const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    return { baseUrl, close: () => app.close() };
  },
};

for (const [name, mount] of Object.entries(mounts)) {
  describe(`requireSession on ${name}: scoped to one tenant and a live embed key`, () => {
    let f: Fixture;
    let mine: string;
    let theirs: string;
    let otherTenant: string;
    const root = () => f.base.replace(/\/aforo$/, '');
    const me = (path: string, jwt: string) => fetch(`${root()}${path}`, { headers: { authorization: `Bearer ${jwt}` } });

    before(async () => {
      f = await createFixture(mount);
      const session = await f.exchange(await f.token({ external_customer_id: 'mine' }));
      mine = session.body.sessionJwt;
      otherTenant = `o${f.tenant}`;
      const other = await f.addTenant(otherTenant);
      const token = await f.token({ external_customer_id: 'theirs' }, { kid: other.kid }, other.secret);
      const theirSession = await f.call('POST', '/v1/embed/auth/bridge', {
        body: { bridgeToken: token },
        headers: f.embedHeaders({ 'x-aforo-tenant': otherTenant, 'x-aforo-embed-key': other.embedKey }),
      });
      assert.equal(theirSession.status, 200, theirSession.text);
      theirs = theirSession.body.sessionJwt;
    });
    after(() => f.close());

    it(`${name} requireSession: a session of this tenant passes`, async () => {
      const r = await me('/api/me', mine);
      assert.equal(r.status, 200);
      assert.ok(((await r.json()) as { customerId: string }).customerId.startsWith('cus_'));
    });

    it(`${name} requireSession: another tenant's session is 401 session_invalid`, async () => {
      const r = await me('/api/me', theirs);
      assert.equal(r.status, 401);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'session_invalid');
    });

    it(`${name} requireSession: a tenant function of the request scopes each path to its own tenant`, async () => {
      assert.equal((await me(`/api/${otherTenant}/me`, theirs)).status, 200);
      assert.equal((await me(`/api/${otherTenant}/me`, mine)).status, 401);
      assert.equal((await me(`/api/${f.tenant}/me`, mine)).status, 200);
      assert.equal((await me('/api/no-such-tenant/me', mine)).status, 401);
    });

    it(`${name} requireSession: no bearer is 401 with the envelope`, async () => {
      const r = await fetch(`${root()}/api/me`);
      assert.equal(r.status, 401);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'session_invalid');
    });

    it(`${name} requireSession: after the embed key is revoked the session no longer passes`, async () => {
      const revoked = await f.admin('POST', `/tenants/${f.tenant}/embed-keys/${f.embedKey}/revoke`);
      assert.equal(revoked.status, 200, revoked.text);
      const r = await me('/api/me', mine);
      assert.equal(r.status, 401);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'session_invalid');
    });

    it(`${name} requireSession: without a tenant it fails when built, naming the option`, () => {
      const bridge = f.bridge as Bridge;
      const build = { koa: koaSession, express: expressSession, fastify: fastifySession }[name] as (b: Bridge, o?: unknown) => unknown;
      assert.throws(() => build(bridge), (e: unknown) => e instanceof TypeError && /tenant/.test(e.message));
      assert.throws(() => build(bridge, {}), (e: unknown) => e instanceof TypeError && /tenant/.test(e.message));
    });
  });
}
