import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeJwt, exportSPKI, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import type { BridgeOptions } from '../../lib/config.js';
import type { Storage } from '../../lib/storage.js';
import { ADMIN_TOKEN, createFixture, ORIGIN, type Fixture, type Mount } from './fixture.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * The HTTP contract of SPEC sections 3–5 and 8, run once per framework mount. Codes are asserted, not messages.
 */
export function httpContract(name: string, mount: Mount, makeStorage?: () => Promise<Storage>): void {
  const fixture = async (options: Partial<BridgeOptions> = {}) =>
    createFixture(mount, { ...options, ...(makeStorage ? { storage: await makeStorage() } : {}) });
  describe(`${name}: anonymous mode and origins`, () => {
    let f: Fixture;
    before(async () => {
      f = await fixture();
      await f.admin('PUT', `/tenants/${f.tenant}/offerings/pro`, {
        name: 'Pro', status: 'PUBLISHED', ratePlans: [{ id: 'pro-m', name: 'Monthly', currency: 'eur', amountCents: 1900, interval: 'month', features: ['A'] }],
      });
      await f.admin('PUT', `/tenants/${f.tenant}/offerings/secret`, { name: 'Secret', status: 'DRAFT' });
      await f.admin('PUT', `/tenants/${f.tenant}/offerings/old`, { name: 'Old', status: 'ARCHIVED' });
    });
    after(() => f.close());

    it('config: only PUBLISHED offerings leave the engine, with CORS for the allowed origin', async () => {
      const r = await f.call('GET', '/v1/embed/config', { headers: f.embedHeaders() });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.offerings.map((o: { id: string }) => o.id), ['pro']);
      assert.equal(r.body.tenant.slug, f.tenant);
      assert.equal(r.body.tenant.branding.primaryColor, '#112233');
      assert.equal(r.headers.get('access-control-allow-origin'), ORIGIN);
      assert.match(r.headers.get('vary') ?? '', /Origin/);
    });

    it('config: tenant and embed key may come from the query on GET', async () => {
      const r = await f.call('GET', `/v1/embed/config?tenant=${f.tenant}&embed_key=${f.embedKey}`, { headers: { origin: ORIGIN } });
      assert.equal(r.status, 200);
    });

    const refused: Array<[string, string | undefined]> = [
      ['suffix', 'https://shop.example.com.evil.com'],
      ['prefix', 'https://evilshop.example.com'],
      ['sub-domain', 'https://a.shop.example.com'],
      ['userinfo', 'https://shop.example.com@evil.com'],
      ['userinfo before host', 'https://evil@shop.example.com'],
      ['other port', 'https://shop.example.com:8443'],
      ['other scheme', 'http://shop.example.com'],
      ['null', 'null'],
      ['path', 'https://shop.example.com/'],
      ['query', 'https://shop.example.com?x'],
      ['percent-escape', 'https://shop%2eexample.com'],
      ['missing', undefined],
    ];
    for (const [label, origin] of refused) {
      it(`origin: ${label} never matches (403 origin_not_allowed, no CORS)`, async () => {
        const headers = f.embedHeaders();
        if (origin === undefined) delete (headers as Record<string, string | undefined>).origin;
        else headers.origin = origin;
        const r = await f.call('GET', '/v1/embed/config', { headers });
        assert.equal(r.status, 403);
        assert.equal(r.body.error.code, 'origin_not_allowed');
        assert.equal(r.headers.get('access-control-allow-origin'), null);
      });
    }

    it('origin: default port and upper-case host normalise to the allowed origin', async () => {
      for (const origin of ['https://shop.example.com:443', 'https://SHOP.example.com']) {
        const r = await f.call('GET', '/v1/embed/config', { headers: f.embedHeaders({ origin }) });
        assert.equal(r.status, 200, origin);
      }
    });

    it('origin: loopback http is allowed when listed', async () => {
      const r = await f.call('GET', '/v1/embed/config', { headers: f.embedHeaders({ origin: 'http://localhost:5173' }) });
      assert.equal(r.status, 200);
    });

    it('origin: a same-origin request without Origin passes only if the issuer origin is listed', async () => {
      const headers = f.embedHeaders({ 'sec-fetch-site': 'same-origin' });
      delete (headers as Record<string, string | undefined>).origin;
      assert.equal((await f.call('GET', '/v1/embed/config', { headers })).status, 403);
      const keys = await f.admin('GET', `/tenants/${f.tenant}/embed-keys`);
      const key = keys.body.embedKeys.find((k: { key: string }) => k.key === f.embedKey);
      await f.admin('PATCH', `/tenants/${f.tenant}/embed-keys/${key.id}`, { allowedOrigins: [...key.allowedOrigins, 'https://portal.example.com'] });
      assert.equal((await f.call('GET', '/v1/embed/config', { headers })).status, 200);
      await f.admin('PATCH', `/tenants/${f.tenant}/embed-keys/${key.id}`, { allowedOrigins: key.allowedOrigins });
    });

    it('embed key: unknown, wrong tenant and missing are embed_key_invalid', async () => {
      const other = await f.addTenant(`o${randomBytes(3).toString('hex')}`);
      for (const headers of [
        f.embedHeaders({ 'x-aforo-embed-key': 'ek_live_nope' }),
        f.embedHeaders({ 'x-aforo-embed-key': other.embedKey }),
        { origin: ORIGIN },
      ]) {
        const r = await f.call('GET', '/v1/embed/config', { headers });
        assert.equal(r.status, 401);
        assert.equal(r.body.error.code, 'embed_key_invalid');
      }
    });

    it('preflight: allowed origin gets CORS headers and max-age 600; others get 403 without CORS', async () => {
      const ok = await f.call('OPTIONS', '/v1/embed/auth/bridge', {
        headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-aforo-tenant' },
      });
      assert.equal(ok.status, 204);
      assert.equal(ok.headers.get('access-control-allow-origin'), ORIGIN);
      assert.equal(ok.headers.get('access-control-max-age'), '600');
      assert.match(ok.headers.get('access-control-allow-headers') ?? '', /x-aforo-embed-key/);
      const no = await f.call('OPTIONS', '/v1/embed/auth/bridge', { headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' } });
      assert.equal(no.status, 403);
      assert.equal(no.headers.get('access-control-allow-origin'), null);
    });

    it('embed key revoked: config refused', async () => {
      const ek = await f.admin('POST', `/tenants/${f.tenant}/embed-keys`, { allowedOrigins: [ORIGIN] });
      assert.equal((await f.call('GET', '/v1/embed/config', { headers: f.embedHeaders({ 'x-aforo-embed-key': ek.body.key }) })).status, 200);
      assert.equal((await f.admin('POST', `/tenants/${f.tenant}/embed-keys/${ek.body.id}/revoke`)).status, 200);
      const r = await f.call('GET', '/v1/embed/config', { headers: f.embedHeaders({ 'x-aforo-embed-key': ek.body.key }) });
      assert.equal(r.body.error.code, 'embed_key_invalid');
    });

    it('health, readiness and JWKS answer without embed headers', async () => {
      assert.equal((await f.call('GET', '/healthz')).status, 200);
      assert.equal((await f.call('GET', '/readyz')).status, 200);
      const jwks = await f.call('GET', '/.well-known/jwks.json');
      assert.equal(jwks.status, 200);
      assert.equal(jwks.body.keys[0].alg, 'EdDSA');
      assert.equal(jwks.body.keys[0].d, undefined);
    });
  });

  describe(`${name}: bridge exchange`, () => {
    let f: Fixture;
    before(async () => {
      f = await fixture({ ipRateLimit: 10_000 });
    });
    after(() => f.close());

    it('exchange: a valid token gives a session whose JWT verifies against the JWKS with the SPEC claims', async () => {
      const r = await f.exchange(await f.token({ email: 'Ann@Example.com', name: 'Ann' }));
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('access-control-allow-origin'), ORIGIN);
      assert.equal(r.body.expiresIn, 3600);
      assert.deepEqual(Object.keys(r.body).sort(), ['customer', 'expiresAt', 'expiresIn', 'sessionJwt']);
      assert.equal(r.body.customer.externalId, 'cust-1');
      assert.equal(r.body.customer.email, 'Ann@Example.com');
      assert.match(r.body.customer.id, /^cus_/);
      const jwks = createRemoteJWKSet(new URL(`${f.base}/.well-known/jwks.json`));
      const { payload, protectedHeader } = await jwtVerify(r.body.sessionJwt, jwks, {
        issuer: 'https://portal.example.com/aforo', audience: 'aforo-embed', currentDate: f.clock.now(),
      });
      assert.equal(protectedHeader.alg, 'EdDSA');
      assert.ok(protectedHeader.kid);
      assert.equal(payload.sub, r.body.customer.id);
      assert.equal(payload.tid, f.tenant);
      assert.equal(payload.ext, 'cust-1');
      assert.equal(payload.ek, f.embedKey);
      assert.deepEqual(payload.amr, ['bridge']);
      assert.equal((payload.exp as number) - (payload.iat as number), 3600);
      assert.match(String(payload.sid), /^sid_/);
      assert.equal(new Date(r.body.expiresAt).getTime(), (payload.exp as number) * 1000);
    });

    it('exchange: sub is accepted when external_customer_id is absent', async () => {
      const r = await f.exchange(await f.token({ external_customer_id: undefined, sub: 'via-sub' }));
      assert.equal(r.status, 200);
      assert.equal(r.body.customer.externalId, 'via-sub');
    });

    it('exchange: an email that belongs to another customer still exchanges and stays where it is', async () => {
      const a = await f.exchange(await f.token({ external_customer_id: 'owner', email: 'shared@example.com' }));
      const b = await f.exchange(await f.token({ external_customer_id: 'other', email: 'SHARED@example.com' }));
      assert.equal(a.status, 200);
      assert.equal(b.status, 200);
      assert.equal(b.body.customer.email, null);
      const list = await f.admin('GET', `/tenants/${f.tenant}/customers?email=shared@example.com`);
      assert.deepEqual(list.body.customers.map((c: { externalId: string }) => c.externalId), ['owner']);
    });

    const hostile: Array<[string, string, (f: Fixture) => Promise<string>]> = [
      ['alg none', 'bridge_token_invalid', async (f) => `${b64({ alg: 'none', kid: f.kid })}.${b64({ external_customer_id: 'x', iat: f.clock.seconds(), exp: f.clock.seconds() + 60, jti: 'n1' })}.`],
      ['garbage', 'bridge_token_invalid', async () => 'not-a-jwt'],
      ['three garbage parts', 'bridge_token_invalid', async () => 'a.b.c'],
      ['tampered payload', 'bridge_token_invalid', async (f) => {
        const [h, , s] = (await f.token()).split('.');
        return `${h}.${b64({ external_customer_id: 'admin', iat: f.clock.seconds(), exp: f.clock.seconds() + 60, jti: 'tp' })}.${s}`;
      }],
      ['wrong secret', 'bridge_token_invalid', async (f) => f.token({}, {}, 'not-the-secret-at-all-not-the-secret')],
      ['unknown kid', 'signing_key_unknown', async (f) => f.token({}, { kid: 'sk_doesnotexist' })],
      ['injected kid', 'signing_key_unknown', async (f) => f.token({}, { kid: "sk_' OR 1=1 --" })],
      ['path kid', 'signing_key_unknown', async (f) => f.token({}, { kid: '../../etc/passwd' })],
      ['missing kid', 'bridge_token_invalid', async (f) => {
        const iat = f.clock.seconds();
        return new SignJWT({ external_customer_id: 'x', jti: 'k0' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(iat).setExpirationTime(iat + 60).sign(new TextEncoder().encode(f.secret));
      }],
      ['expired', 'bridge_token_expired', async (f) => f.token({ iat: f.clock.seconds() - 400, exp: f.clock.seconds() - 100 })],
      ['future iat', 'bridge_token_invalid', async (f) => f.token({ iat: f.clock.seconds() + 120, exp: f.clock.seconds() + 300 })],
      ['lifetime over 600 s', 'bridge_token_invalid', async (f) => f.token({ exp: f.clock.seconds() + 601 })],
      ['missing jti', 'bridge_token_invalid', async (f) => f.token({ jti: undefined })],
      ['jti over 128 chars', 'bridge_token_invalid', async (f) => f.token({ jti: 'j'.repeat(129) })],
      ['missing external_customer_id', 'bridge_token_invalid', async (f) => f.token({ external_customer_id: undefined })],
      ['external id over 255 chars', 'bridge_token_invalid', async (f) => f.token({ external_customer_id: 'x'.repeat(256) })],
      ['non-string external id', 'bridge_token_invalid', async (f) => f.token({ external_customer_id: 42 })],
      ['missing exp', 'bridge_token_invalid', async (f) => f.token({ exp: undefined })],
      ['missing iat', 'bridge_token_invalid', async (f) => f.token({ iat: undefined })],
      ['wrong aud', 'bridge_token_invalid', async (f) => f.token({ aud: 'someone-else' })],
      ['oversized', 'bridge_token_invalid', async (f) => f.token({ pad: 'x'.repeat(9000) })],
      ['alg swapped to HS512 with the same secret', 'bridge_token_invalid', async (f) => {
        const iat = f.clock.seconds();
        return new SignJWT({ external_customer_id: 'x', jti: 'hs512' }).setProtectedHeader({ alg: 'HS512', kid: f.kid }).setIssuedAt(iat).setExpirationTime(iat + 60).sign(new TextEncoder().encode(f.secret));
      }],
    ];
    for (const [label, code, make] of hostile) {
      it(`exchange refuses ${label} (${code})`, async () => {
        const r = await f.exchange(await make(f));
        assert.equal(r.status, 401, r.text);
        assert.equal(r.body.error.code, code);
      });
    }

    it('exchange refuses HS/RS confusion: an HS256 token signed with an RS256 key\'s public PEM', async () => {
      const { publicKey } = await generateKeyPair('RS256', { extractable: true });
      const pem = await exportSPKI(publicKey);
      const reg = await f.admin('POST', `/tenants/${f.tenant}/signing-keys`, { alg: 'RS256', publicKeyPem: pem });
      assert.equal(reg.status, 201);
      const iat = f.clock.seconds();
      const forged = await new SignJWT({ external_customer_id: 'x', jti: 'conf' }).setProtectedHeader({ alg: 'HS256', kid: reg.body.kid })
        .setIssuedAt(iat).setExpirationTime(iat + 60).sign(new TextEncoder().encode(pem));
      const r = await f.exchange(forged);
      assert.equal(r.body.error.code, 'bridge_token_invalid');
    });

    it("exchange refuses another tenant's key (signing_key_unknown)", async () => {
      const other = await f.addTenant(`x${randomBytes(3).toString('hex')}`);
      const r = await f.exchange(await f.token({}, { kid: other.kid }, other.secret));
      assert.equal(r.body.error.code, 'signing_key_unknown');
    });

    it('exchange: a body over 16 KiB is 413, a non-JSON body 415, malformed JSON 400, a non-object 400', async () => {
      const big = await f.call('POST', '/v1/embed/auth/bridge', { raw: JSON.stringify({ bridgeToken: 'x'.repeat(17_000) }), headers: f.embedHeaders({ 'content-type': 'application/json' }) });
      assert.equal(big.status, 413);
      assert.equal(big.body.error.code, 'payload_too_large');
      const text = await f.call('POST', '/v1/embed/auth/bridge', { raw: 'bridgeToken=x', headers: f.embedHeaders({ 'content-type': 'text/plain' }) });
      assert.equal(text.status, 415);
      assert.equal(text.body.error.code, 'unsupported_media_type');
      const bad = await f.call('POST', '/v1/embed/auth/bridge', { raw: '{"bridgeToken":', headers: f.embedHeaders({ 'content-type': 'application/json' }) });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'invalid_request');
      const arr = await f.call('POST', '/v1/embed/auth/bridge', { raw: '[1,2]', headers: f.embedHeaders({ 'content-type': 'application/json' }) });
      assert.equal(arr.status, 400);
      const empty = await f.call('POST', '/v1/embed/auth/bridge', { headers: f.embedHeaders() });
      assert.equal(empty.status, 401);
      assert.equal(empty.body.error.code, 'bridge_token_invalid');
    });

    it('errors before the allowlist check do not echo a foreign origin', async () => {
      const r = await f.call('POST', '/v1/embed/auth/bridge', { raw: 'x', headers: f.embedHeaders({ origin: 'https://evil.example.com', 'content-type': 'text/plain' }) });
      assert.equal(r.status, 415);
      assert.equal(r.headers.get('access-control-allow-origin'), null);
      const ok = await f.call('POST', '/v1/embed/auth/bridge', { raw: 'x', headers: f.embedHeaders({ 'content-type': 'text/plain' }) });
      assert.equal(ok.headers.get('access-control-allow-origin'), ORIGIN);
    });

    it('exchange: 20 concurrent exchanges of one token give exactly one session', async () => {
      const t = await f.token({ external_customer_id: 'replay' });
      const answers = await Promise.all(Array.from({ length: 20 }, () => f.exchange(t)));
      assert.equal(answers.filter((a) => a.status === 200).length, 1);
      assert.ok(answers.filter((a) => a.status !== 200).every((a) => a.body.error.code === 'bridge_token_replayed'));
    });

    it('exchange: 20 concurrent first sightings of one external id create exactly one customer', async () => {
      const tokens = await Promise.all(Array.from({ length: 20 }, () => f.token({ external_customer_id: 'first-sight' })));
      const answers = await Promise.all(tokens.map((t) => f.exchange(t)));
      assert.ok(answers.every((a) => a.status === 200));
      assert.equal(new Set(answers.map((a) => a.body.customer.id)).size, 1);
    });

    it('exchange: a replayed jti is refused even with a fresh signature', async () => {
      assert.equal((await f.exchange(await f.token({ jti: 'same-jti' }))).status, 200);
      const again = await f.exchange(await f.token({ jti: 'same-jti', external_customer_id: 'someone-else' }));
      assert.equal(again.body.error.code, 'bridge_token_replayed');
    });

    it('no input produces a 500 or a stack', async () => {
      const probes = [
        f.call('POST', '/v1/embed/auth/bridge', { raw: '{"bridgeToken":{"$gt":""}}', headers: f.embedHeaders({ 'content-type': 'application/json' }) }),
        f.call('POST', '/v1/embed/auth/bridge', { raw: '\u0000\u0001', headers: f.embedHeaders({ 'content-type': 'application/json' }) }),
        f.call('GET', '/v1/embed/invoices?limit=-1&cursor=%%%', { headers: f.embedHeaders({ authorization: 'Bearer x.y.z' }) }),
        f.call('GET', '/v1/embed/me', { headers: f.embedHeaders({ authorization: 'Basic abc' }) }),
        f.call('POST', '/v1/embed/auth/refresh', { headers: f.embedHeaders({ authorization: `Bearer ${'a'.repeat(5000)}` }) }),
        f.call('GET', `/v1/embed/config?tenant=${'a'.repeat(3000)}&embed_key=x`, { headers: { origin: ORIGIN } }),
        f.call('PUT', `/v1/admin/tenants/%E0%A4%A/customers/x`, { body: {}, headers: { authorization: 'Bearer nope' } }),
      ];
      for (const r of await Promise.all(probes)) {
        assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.text}`);
        assert.ok(r.body?.error?.code, r.text);
        assert.doesNotMatch(r.text, /at .*\.(ts|js):\d+/);
      }
    });
  });

  describe(`${name}: sessions`, () => {
    let f: Fixture;
    before(async () => {
      f = await fixture({ ipRateLimit: 10_000 });
    });
    after(() => f.close());
    const bearer = (jwt: string, extra: Record<string, string> = {}) => f.embedHeaders({ authorization: `Bearer ${jwt}`, ...extra });

    it('me: returns the customer of the JWT', async () => {
      const s = await f.exchange(await f.token({ external_customer_id: 'me-1', name: 'Me' }));
      const r = await f.call('GET', '/v1/embed/me', { headers: bearer(s.body.sessionJwt) });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.customer, s.body.customer);
    });

    it('refresh: same sid, new exp; the earlier JWT stays valid until its own exp', async () => {
      const s = await f.exchange(await f.token({ external_customer_id: 'ref-1' }));
      f.clock.advance(600);
      const r = await f.call('POST', '/v1/embed/auth/refresh', { headers: bearer(s.body.sessionJwt) });
      assert.equal(r.status, 200);
      const a = decodeJwt(s.body.sessionJwt);
      const b = decodeJwt(r.body.sessionJwt);
      assert.equal(a.sid, b.sid);
      assert.equal((b.exp as number) - (a.exp as number), 600);
      assert.equal((await f.call('GET', '/v1/embed/me', { headers: bearer(s.body.sessionJwt) })).status, 200);
      f.clock.advance(3600 - 600);
      const old = await f.call('GET', '/v1/embed/me', { headers: bearer(s.body.sessionJwt) });
      assert.equal(old.body.error.code, 'session_expired');
      assert.equal((await f.call('GET', '/v1/embed/me', { headers: bearer(r.body.sessionJwt) })).status, 200);
    });

    it('refresh: never past the absolute lifetime; after it, 401 session_expired', async () => {
      let s = await f.exchange(await f.token({ external_customer_id: 'abs-1' }));
      for (let hour = 1; hour < 24; hour++) {
        f.clock.advance(3000);
        s = await f.call('POST', '/v1/embed/auth/refresh', { headers: bearer(s.body.sessionJwt) });
        assert.equal(s.status, 200, `hour ${hour}: ${s.text}`);
      }
      f.clock.advance(3000);
      const last = await f.call('POST', '/v1/embed/auth/refresh', { headers: bearer(s.body.sessionJwt) });
      assert.equal(last.status, 200);
      const claims = decodeJwt(last.body.sessionJwt);
      assert.ok((claims.exp as number) * 1000 <= Date.parse('2026-03-01T10:00:00Z') + 86400_000 * 2);
      f.clock.advance(4000);
      const after = await f.call('POST', '/v1/embed/auth/refresh', { headers: bearer(last.body.sessionJwt) });
      assert.equal(after.status, 401);
      assert.equal(after.body.error.code, 'session_expired');
    });

    it('logout: 204, then the JWT is refused at once', async () => {
      const s = await f.exchange(await f.token({ external_customer_id: 'out-1' }));
      const r = await f.call('POST', '/v1/embed/auth/logout', { headers: bearer(s.body.sessionJwt) });
      assert.equal(r.status, 204);
      for (const [method, path] of [['GET', '/v1/embed/me'], ['POST', '/v1/embed/auth/refresh'], ['GET', '/v1/embed/invoices']] as const) {
        const again = await f.call(method, path, { headers: bearer(s.body.sessionJwt) });
        assert.equal(again.status, 401);
        assert.equal(again.body.error.code, 'session_invalid');
      }
    });

    it('session: refused under another embed key, a revoked embed key or a removed origin', async () => {
      const s = await f.exchange(await f.token({ external_customer_id: 'cross-1' }));
      const ek2 = await f.admin('POST', `/tenants/${f.tenant}/embed-keys`, { allowedOrigins: [ORIGIN] });
      const otherKey = await f.call('GET', '/v1/embed/me', { headers: bearer(s.body.sessionJwt, { 'x-aforo-embed-key': ek2.body.key }) });
      assert.equal(otherKey.body.error.code, 'session_invalid');

      const ek3 = await f.admin('POST', `/tenants/${f.tenant}/embed-keys`, { allowedOrigins: [ORIGIN] });
      const s3 = await f.exchange(await f.token({ external_customer_id: 'cross-3' }), { 'x-aforo-embed-key': ek3.body.key });
      assert.equal(s3.status, 200);
      await f.admin('PATCH', `/tenants/${f.tenant}/embed-keys/${ek3.body.id}`, { allowedOrigins: ['https://elsewhere.example.com'] });
      const moved = await f.call('GET', '/v1/embed/me', { headers: bearer(s3.body.sessionJwt, { 'x-aforo-embed-key': ek3.body.key }) });
      assert.equal(moved.body.error.code, 'origin_not_allowed');
      await f.admin('POST', `/tenants/${f.tenant}/embed-keys/${ek3.body.id}/revoke`);
      const revoked = await f.call('GET', '/v1/embed/me', { headers: bearer(s3.body.sessionJwt, { 'x-aforo-embed-key': ek3.body.key, origin: 'https://elsewhere.example.com' }) });
      assert.equal(revoked.body.error.code, 'embed_key_invalid');
    });

    it("session: a JWT of tenant A is refused with tenant B's headers", async () => {
      const s = await f.exchange(await f.token({ external_customer_id: 'cross-2' }));
      const slug = `b${randomBytes(3).toString('hex')}`;
      const other = await f.addTenant(slug);
      const r = await f.call('GET', '/v1/embed/me', { headers: bearer(s.body.sessionJwt, { 'x-aforo-tenant': slug, 'x-aforo-embed-key': other.embedKey }) });
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, 'session_invalid');
    });

    it('session: a JWT signed by someone else, or tampered, is session_invalid', async () => {
      const s = await f.exchange(await f.token({ external_customer_id: 'forge-1' }));
      const [h, p, sig] = s.body.sessionJwt.split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      const tampered = `${h}.${b64({ ...claims, sub: 'cus_victim' })}.${sig}`;
      assert.equal((await f.call('GET', '/v1/embed/me', { headers: bearer(tampered) })).body.error.code, 'session_invalid');
      const { privateKey } = generateKeyPairSync('ed25519');
      const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: JSON.parse(Buffer.from(h, 'base64url').toString()).kid }).sign(privateKey);
      assert.equal((await f.call('GET', '/v1/embed/me', { headers: bearer(forged) })).body.error.code, 'session_invalid');
      assert.equal((await f.call('GET', '/v1/embed/me', { headers: f.embedHeaders() })).body.error.code, 'session_invalid');
    });

    it('invoices: only the session customer\'s, newest first, cursor pagination and status filter', async () => {
      const s = await f.exchange(await f.token({ external_customer_id: 'inv-1' }));
      for (let i = 1; i <= 5; i++) {
        const put = await f.admin('PUT', `/tenants/${f.tenant}/customers/inv-1/invoices/in_${i}`, {
          number: `N-${i}`, status: i % 2 ? 'OPEN' : 'PAID', amountDueCents: i * 100, currency: 'usd', issuedAt: `2026-01-0${i}T00:00:00Z`,
        });
        assert.equal(put.status, 200, put.text);
      }
      await f.admin('PUT', `/tenants/${f.tenant}/customers/inv-2/invoices/other_1`, { number: 'X', status: 'OPEN', amountDueCents: 1, currency: 'usd', issuedAt: '2026-01-09T00:00:00Z' });
      const page1 = await f.call('GET', '/v1/embed/invoices?limit=2', { headers: bearer(s.body.sessionJwt) });
      assert.deepEqual(page1.body.invoices.map((i: { id: string }) => i.id), ['in_5', 'in_4']);
      const page2 = await f.call('GET', `/v1/embed/invoices?limit=2&cursor=${page1.body.nextCursor}`, { headers: bearer(s.body.sessionJwt) });
      assert.deepEqual(page2.body.invoices.map((i: { id: string }) => i.id), ['in_3', 'in_2']);
      const page3 = await f.call('GET', `/v1/embed/invoices?limit=2&cursor=${page2.body.nextCursor}`, { headers: bearer(s.body.sessionJwt) });
      assert.deepEqual(page3.body.invoices.map((i: { id: string }) => i.id), ['in_1']);
      assert.equal(page3.body.nextCursor, null);
      const paid = await f.call('GET', '/v1/embed/invoices?status=PAID', { headers: bearer(s.body.sessionJwt) });
      assert.deepEqual(paid.body.invoices.map((i: { id: string }) => i.id), ['in_4', 'in_2']);
      for (const q of ['status=NOPE', 'limit=0', 'limit=101', 'cursor=%7B']) {
        const bad = await f.call('GET', `/v1/embed/invoices?${q}`, { headers: bearer(s.body.sessionJwt) });
        assert.equal(bad.status, 400, q);
        assert.equal(bad.body.error.code, 'invalid_request');
      }
    });
  });

  describe(`${name}: signing-key rotation`, () => {
    let f: Fixture;
    before(async () => {
      f = await fixture({ ipRateLimit: 10_000 });
    });
    after(() => f.close());

    it('rotation: NEXT and RETIRING keys verify, REVOKED never does; promoting a non-NEXT key is 409', async () => {
      const next = await f.admin('POST', `/tenants/${f.tenant}/signing-keys`, { alg: 'HS256' });
      assert.equal(next.body.status, 'NEXT');
      assert.ok(next.body.secret.length >= 43);
      const viaNext = await f.exchange(await f.token({}, { kid: next.body.kid }, next.body.secret));
      assert.equal(viaNext.status, 200);
      assert.equal((await f.admin('POST', `/tenants/${f.tenant}/signing-keys/${next.body.kid}/promote`)).status, 200);
      const keys = await f.admin('GET', `/tenants/${f.tenant}/signing-keys`);
      const byKid = Object.fromEntries(keys.body.signingKeys.map((k: { kid: string; status: string }) => [k.kid, k.status]));
      assert.equal(byKid[next.body.kid], 'ACTIVE');
      assert.equal(byKid[f.kid], 'RETIRING');
      assert.ok(!JSON.stringify(keys.body).includes(next.body.secret));
      assert.ok(keys.body.signingKeys.every((k: Record<string, unknown>) => k.secret === undefined && k.privateKeyPem === undefined));
      assert.equal((await f.exchange(await f.token())).status, 200);
      const again = await f.admin('POST', `/tenants/${f.tenant}/signing-keys/${next.body.kid}/promote`);
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'conflict');
      const session = await f.exchange(await f.token({ external_customer_id: 'rot' }));
      const revoke = await f.admin('POST', `/tenants/${f.tenant}/signing-keys/${f.kid}/revoke`, { endSessions: true });
      assert.equal(revoke.status, 200);
      const refused = await f.exchange(await f.token());
      assert.equal(refused.body.error.code, 'signing_key_revoked');
      const me = await f.call('GET', '/v1/embed/me', { headers: f.embedHeaders({ authorization: `Bearer ${session.body.sessionJwt}` }) });
      assert.equal(me.body.error.code, 'session_invalid');
      const last = await f.admin('POST', `/tenants/${f.tenant}/signing-keys/${next.body.kid}/revoke`, {});
      assert.equal(last.status, 409);
      const forced = await f.admin('POST', `/tenants/${f.tenant}/signing-keys/${next.body.kid}/revoke`, { force: true });
      assert.equal(forced.status, 200);
      assert.equal(forced.body.status, 'REVOKED');
    });

    it('mint: RS256, ES256 and EdDSA keys return their private key once and verify bridge tokens', async () => {
      const { importPKCS8 } = await import('jose');
      for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
        const minted = await f.admin('POST', `/tenants/${f.tenant}/signing-keys`, { alg });
        assert.equal(minted.status, 201);
        assert.match(minted.body.privateKeyPem, /BEGIN PRIVATE KEY/);
        const iat = f.clock.seconds();
        const t = await new SignJWT({ external_customer_id: `k-${alg}`, jti: `j-${alg}`, aud: 'aforo-bridge' })
          .setProtectedHeader({ alg, kid: minted.body.kid }).setIssuedAt(iat).setExpirationTime(iat + 300)
          .sign(await importPKCS8(minted.body.privateKeyPem, alg));
        assert.equal((await f.exchange(t)).status, 200, alg);
        const listed = await f.admin('GET', `/tenants/${f.tenant}/signing-keys`);
        assert.ok(!listed.text.includes('PRIVATE KEY'));
      }
    });

    it('register: a tenant public key verifies; RSA under 2048 bits is 400', async () => {
      const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
      const r1 = await f.admin('POST', `/tenants/${f.tenant}/signing-keys`, { alg: 'RS256', publicKeyPem: small.publicKey.export({ type: 'spki', format: 'pem' }) });
      assert.equal(r1.status, 400);
      const ed = generateKeyPairSync('ed25519');
      const r2 = await f.admin('POST', `/tenants/${f.tenant}/signing-keys`, { alg: 'EdDSA', publicKeyPem: ed.publicKey.export({ type: 'spki', format: 'pem' }) });
      assert.equal(r2.status, 201);
      assert.equal(r2.body.privateKeyPem, undefined);
      const iat = f.clock.seconds();
      const t = await new SignJWT({ external_customer_id: 'reg', jti: 'reg-1' }).setProtectedHeader({ alg: 'EdDSA', kid: r2.body.kid })
        .setIssuedAt(iat).setExpirationTime(iat + 300).sign(ed.privateKey);
      assert.equal((await f.exchange(t)).status, 200);
      const wrongAlg = await f.admin('POST', `/tenants/${f.tenant}/signing-keys`, { alg: 'ES256', publicKeyPem: ed.publicKey.export({ type: 'spki', format: 'pem' }) });
      assert.equal(wrongAlg.status, 400);
      const bad = await f.admin('POST', `/tenants/${f.tenant}/signing-keys`, { alg: 'PS256' });
      assert.equal(bad.status, 400);
    });
  });

  describe(`${name}: admin API`, () => {
    let f: Fixture;
    before(async () => {
      f = await fixture();
    });
    after(() => f.close());

    it('admin: a missing or wrong token is 401 and leaks nothing', async () => {
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Basic ${f.secret}` }] as Record<string, string>[]) {
        const r = await f.call('GET', `/v1/admin/tenants/${f.tenant}`, { headers });
        assert.equal(r.status, 401);
        assert.equal(r.body.error.code, 'unauthorized');
        assert.ok(!r.text.includes(f.tenant));
      }
      const unknown = await f.call('GET', '/v1/admin/tenants/does-not-exist', { headers: { authorization: 'Bearer wrong' } });
      assert.equal(unknown.status, 401);
    });

    it('admin: a body over 16 KiB is not taken in when a wrong token refuses it first: 401 with Connection: close', async () => {
      // Keep-alive on purpose: without the close the server would read the 20 MB announced, then wait for more.
      const url = new URL(f.base);
      const answer = await new Promise<{ text: string; closed: boolean }>((resolve) => {
        const socket = connect(Number(url.port), url.hostname, () => {
          socket.write([`POST ${url.pathname}/v1/admin/tenants HTTP/1.1`, `Host: ${url.host}`, 'Authorization: Bearer wrong',
            'Content-Type: application/json', `Content-Length: ${20 * 1024 * 1024}`, '', '{"pad":"'].join('\r\n'));
        });
        let text = '';
        const guard = setTimeout(() => { socket.destroy(); resolve({ text, closed: false }); }, 5_000);
        socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
        socket.on('error', () => undefined);
        socket.on('close', () => { clearTimeout(guard); resolve({ text, closed: true }); });
      });
      assert.match(answer.text, /^HTTP\/1\.1 401 /);
      assert.match(answer.text, /\r\nconnection: close\r\n/i);
      assert.ok(answer.closed, 'the server closed the connection after its answer');
    });

    it('admin: HEAD on a GET route answers as GET does, without a body', async () => {
      const head = await fetch(`${f.base}/v1/admin/tenants/${f.tenant}`, { method: 'HEAD', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      assert.equal(head.status, 200);
      assert.equal(await head.text(), '');
      const refused = await fetch(`${f.base}/v1/admin/tenants/${f.tenant}`, { method: 'HEAD' });
      assert.equal(refused.status, 401);
    });

    it('admin: tenants are created once (409 on a second create) and validated', async () => {
      assert.equal((await f.admin('POST', '/tenants', { slug: f.tenant, name: 'dup' })).status, 409);
      for (const body of [{ slug: 'A', name: 'x' }, { slug: '-x', name: 'x' }, { slug: 'ok-slug' }, { slug: 'ok2', name: 'x', branding: { logoUrl: 'javascript:alert(1)' } }, { slug: 'ok3', name: 'x', extra: 1 }]) {
        const r = await f.admin('POST', '/tenants', body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.equal(r.body.error.code, 'invalid_request');
      }
      assert.equal((await f.admin('GET', '/tenants/nope-nope')).status, 404);
    });

    it('admin: embed keys need exact origins; wildcards, paths and plain http hosts are refused', async () => {
      for (const origin of ['https://*.example.com', 'https://a.com/path', 'http://shop.example.com', 'ftp://a.com', 'not a url']) {
        const r = await f.admin('POST', `/tenants/${f.tenant}/embed-keys`, { allowedOrigins: [origin] });
        assert.equal(r.status, 400, origin);
      }
      const ok = await f.admin('POST', `/tenants/${f.tenant}/embed-keys`, { allowedOrigins: ['HTTPS://Shop.Example.com:443/', 'http://127.0.0.1:8080'], mode: 'test' });
      assert.equal(ok.status, 201);
      assert.deepEqual(ok.body.allowedOrigins, ['https://shop.example.com', 'http://127.0.0.1:8080']);
      assert.match(ok.body.key, /^ek_test_/);
      assert.equal(ok.body.status, 'ACTIVE');
    });

    it('admin: customers put and list; an email held by another customer is 409', async () => {
      const a = await f.admin('PUT', `/tenants/${f.tenant}/customers/ext-a`, { email: 'A@Example.com', name: 'A' });
      assert.equal(a.status, 200);
      assert.match(a.body.id, /^cus_/);
      const b = await f.admin('PUT', `/tenants/${f.tenant}/customers/ext-b`, { email: 'a@example.com' });
      assert.equal(b.status, 409);
      const list = await f.admin('GET', `/tenants/${f.tenant}/customers?email=a@EXAMPLE.com`);
      assert.deepEqual(list.body.customers.map((c: { externalId: string }) => c.externalId), ['ext-a']);
    });

    it('admin: unknown admin paths fall through; the audit trail lists events newest first', async () => {
      const audit = await f.admin('GET', `/tenants/${f.tenant}/audit?limit=5`);
      assert.equal(audit.status, 200);
      assert.ok(audit.body.events.length > 0);
      const ats = audit.body.events.map((e: { at: string }) => e.at);
      assert.deepEqual([...ats].sort().reverse(), ats);
    });
  });

  describe(`${name}: per-IP rate limit`, () => {
    let f: Fixture;
    before(async () => {
      f = await fixture({ ipRateLimit: 5 });
    });
    after(() => f.close());

    it('rate limit: past the per-IP cap the exchange answers 429 rate_limited with Retry-After', async () => {
      const answers = [];
      for (let i = 0; i < 7; i++) answers.push(await f.exchange(await f.token({ external_customer_id: `rl-${i}` })));
      assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200, 200, 429, 429]);
      const limited = answers[6];
      assert.equal(limited.body.error.code, 'rate_limited');
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      assert.equal(limited.headers.get('access-control-allow-origin'), ORIGIN);
      f.clock.advance(61);
      assert.equal((await f.exchange(await f.token({ external_customer_id: 'rl-late' }))).status, 200);
    });

    it('rate limit: a forged X-Forwarded-For buys nothing without trustProxy', async () => {
      f.clock.advance(61);
      const answers = [];
      for (let i = 0; i < 7; i++) {
        answers.push(await f.exchange(await f.token({ external_customer_id: `xff-${i}` }), { 'x-forwarded-for': `10.0.0.${i}` }));
      }
      assert.equal(answers.filter((a) => a.status === 429).length, 2);
    });
  });
}
