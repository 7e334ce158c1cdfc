import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryMailer } from '../adapters/mail.js';
import { ADMIN_ROUTE_KEYS } from '../lib/admin-routes.js';
import { createBridge } from '../lib/bridge.js';
import { PUBLIC_ROUTE_KEYS } from '../lib/handler.js';
import { openApiDocument } from '../lib/openapi.js';
import { STUDIO_ROUTE_KEYS } from '../lib/studio/routes.js';
import { memoryStorage } from '../storage/memory.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function described(): string[] {
  const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${path.replace(/\{([a-zA-Z]+)\}/g, ':$1')}`));
}

describe('OpenAPI document', () => {
  it('openapi: every served route is described and every described route is served', () => {
    const served = [...PUBLIC_ROUTE_KEYS, ...ADMIN_ROUTE_KEYS, ...STUDIO_ROUTE_KEYS].map((r) => r.replace(/:[a-zA-Z]+/g, ':p')).sort();
    const doc = described().map((r) => r.replace(/:[a-zA-Z]+/g, ':p')).sort();
    assert.deepEqual(doc, served);
  });

  it('openapi: each described route reaches the engine (handle answers, never null) and the document is served', async () => {
    // With the studio on, so its routes are served too.
    const bridge = createBridge({ storage: memoryStorage(), mailer: memoryMailer(), issuer: 'https://p.example.com/aforo', adminToken: 'admin-token-0123456789', studio: true });
    for (const route of described()) {
      const [method, template] = route.split(' ');
      const path = template.replace(/:[a-zA-Z]+/g, 'x1');
      const answer = await bridge.handle({ method, path, query: {}, headers: {}, ip: '127.0.0.1' });
      assert.notEqual(answer, null, route);
      assert.ok(answer && answer.status < 500, `${route} ${answer?.status}`);
    }
    const served = await bridge.handle({ method: 'GET', path: '/v1/openapi.json', query: {}, headers: {}, ip: '127.0.0.1' });
    assert.equal(JSON.parse(String(served?.body)).openapi, '3.1.0');
    await bridge.close();
  });
});

describe('answer schemas', () => {
  it('schemas: every admin and widget answer of a full flow matches the schema its route declares', async () => {
    const { Value } = await import('@sinclair/typebox/value');
    const { FormatRegistry } = await import('@sinclair/typebox');
    if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => !Number.isNaN(Date.parse(v)) && new Date(v).toISOString() === v);
    const { ADMIN_ROUTES, WIDGET_ROUTES } = await import('../lib/routes.js');
    const { mintBridgeToken } = await import('../lib/mint.js');
    const mailer = memoryMailer();
    const bridge = createBridge({ storage: memoryStorage(), mailer, issuer: 'https://p.example.com/aforo', adminToken: 'admin-token-0123456789' });
    const origin = 'https://shop.example.com';
    const seen = new Set<string>();
    const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const [pathname, search] = path.split('?');
      const answer = await bridge.handle({
        method, path: pathname, query: Object.fromEntries(new URLSearchParams(search ?? '')), ip: '127.0.0.1',
        headers: { 'content-type': 'application/json', authorization: 'Bearer admin-token-0123456789', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      assert.ok(answer && answer.status < 300, `${method} ${path}: ${answer?.status} ${String(answer?.body)}`);
      const parsed = answer.body === null ? null : JSON.parse(String(answer.body));
      const admin = ADMIN_ROUTES.find((r) => r.method === method && new RegExp(`^/v1/admin${r.path.replace(/:[a-zA-Z]+/g, '[^/]+')}$`).test(pathname));
      const widget = WIDGET_ROUTES.find((r) => r.method === method && new RegExp(`^${r.path.replace(/:[a-zA-Z]+/g, '[^/]+')}$`).test(pathname));
      const schema = admin?.answer.schema ?? widget?.answer.schema;
      if (schema) {
        assert.ok(Value.Check(schema, parsed), `${method} ${path}: ${JSON.stringify([...Value.Errors(schema, parsed)].slice(0, 2))}`);
        seen.add(`${method} ${admin ? `/v1/admin${admin.path}` : widget?.path}`);
      }
      return parsed;
    };
    const t = '/v1/admin/tenants/acme';
    await call('POST', '/v1/admin/tenants', { slug: 'acme', name: 'Acme', branding: { primaryColor: '#123456' }, magicLink: { allowSignup: false } });
    await call('GET', t);
    await call('GET', '/v1/admin/tenants');
    const ek = await call('POST', `${t}/embed-keys`, { allowedOrigins: [origin] });
    await call('GET', `${t}/embed-keys`);
    await call('PATCH', `${t}/embed-keys/${ek.id}`, { allowedOrigins: [origin] });
    const hs = await call('POST', `${t}/signing-keys`, { alg: 'HS256' });
    const rs = await call('POST', `${t}/signing-keys`, { alg: 'RS256' });
    await call('POST', `${t}/signing-keys/${hs.kid}/promote`);
    await call('GET', `${t}/signing-keys`);
    await call('POST', `${t}/signing-keys/${rs.kid}/revoke`, { force: true });
    await call('PUT', `${t}/offerings/pro`, { name: 'Pro', status: 'PUBLISHED', ratePlans: [{ id: 'm', name: 'Monthly', currency: 'usd', amountCents: 900, interval: 'month' }] });
    await call('GET', `${t}/offerings`);
    await call('PUT', `${t}/customers/c1`, { email: 'c1@example.com', name: 'C One' });
    await call('GET', `${t}/customers?email=c1@example.com`);
    await call('PUT', `${t}/customers/c1/invoices/in_1`, { number: 'N-1', status: 'OPEN', amountDueCents: 900, currency: 'usd', issuedAt: '2026-01-01T00:00:00Z' });
    await call('GET', `${t}/customers/c1/invoices`);
    const embed = { origin, 'x-aforo-tenant': 'acme', 'x-aforo-embed-key': ek.key };
    await call('GET', '/v1/embed/config', undefined, embed);
    const bridgeToken = await mintBridgeToken({ kid: hs.kid, alg: 'HS256', key: hs.secret, externalCustomerId: 'c1' });
    const session = await call('POST', '/v1/embed/auth/bridge', { bridgeToken }, embed);
    const bearer = { ...embed, authorization: `Bearer ${session.sessionJwt}` };
    await call('GET', '/v1/embed/me', undefined, bearer);
    await call('GET', '/v1/embed/invoices?limit=5', undefined, bearer);
    await call('POST', '/v1/embed/auth/refresh', {}, bearer);
    await call('PUT', `${t}/customers/c1/subscriptions/sub_1`, { offeringId: 'pro', ratePlanId: 'm', status: 'ACTIVE', currentPeriodStart: '2026-01-01T00:00:00Z', currentPeriodEnd: '2026-02-01T00:00:00Z' });
    await call('GET', `${t}/customers/c1/subscriptions`);
    await call('PUT', `${t}/customers/c1/subscriptions/sub_1/usage/seats`, { used: 3, included: 5 });
    await call('GET', '/v1/embed/subscriptions', undefined, bearer);
    await call('GET', '/v1/embed/subscriptions/sub_1/usage', undefined, bearer);
    await call('POST', '/v1/embed/subscriptions/sub_1/cancel', {}, bearer);
    await call('POST', '/v1/embed/subscriptions/sub_1/resume', {}, bearer);
    await call('POST', '/v1/embed/subscriptions/sub_1/change-plan', { ratePlanId: 'm' }, bearer);
    await call('POST', '/v1/embed/checkout', { offeringId: 'pro', ratePlanId: 'm', returnUrl: `${origin}/account` }, bearer);
    await call('POST', '/v1/embed/auth/magic-link', { email: 'c1@example.com', returnUrl: `${origin}/billing` }, embed);
    await bridge.drain();
    const token = /aforo_magic_token=([A-Za-z0-9_-]+)/.exec(mailer.outbox[0]?.text ?? '')?.[1];
    const { makeResumeKey, resumeProof } = await import('./helpers/resume-proof.js');
    const resumeKey = await makeResumeKey();
    await call('POST', '/v1/embed/auth/magic-link/exchange', { token, resumeKey: resumeKey.publicJwk }, embed);
    const { nonce } = await call('POST', '/v1/embed/auth/resume/nonce', {}, embed);
    const proof = await resumeProof(resumeKey, { nonce, htu: 'https://p.example.com/aforo/v1/embed/auth/resume', iat: Math.floor(Date.now() / 1000) });
    await call('POST', '/v1/embed/auth/resume', { proof }, embed);
    await call('GET', `${t}/audit?limit=5`);
    await call('POST', `${t}/embed-keys/${ek.id}/revoke`);
    const expected = [...ADMIN_ROUTES.map((r) => `${r.method} /v1/admin${r.path}`), ...WIDGET_ROUTES.map((r) => `${r.method} ${r.path}`)]
      .filter((r) => !['POST /v1/embed/auth/logout'].includes(r));
    for (const route of expected) assert.ok(seen.has(route), `${route} was not checked`);
    await bridge.drain();
    await bridge.close();
  });
});
