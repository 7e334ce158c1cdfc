// The findings of the attack pass, one test each, through HTTP on memory, a SQLite file and Postgres: each fails
// on the code before the fix.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Storage } from '../lib/storage.js';
import { onEveryStorage } from './helpers/every-storage.js';
import { createFixture, ORIGIN, type Fixture } from './http/fixture.js';
import { mountKoa } from './http/mounts.js';

const RETURN_URL = `${ORIGIN}/billing`;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function findings(name: string, makeStorage: () => Promise<Storage>): void {
  describe(`${name}: attack-pass findings`, () => {
    let f: Fixture;
    let session: string;
    const request = (email: unknown) =>
      f.call('POST', '/v1/embed/auth/magic-link', { body: { email, returnUrl: RETURN_URL }, headers: f.embedHeaders() });
    const redeem = (token: string) =>
      f.call('POST', '/v1/embed/auth/magic-link/exchange', { body: { token }, headers: f.embedHeaders() });
    const tokenIn = (text: string) => /aforo_magic_token=([A-Za-z0-9_-]+)/.exec(text)?.[1] as string;
    const signIn = async (email: string) => {
      f.mailer.clear();
      assert.equal((await request(email)).status, 202);
      await f.bridge.drain();
      const [mail] = f.mailer.outbox;
      assert.ok(mail, `a mail for ${email}`);
      return redeem(tokenIn(mail.text));
    };
    const customers = async () => (await f.admin('GET', `/tenants/${f.tenant}/customers`)).body.customers as Array<{ id: string; externalId: string; email: string | null }>;

    before(async () => {
      f = await createFixture(mountKoa, {
        storage: await makeStorage(),
        ipRateLimit: 100_000,
        magicLink: { allowSignup: true, perIpPerMinute: 100_000 },
      });
      session = (await f.exchange(await f.token({ external_customer_id: 'base' }))).body.sessionJwt;
    });
    after(() => f.close());

    it('admin: an impossible calendar date is 400 and stores nothing, where it was rolled over to the next month', async () => {
      const invoice = (dates: Record<string, string>) => f.admin('PUT', `/tenants/${f.tenant}/customers/base/invoices/in_dates`, {
        number: 'D-1', status: 'OPEN', amountDueCents: 100, amountPaidCents: 0, currency: 'USD', issuedAt: '2026-03-01T00:00:00Z', ...dates,
      });
      const impossible: Array<Record<string, string>> = [{ issuedAt: '2026-02-30T00:00:00Z' }, { dueAt: '2026-04-31T00:00:00Z' },
        { issuedAt: '-000001-01-01T00:00:00Z' }, { issuedAt: '2026-03-01T24:00:00Z' }, { issuedAt: '2026-03-01T10:00:00' }, { issuedAt: '2026-02-29' }];
      for (const dates of impossible) {
        const answer = await invoice(dates);
        assert.equal(answer.status, 400, `${JSON.stringify(dates)}: ${answer.text}`);
        assert.equal(answer.body.error.code, 'invalid_request');
      }
      const listed = await f.admin('GET', `/tenants/${f.tenant}/customers/base/invoices`);
      assert.equal(listed.status, 200, listed.text);
      assert.ok(!JSON.stringify(listed.body).includes('in_dates'), listed.text);
      assert.equal((await invoice({ issuedAt: '2024-02-29', dueAt: '2024-03-01T10:00:00+02:00' })).status, 200);
      const plans = [{ id: 'p', name: 'Monthly', currency: 'USD', amountCents: 100, interval: 'month' }];
      assert.equal((await f.admin('PUT', `/tenants/${f.tenant}/offerings/off_dates`, { name: 'Dates', status: 'PUBLISHED', ratePlans: plans })).status, 200);
      const subscription = await f.admin('PUT', `/tenants/${f.tenant}/customers/base/subscriptions/sub_dates`, {
        offeringId: 'off_dates', ratePlanId: 'p', status: 'ACTIVE', currentPeriodStart: '2026-02-30T00:00:00Z', currentPeriodEnd: '2026-03-31T00:00:00Z',
      });
      assert.equal(subscription.status, 400, subscription.text);
      assert.match(subscription.body.error.message, /currentPeriodStart/);
      assert.equal((await f.admin('GET', `/tenants/${f.tenant}/audit?since=2026-02-30T00:00:00Z`)).status, 400);
    });

    it('admin: an offering with two rate plans of one id is 400; the stored offering is left as it was', async () => {
      const plan = { id: 'p', name: 'Monthly', currency: 'USD', amountCents: 100, interval: 'month' };
      assert.equal((await f.admin('PUT', `/tenants/${f.tenant}/offerings/off_twice`, { name: 'Twice', status: 'PUBLISHED', ratePlans: [plan] })).status, 200);
      const twice = await f.admin('PUT', `/tenants/${f.tenant}/offerings/off_twice`, {
        name: 'Twice', status: 'PUBLISHED', ratePlans: [plan, { ...plan, name: 'Other', amountCents: 1 }],
      });
      assert.equal(twice.status, 400, twice.text);
      assert.match(twice.body.error.message, /ratePlans\[1\]\.id/);
      const offerings = (await f.admin('GET', `/tenants/${f.tenant}/offerings`)).body.offerings as Array<{ id: string; ratePlans: unknown[] }>;
      assert.equal(offerings.find((o) => o.id === 'off_twice')?.ratePlans.length, 1);
    });

    it('limit: only decimal digits in range are a page size; 1e1, 0x10, " 5", 5.0 and 0 are 400 on the widget and admin lists', async () => {
      const headers = f.embedHeaders({ authorization: `Bearer ${session}` });
      for (const limit of ['1e1', '0x10', '%205', '5.0', '0', '101', '-1', '00000000']) {
        const widget = await f.call('GET', `/v1/embed/invoices?limit=${limit}`, { headers });
        assert.equal(widget.status, 400, `${limit}: ${widget.text}`);
        assert.equal(widget.body.error.code, 'invalid_request');
        if (limit === '101') continue; // within the audit's own maximum of 500
        const admin = await f.admin('GET', `/tenants/${f.tenant}/audit?limit=${limit}`);
        assert.equal(admin.status, 400, `audit ${limit}: ${admin.text}`);
      }
      assert.equal((await f.call('GET', '/v1/embed/invoices?limit=5', { headers })).status, 200);
      assert.equal((await f.call('GET', '/v1/embed/invoices?limit=', { headers })).status, 200);
      assert.equal((await f.admin('GET', `/tenants/${f.tenant}/audit?limit=500`)).status, 200);
      assert.equal((await f.admin('GET', `/tenants/${f.tenant}/audit?limit=501`)).status, 400);
    });

    it('bridge token: a fractional exp is one-time to the end, in the last fraction of a second of its leeway too', async () => {
      // jose counts whole seconds: a token whose exp + leeway is N + 0.5 still verifies at N + 0.7. A jti kept only
      // until exp + leeway (N + 0.5 ms-exact) was free again there, and every replay in that window got a session.
      const iat = f.clock.seconds();
      const token = await f.token({ external_customer_id: 'fraction', iat, exp: iat + 300.5 });
      assert.equal((await f.exchange(token)).status, 200);
      f.clock.advance(300 + 30 + 0.7);
      const replays = await Promise.all(Array.from({ length: 10 }, () => f.exchange(token)));
      assert.deepEqual(replays.map((r) => r.body.error?.code), Array(10).fill('bridge_token_replayed'));
      // A second later the token itself has expired, and says so.
      f.clock.advance(1);
      assert.equal((await f.exchange(token)).body.error.code, 'bridge_token_expired');
    });

    it('sign-up: a magic link for an address that is only another customer\'s externalId signs up a new customer and leaves that one alone', async () => {
      const put = await f.admin('PUT', `/tenants/${f.tenant}/customers/old@x.test`, { email: 'new@x.test' });
      assert.equal(put.status, 200, put.text);
      const victim = put.body;
      const answer = await signIn('old@x.test');
      assert.equal(answer.status, 200, answer.text);
      assert.notEqual(answer.body.customer.id, victim.id);
      assert.match(answer.body.customer.externalId, /^ml_/);
      assert.equal(answer.body.customer.email, 'old@x.test');
      const after = (await customers()).find((c) => c.id === victim.id);
      assert.deepEqual([after?.externalId, after?.email], ['old@x.test', 'new@x.test']);
      // The victim's current address still signs the victim in.
      const own = await signIn('new@x.test');
      assert.equal(own.body.customer.id, victim.id);
    });

    it('sign-up: a new address gets the lower-cased email as externalId; signing in again finds that customer', async () => {
      const first = await signIn('Fresh.Person@X.test');
      assert.equal(first.status, 200, first.text);
      assert.equal(first.body.customer.externalId, 'fresh.person@x.test');
      const again = await signIn('fresh.person@x.test');
      assert.equal(again.body.customer.id, first.body.customer.id);
    });

    it('magic-link: display names, lists, comments and quotes are 400 invalid_request and send nothing', async () => {
      f.mailer.clear();
      for (const email of ['x1,victim@t.test', 'n<victim@t.test>', 'z;victim@t.test', '"q"@t.test', 'a(b)@t.test', 'Name <victim@t.test>', 'victim@t.test,other@t.test', 'victim@[127.0.0.1]']) {
        const r = await request(email);
        assert.equal(r.status, 400, email);
        assert.equal(r.body.error.code, 'invalid_request', email);
      }
      await f.bridge.drain();
      assert.equal(f.mailer.outbox.length, 0);
    });

    it('magic-link: the per-email cap counts the normalised address, and mail goes to it alone', async () => {
      await f.admin('PUT', `/tenants/${f.tenant}/customers/capped`, { email: 'victim@t.test' });
      f.mailer.clear();
      for (const email of ['victim@t.test', 'VICTIM@t.test', 'victim@T.TEST', 'Victim@t.Test', 'victim@t.test', 'vIctim@t.test', 'victim@t.tesT', 'VICTIM@T.TEST', 'victim@t.test']) {
        assert.equal((await request(email)).status, 202, email);
      }
      await f.bridge.drain();
      assert.equal(f.mailer.outbox.length, 5);
      assert.ok(f.mailer.outbox.every((m) => m.to === 'victim@t.test'));
    });

    it('magic-link: an IDN domain is accepted and mailed in its punycode form', async () => {
      f.mailer.clear();
      assert.equal((await request('kunde@bücher.example')).status, 202);
      await f.bridge.drain();
      assert.deepEqual(f.mailer.outbox.map((m) => m.to), ['kunde@xn--bcher-kva.example']);
    });

    it('lone surrogates: victim\\ud800 and victim\\udfff are refused everywhere; victim\\ufffd is a name of its own', async () => {
      for (const ext of ['victim\ud800', 'victim\udfff']) {
        const token = await f.token({ external_customer_id: ext });
        const r = await f.exchange(token);
        assert.equal(r.status, 401, JSON.stringify(ext));
        assert.equal(r.body.error.code, 'bridge_token_invalid');
        const put = await f.call('PUT', `/v1/admin/tenants/${f.tenant}/customers/lone`, {
          raw: `{"email":"${ext === 'victim\ud800' ? 'victim\\ud800' : 'victim\\udfff'}@t.test","name":"x"}`,
          headers: { authorization: 'Bearer test-admin-token-0123456789', 'content-type': 'application/json' },
        });
        assert.equal(put.status, 400, put.text);
        assert.equal(put.body.error.code, 'invalid_request');
      }
      const named = await f.call('PUT', `/v1/admin/tenants/${f.tenant}/customers/lone`, {
        raw: '{"name":"victim\\ud800"}',
        headers: { authorization: 'Bearer test-admin-token-0123456789', 'content-type': 'application/json' },
      });
      assert.equal(named.status, 400);
      const ok = await f.exchange(await f.token({ external_customer_id: 'victim\ufffd' }));
      assert.equal(ok.status, 200);
      const all = await customers();
      assert.equal(all.filter((c) => c.externalId.startsWith('victim')).length, 1);
      assert.equal(all.some((c) => c.externalId === 'lone'), false);
    });

    it('NUL: a kid with a NUL is bridge_token_invalid before any lookup; NUL in queries, paths and fields is 400', async () => {
      const kid = await f.exchange(await f.token({}, { kid: 'x\u0000' }));
      assert.equal(kid.status, 401);
      assert.equal(kid.body.error.code, 'bridge_token_invalid');
      const query = await f.call('GET', `/v1/embed/config?tenant=${f.tenant}&embed_key=ek%00`, { headers: { origin: ORIGIN } });
      assert.equal(query.status, 400);
      assert.equal(query.body.error.code, 'invalid_request');
      for (const path of [`/tenants/${f.tenant}%00`, `/tenants/${f.tenant}/customers/a%00b`, `/tenants/${f.tenant}/signing-keys/sk%00/promote`]) {
        const method = path.endsWith('promote') ? 'POST' : path.includes('customers') ? 'PUT' : 'GET';
        const r = await f.admin(method, path, method === 'PUT' ? { name: 'n' } : undefined);
        assert.equal(r.status, 400, `${method} ${path}: ${r.text}`);
        assert.equal(r.body.error.code, 'invalid_request');
      }
      const field = await f.admin('PUT', `/tenants/${f.tenant}/customers/nul`, { name: 'a\u0000b' });
      assert.equal(field.status, 400);
      const email = await request('a\u0000@t.test');
      assert.equal(email.status, 400);
    });

    it('cursors: out-of-range and wrong-typed cursors on invoices and audit are 400, not 500', async () => {
      for (const cursor of [[1e300, 'x'], [-1e300, 'x'], ['a', 'b'], [1, { a: 1 }], [1, 'x\u0000'], [Number.MAX_SAFE_INTEGER, 'x']]) {
        const inv = await f.call('GET', `/v1/embed/invoices?cursor=${b64(cursor)}`, { headers: f.embedHeaders({ authorization: `Bearer ${session}` }) });
        assert.equal(inv.status, 400, `invoices ${JSON.stringify(cursor)}: ${inv.text}`);
        assert.equal(inv.body.error.code, 'invalid_request');
        const audit = await f.admin('GET', `/tenants/${f.tenant}/audit?cursor=${b64(cursor)}`);
        assert.equal(audit.status, 400, `audit ${JSON.stringify(cursor)}: ${audit.text}`);
      }
    });

    it('bridge: a bridgeToken that is not a string is 400 invalid_request', async () => {
      for (const bridgeToken of [42, true, ['a'], { a: 1 }, null]) {
        const r = await f.call('POST', '/v1/embed/auth/bridge', { body: { bridgeToken }, headers: f.embedHeaders() });
        assert.equal(r.status, 400, JSON.stringify(bridgeToken));
        assert.equal(r.body.error.code, 'invalid_request');
      }
    });

    it('emails: the Unicode and punycode forms of one domain are one address; a magic link finds its customer either way', async () => {
      const first = await f.admin('PUT', `/tenants/${f.tenant}/customers/anna-1`, { email: 'anna@bücher.example' });
      assert.equal(first.status, 200, first.text);
      assert.equal(first.body.email, 'anna@xn--bcher-kva.example');
      const second = await f.admin('PUT', `/tenants/${f.tenant}/customers/anna-2`, { email: 'anna@xn--bcher-kva.example' });
      assert.equal(second.status, 409);
      assert.equal(second.body.error.code, 'conflict');
      const token = await f.token({ external_customer_id: 'zed-1', email: 'zed@ｅxample.org' });
      assert.equal((await f.exchange(token)).body.customer.email, 'zed@example.org');
      const signedIn = await signIn('anna@bücher.example');
      assert.equal(signedIn.body.customer.externalId, 'anna-1');
    });

    it('bridge: external_customer_id present but null is bridge_token_invalid, not a fall-back to sub', async () => {
      const r = await f.exchange(await f.token({ external_customer_id: null, sub: 'someone' }));
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, 'bridge_token_invalid');
    });

    it('audit: a refused admin call keeps no email or JWT of its path', async () => {
      const jwt = await f.token({ external_customer_id: 'in-a-path' });
      for (const path of [`/tenants/${f.tenant}/customers/jane.doe%40example.com`, `/tenants/${f.tenant}/customers/leak@example.com`, `/tenants/${f.tenant}/signing-keys/${jwt}/revoke`]) {
        const method = path.endsWith('revoke') ? 'POST' : 'GET';
        f.clock.advance(61); // each refusal opens a minute of its own, so each path is audited
        const r = await f.call(method, `/v1/admin${path}`, { headers: { authorization: 'Bearer wrong-token-0123456789' } });
        assert.equal(r.status, 401);
      }
      const audit = await f.admin('GET', `/tenants/${f.tenant}/audit?type=admin.unauthorized`);
      assert.equal(audit.status, 200);
      assert.ok(audit.body.events.length >= 3, audit.text);
      assert.doesNotMatch(audit.text, /jane\.doe|leak@|%40|eyJ/);
    });

    it('signing keys: an exchange whose session is stored after a revoke with endSessions is refused, and the session ended', async () => {
      const slug = 'race-revoke';
      const race = await f.addTenant(slug);
      const headers = { origin: ORIGIN, 'x-aforo-tenant': slug, 'x-aforo-embed-key': race.embedKey };
      const exchange = async (externalId: string) => f.call('POST', '/v1/embed/auth/bridge', {
        body: { bridgeToken: await f.token({ external_customer_id: externalId }, { kid: race.kid }, race.secret) }, headers,
      });
      assert.equal((await exchange('returning')).status, 200);
      // Both exchanges verify the key, then wait at their session write until the revoke has ended the key's sessions:
      // the returning customer's through startSession, the first-sight customer's through createSession.
      const storage = f.storage;
      const original = { startSession: storage.startSession, createSession: storage.createSession };
      let release!: () => void;
      const gate = new Promise<void>((resolve) => { release = resolve; });
      let waiting = 0;
      let bothWaiting!: () => void;
      const arrived = new Promise<void>((resolve) => { bothWaiting = resolve; });
      const hold = async () => {
        waiting += 1;
        if (waiting === 2) bothWaiting();
        await gate;
      };
      storage.startSession = async (input) => { await hold(); return original.startSession!.call(storage, input); };
      storage.createSession = async (row) => { await hold(); return original.createSession.call(storage, row); };
      try {
        const pending = [exchange('returning'), exchange('first-sight')];
        await arrived;
        const revoked = await f.admin('POST', `/tenants/${slug}/signing-keys/${race.kid}/revoke`, { force: true, endSessions: true });
        assert.equal(revoked.status, 200, revoked.text);
        release();
        for (const answer of await Promise.all(pending)) {
          assert.equal(answer.status, 401, answer.text);
          assert.equal(answer.body.error.code, 'signing_key_revoked');
        }
      } finally {
        storage.startSession = original.startSession;
        storage.createSession = original.createSession;
      }
      // The first exchange's session and the first-sight customer's (stored, then ended by the engine); the returning
      // customer's raced exchange was refused inside its startSession step and stored none.
      const audit = await f.admin('GET', `/tenants/${slug}/audit?type=session.created`);
      const sids = (audit.body.events as Array<{ sid: string }>).map((e) => e.sid);
      assert.equal(sids.length, 2, audit.text);
      for (const sid of sids) assert.ok((await storage.getSession(sid))?.revokedAt, `session ${sid} outlived the revoke`);
      const refused = await f.admin('GET', `/tenants/${slug}/audit?type=bridge.refused`);
      assert.deepEqual((refused.body.events as Array<{ code: string }>).map((e) => e.code), ['signing_key_revoked', 'signing_key_revoked'], refused.text);
    });

    it('bridge token: NUL, lone surrogates and prototype keys anywhere in its header or claims are bridge_token_invalid', async () => {
      const hostile: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
        ['a header key with NUL', {}, { 'a\u0000': 1 }],
        ['a header key that is a lone surrogate', {}, { '\ud800': 1 }],
        ['a lone surrogate typ', {}, { typ: '\ud800' }],
        ['a claim key with NUL', { 'x\u0000': 1 }, {}],
        ['a claim key that is a lone surrogate', { '\udc00': 1 }, {}],
        ['iss with NUL', { iss: 'x\u0000' }, {}],
        ['sub with NUL beside external_customer_id', { sub: 'x\u0000' }, {}],
        ['NUL deep in an unknown claim', { extra: { deep: ['ok', 'b\u0000'] } }, {}],
        ['a constructor claim', { extra: { constructor: { prototype: 1 } } }, {}],
      ];
      for (const [label, claims, header] of hostile) {
        const answer = await f.exchange(await f.token(claims, header));
        assert.equal(answer.status, 401, `${label}: ${answer.text}`);
        assert.equal(answer.body.error.code, 'bridge_token_invalid', label);
      }
      const clean = await f.exchange(await f.token({ iss: 'https://shop.example.com', extra: { deep: ['ok', 'ü 😀'] } }, { typ: 'JWT' }));
      assert.equal(clean.status, 200, clean.text);
    });

    it('audit: a user agent holding a JWT or an email is kept masked and at most 512 characters long', async () => {
      const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
      const userAgent = `Mozilla/5.0 (X11) ${jwt} ua-leak@victim.example.com ${'x'.repeat(4000)}`;
      const refused = await f.exchange('not.a.token', { 'user-agent': userAgent });
      assert.equal(refused.status, 401, refused.text);
      const audit = await f.admin('GET', `/tenants/${f.tenant}/audit?type=bridge.refused`);
      const kept = (audit.body.events as Array<{ userAgent: string | null }>).map((e) => e.userAgent ?? '').find((ua) => ua.startsWith('Mozilla/5.0 (X11)'));
      assert.ok(kept, audit.text.slice(0, 300));
      assert.ok(kept.length <= 512, String(kept.length));
      assert.equal(kept.startsWith('Mozilla/5.0 (X11) [jwt] [email] xxx'), true, kept.slice(0, 80));
      assert.doesNotMatch(audit.text, /eyJ|ua-leak|victim\.example/);
    });

    it('body: a declared Content-Length over 16 KiB is 413 before the body is sent', async () => {
      const net = await import('node:net');
      const { hostname, port } = new URL(f.base);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(port), hostname, () => {
          socket.write(`POST /aforo/v1/embed/auth/bridge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\nOrigin: ${ORIGIN}\r\nX-Aforo-Tenant: ${f.tenant}\r\nX-Aforo-Embed-Key: ${f.embedKey}\r\n\r\n{`);
        });
        let text = '';
        socket.on('data', (chunk) => {
          text += chunk.toString();
        });
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
        setTimeout(() => {
          socket.destroy();
          resolve(text);
        }, 3000);
      });
      assert.match(answer, /^HTTP\/1\.1 413/);
      assert.match(answer, /payload_too_large/);
    });
  });
}

await onEveryStorage('findings', findings);
