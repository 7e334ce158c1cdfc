import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import type { BridgeOptions } from '../../lib/config.js';
import type { Storage } from '../../lib/storage.js';
import { createFixture, ORIGIN, type Fixture, type Mount } from './fixture.js';

const RETURN_URL = `${ORIGIN}/billing?tab=invoices#list`;

function tokenOf(text: string): string {
  const match = /aforo_magic_token=([A-Za-z0-9_-]+)/.exec(text);
  assert.ok(match, 'the mail carries a token');
  return match[1];
}

/** SPEC section 6 over HTTP, run once per framework mount. */
export function magicLinkContract(name: string, mount: Mount, makeStorage?: () => Promise<Storage>): void {
  const fixture = async (options: Partial<BridgeOptions> = {}) =>
    createFixture(mount, { ...options, ...(makeStorage ? { storage: await makeStorage() } : {}) });
  describe(`${name}: magic link`, () => {
    let f: Fixture;
    const request = (email: unknown, extra: Record<string, string> = {}, returnUrl: unknown = RETURN_URL) =>
      f.call('POST', '/v1/embed/auth/magic-link', { body: { email, returnUrl }, headers: f.embedHeaders(extra) });
    const exchange = (token: unknown, extra: Record<string, string> = {}) =>
      f.call('POST', '/v1/embed/auth/magic-link/exchange', { body: { token }, headers: f.embedHeaders(extra) });
    const nextMinute = () => f.clock.advance(3600);

    before(async () => {
      f = await fixture({ ipRateLimit: 10_000 });
      for (const [ext, email] of [['m-1', 'known@example.com'], ['m-2', 'Mixed.Case@Example.com']]) {
        await f.admin('PUT', `/tenants/${f.tenant}/customers/${ext}`, { email });
      }
      await f.admin('PUT', `/tenants/${f.tenant}/customers/m-1/invoices/ml_1`, { number: 'ML-1', status: 'OPEN', amountDueCents: 500, currency: 'eur', issuedAt: '2026-02-01T00:00:00Z' });
    });
    after(() => f.close());

    it('request: known and unknown emails get byte-identical 202 bodies and the same header names', async () => {
      nextMinute();
      const known = await request('known@example.com');
      const unknown = await request('nobody@example.com');
      assert.equal(known.status, 202);
      assert.equal(known.text, unknown.text);
      assert.deepEqual(JSON.parse(known.text), { status: 'accepted' });
      const names = (r: typeof known) => [...r.headers.keys()].filter((h) => h !== 'date').sort();
      assert.deepEqual(names(known), names(unknown));
      await f.bridge.drain();
      assert.equal(f.mailer.outbox.filter((m) => m.to === 'nobody@example.com').length, 0);
      assert.equal(f.mailer.outbox.filter((m) => m.to === 'known@example.com').length, 1);
    });

    it('request: malformed emails are 400; a returnUrl off the allowlist is return_url_not_allowed', async () => {
      nextMinute();
      for (const email of ['no-at-sign', 'a@b.c\r\nBcc: x@evil.com', `${'a'.repeat(250)}@example.com`, 42, null]) {
        const r = await request(email);
        assert.equal(r.status, 400, String(email));
        assert.equal(r.body.error.code, 'invalid_request');
      }
      for (const url of ['https://evil.example.com/x', 'http://shop.example.com/x', 'https://shop.example.com.evil.com/', 'javascript:alert(1)']) {
        const r = await request('known@example.com', {}, url);
        assert.equal(r.status, 400, url);
        assert.equal(r.body.error.code, url.startsWith('javascript') ? 'return_url_not_allowed' : 'return_url_not_allowed');
      }
      assert.equal((await request('known@example.com', {}, 'not a url')).body.error.code, 'invalid_request');
    });

    it('mail: the link keeps the return URL query and fragment, and the token exchanges exactly once', async () => {
      nextMinute();
      f.mailer.clear();
      await request('MIXED.case@example.com');
      await f.bridge.drain();
      const [mail] = f.mailer.outbox;
      // SPEC section 6: mail goes to the normalised address the request named, not to a stored spelling.
      assert.equal(mail.to, 'mixed.case@example.com');
      assert.ok(mail.html.length > 0 && mail.text.length > 0);
      const link = /https:\/\/\S+aforo_magic_token=[A-Za-z0-9_-]+#list/.exec(mail.text)?.[0];
      assert.ok(link, mail.text);
      const url = new URL(link);
      assert.equal(url.searchParams.get('tab'), 'invoices');
      const token = url.searchParams.get('aforo_magic_token') as string;
      assert.ok(Buffer.from(token, 'base64url').length >= 32);
      const first = await exchange(token);
      assert.equal(first.status, 200);
      assert.deepEqual(decodeJwt(first.body.sessionJwt).amr, ['magic_link']);
      assert.equal(first.body.customer.externalId, 'm-2');
      const second = await exchange(token);
      assert.equal(second.status, 401);
      assert.equal(second.body.error.code, 'magic_link_invalid');
    });

    it('storage: only the SHA-256 of the token is stored', async () => {
      nextMinute();
      f.mailer.clear();
      await request('known@example.com');
      await f.bridge.drain();
      const token = tokenOf(f.mailer.outbox[0].text);
      const hash = createHash('sha256').update(token).digest('hex');
      const stored = await f.storage.getMagicLink(hash);
      assert.ok(stored);
      assert.ok(!JSON.stringify(stored).includes(token));
      assert.equal(await f.storage.getMagicLink(token), null);
    });

    it('exchange: 25 concurrent exchanges of one token give exactly one session', async () => {
      nextMinute();
      f.mailer.clear();
      await request('known@example.com');
      await f.bridge.drain();
      const token = tokenOf(f.mailer.outbox[0].text);
      const answers = await Promise.all(Array.from({ length: 25 }, () => exchange(token)));
      assert.equal(answers.filter((a) => a.status === 200).length, 1);
      assert.ok(answers.filter((a) => a.status !== 200).every((a) => a.body.error.code === 'magic_link_invalid'));
    });

    it('exchange: expired after 15 minutes; another embed key or tenant cannot redeem it (and does not burn it)', async () => {
      nextMinute();
      f.mailer.clear();
      await request('known@example.com');
      await request('known@example.com');
      await f.bridge.drain();
      const [t1, t2] = f.mailer.outbox.map((m) => tokenOf(m.text));
      const ek2 = await f.admin('POST', `/tenants/${f.tenant}/embed-keys`, { allowedOrigins: [ORIGIN] });
      assert.equal((await exchange(t1, { 'x-aforo-embed-key': ek2.body.key })).body.error.code, 'magic_link_invalid');
      const slug = `ml${Date.now().toString(36)}`;
      const other = await f.addTenant(slug);
      assert.equal((await exchange(t1, { 'x-aforo-tenant': slug, 'x-aforo-embed-key': other.embedKey })).body.error.code, 'magic_link_invalid');
      assert.equal((await exchange(t1)).status, 200);
      f.clock.advance(15 * 60 + 1);
      const late = await exchange(t2);
      assert.equal(late.status, 401);
      assert.equal(late.body.error.code, 'magic_link_invalid');
      for (const bad of ['short', 'x'.repeat(300)]) {
        assert.equal((await exchange(bad)).body.error.code, 'magic_link_invalid');
      }
      // A token of the wrong type is a malformed request (SPEC section 5), not a refused link.
      for (const bad of [12, null, ['t']]) {
        assert.equal((await exchange(bad)).body.error.code, 'invalid_request');
      }
    });

    it('rate limit: 14 parallel requests from one IP for distinct known emails send exactly 10 mails', async () => {
      nextMinute();
      f.mailer.clear();
      const emails = Array.from({ length: 14 }, (_, i) => `rl${i}@example.com`);
      for (const [i, email] of emails.entries()) await f.admin('PUT', `/tenants/${f.tenant}/customers/rl-${i}`, { email });
      nextMinute();
      const answers = await Promise.all(emails.map((email) => request(email)));
      assert.ok(answers.every((a) => a.status === 202 && a.text === '{"status":"accepted"}'));
      await f.bridge.drain();
      assert.equal(f.mailer.outbox.length, 10);
    });

    it('rate limit: 8 requests for one email (from different IPs via a trusted proxy) send exactly 5 mails', async () => {
      await f.close();
      f = await fixture({ ipRateLimit: 10_000, trustProxy: 1 });
      await f.admin('PUT', `/tenants/${f.tenant}/customers/one`, { email: 'one@example.com' });
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => request('ONE@example.com', { 'x-forwarded-for': `198.51.100.${i}` })));
      assert.ok(answers.every((a) => a.status === 202));
      await f.bridge.drain();
      assert.equal(f.mailer.outbox.length, 5);
    });

    it('rate limit: with trustProxy the forwarded client IP is honoured; without it a forged one changes nothing', async () => {
      f.clock.advance(7200);
      f.mailer.clear();
      const emails = Array.from({ length: 12 }, (_, i) => `p${i}@example.com`);
      for (const [i, email] of emails.entries()) await f.admin('PUT', `/tenants/${f.tenant}/customers/p-${i}`, { email });
      // Two distinct forwarded clients, six each: under the per-IP cap of 10 when the proxy is trusted.
      await Promise.all(emails.map((email, i) => request(email, { 'x-forwarded-for': `203.0.113.${i % 2}` })));
      await f.bridge.drain();
      assert.equal(f.mailer.outbox.length, 12);

      await f.close();
      f = await fixture({ ipRateLimit: 10_000 });
      for (const [i, email] of emails.entries()) await f.admin('PUT', `/tenants/${f.tenant}/customers/p-${i}`, { email });
      await Promise.all(emails.map((email, i) => request(email, { 'x-forwarded-for': `203.0.113.${i}` })));
      await f.bridge.drain();
      assert.equal(f.mailer.outbox.length, 10);
    });

    it('sign-up: unknown emails get no mail unless the tenant allows sign-up; then a customer keyed by email is created', async () => {
      f.clock.advance(7200);
      f.mailer.clear();
      await request('New.Person@example.com');
      await f.bridge.drain();
      assert.equal(f.mailer.outbox.length, 0);
      const slug = `su${Date.now().toString(36)}`;
      const created = await f.admin('POST', '/tenants', { slug, name: 'Signup', magicLink: { allowSignup: true, from: 'billing@signup.example.com' } });
      assert.equal(created.status, 201);
      const ek = await f.admin('POST', `/tenants/${slug}/embed-keys`, { allowedOrigins: [ORIGIN] });
      const headers = { 'x-aforo-tenant': slug, 'x-aforo-embed-key': ek.body.key };
      assert.equal((await request('New.Person@example.com', headers)).status, 202);
      await f.bridge.drain();
      assert.equal(f.mailer.outbox.length, 1);
      assert.equal(f.mailer.outbox[0].from, 'billing@signup.example.com');
      const session = await exchange(tokenOf(f.mailer.outbox[0].text), headers);
      assert.equal(session.status, 200);
      assert.equal(session.body.customer.externalId, 'new.person@example.com');
      assert.equal(session.body.customer.email, 'new.person@example.com');
    });
  });
}
