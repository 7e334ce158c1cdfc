import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Logger } from '../../lib/config.js';
import type { Storage } from '../../lib/storage.js';
import { createFixture, type Fixture } from '../http/fixture.js';
import { mountKoa } from '../http/mounts.js';

/** A logger that keeps every line as the JSON a real one would write. */
function capturingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const write = (level: string) => (obj: object, msg?: string) => {
    lines.push(JSON.stringify({ level, msg, ...obj }, (_key, value: unknown) => (value instanceof Error ? { message: value.message, stack: value.stack } : value)));
  };
  return { lines, debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/**
 * SPEC operations: one full flow produces exactly the expected audit records, hooks fire once per event, and
 * neither the audit trail nor the logs hold a token, secret, JWT or plain email. Run once per storage.
 */
export function operationsFlow(name: string, makeStorage: () => Promise<Storage>): void {
  describe(`${name}: audit trail, hooks and logs over a full flow`, () => {
    let f: Fixture;
    const logger = capturingLogger();
    const fired: Record<string, number> = {};
    const secrets: string[] = [];
    let since: string;

    before(async () => {
      f = await createFixture(mountKoa, {
        storage: await makeStorage(),
        logger,
        magicLink: { perEmailPerHour: 1 },
        on: {
          'session.created': () => {
            fired['session.created'] = (fired['session.created'] ?? 0) + 1;
          },
          'bridge.refused': () => {
            throw new Error('a throwing hook must not fail the request');
          },
        },
      });
      f.bridge.on('session.revoked', () => {
        fired['session.revoked'] = (fired['session.revoked'] ?? 0) + 1;
      });
      secrets.push(f.secret);
      await f.admin('PUT', `/tenants/${f.tenant}/customers/ops-1`, { email: 'Pat.Known@example.com' });
      f.clock.advance(1);
      since = f.clock.now().toISOString();
      f.clock.advance(1);

      const t1 = await f.token({ external_customer_id: 'ops-1' });
      const s1 = await f.exchange(t1, { 'user-agent': 'flow-test/1.0' });
      assert.equal(s1.status, 200);
      secrets.push(t1, s1.body.sessionJwt);
      const bearer = { authorization: `Bearer ${s1.body.sessionJwt}` };
      const r1 = await f.call('POST', '/v1/embed/auth/refresh', { headers: f.embedHeaders(bearer) });
      secrets.push(r1.body.sessionJwt);
      assert.equal((await f.call('POST', '/v1/embed/auth/logout', { headers: f.embedHeaders({ authorization: `Bearer ${r1.body.sessionJwt}` }) })).status, 204);
      const expired = await f.token({ iat: f.clock.seconds() - 1000, exp: f.clock.seconds() - 700 });
      secrets.push(expired);
      assert.equal((await f.exchange(expired)).body.error.code, 'bridge_token_expired');

      const ask = (email: string) => f.call('POST', '/v1/embed/auth/magic-link', {
        body: { email, returnUrl: 'https://shop.example.com/account' }, headers: f.embedHeaders(),
      });
      await ask('pat.known@example.com');
      await ask('Pat.Known@example.com');
      await ask('stranger@example.com');
      await f.bridge.drain();
      const token = /aforo_magic_token=([A-Za-z0-9_-]+)/.exec(f.mailer.outbox[0].text)?.[1] as string;
      secrets.push(token);
      const m = await f.call('POST', '/v1/embed/auth/magic-link/exchange', { body: { token }, headers: f.embedHeaders() });
      assert.equal(m.status, 200);
      secrets.push(m.body.sessionJwt);
      assert.equal((await f.call('POST', '/v1/embed/auth/magic-link/exchange', { body: { token }, headers: f.embedHeaders() })).status, 401);

      const next = await f.admin('POST', `/tenants/${f.tenant}/signing-keys`, { alg: 'HS256' });
      secrets.push(next.body.secret);
      await f.admin('POST', `/tenants/${f.tenant}/signing-keys/${next.body.kid}/promote`);
      await f.admin('POST', `/tenants/${f.tenant}/signing-keys/${f.kid}/revoke`, { endSessions: true });
      await f.call('GET', `/v1/admin/tenants/${f.tenant}/audit`, { headers: { authorization: 'Bearer wrong-token' } });
      await f.bridge.drain();
      await new Promise((resolve) => setImmediate(resolve));
    });
    after(() => f.close());

    it('audit: the flow leaves exactly the expected records, newest first, through the admin API', async () => {
      const r = await f.admin('GET', `/tenants/${f.tenant}/audit?since=${encodeURIComponent(since)}&limit=100`);
      assert.equal(r.status, 200);
      const types = r.body.events.map((e: { type: string }) => e.type).reverse();
      const count = (type: string) => types.filter((t: string) => t === type).length;
      assert.equal(count('session.created'), 2);
      assert.equal(count('session.refreshed'), 1);
      assert.equal(count('session.revoked'), 1);
      assert.equal(count('bridge.refused'), 1);
      assert.equal(count('magic_link.requested'), 3);
      assert.equal(count('magic_link.redeemed'), 1);
      assert.equal(count('magic_link.refused'), 1);
      assert.equal(count('signing_key.minted'), 1);
      assert.equal(count('signing_key.promoted'), 1);
      assert.equal(count('signing_key.revoked'), 1);
      assert.equal(count('admin.unauthorized'), 1);
      assert.equal(types.length, 14);
      const created = r.body.events.filter((e: { type: string }) => e.type === 'session.created');
      assert.deepEqual(created.map((e: { mode: string }) => e.mode).sort(), ['bridge', 'magic_link']);
      assert.equal(created.find((e: { mode: string }) => e.mode === 'bridge').kid, f.kid);
      const first = created.find((e: { mode: string }) => e.mode === 'bridge');
      assert.equal(first.ip, '127.0.0.1');
      assert.equal(first.userAgent, 'flow-test/1.0');
      const requested = r.body.events.filter((e: { type: string }) => e.type === 'magic_link.requested');
      assert.deepEqual(requested.map((e: { outcome: string }) => e.outcome).sort(), ['capped', 'sent', 'unknown']);
      assert.ok(requested.every((e: { emailMasked: string }) => /^[a-z]\*\*\*@example\.com$/.test(e.emailMasked)));
      assert.equal(r.body.events.find((e: { type: string }) => e.type === 'bridge.refused').code, 'bridge_token_expired');
      const typed = await f.admin('GET', `/tenants/${f.tenant}/audit?type=session.created`);
      assert.ok(typed.body.events.every((e: { type: string }) => e.type === 'session.created'));
      const page = await f.admin('GET', `/tenants/${f.tenant}/audit?since=${encodeURIComponent(since)}&limit=5`);
      const rest = await f.admin('GET', `/tenants/${f.tenant}/audit?since=${encodeURIComponent(since)}&limit=100&cursor=${page.body.nextCursor}`);
      assert.equal(page.body.events.length + rest.body.events.length, 14);
    });

    it('audit and logs hold no token, secret, JWT or plain email', async () => {
      const audit = (await f.admin('GET', `/tenants/${f.tenant}/audit?limit=500`)).text;
      const logs = logger.lines.join('\n');
      assert.ok(logger.lines.length > 0);
      for (const haystack of [audit, logs]) {
        for (const secret of secrets) assert.ok(!haystack.includes(secret), `leaked ${secret.slice(0, 12)}…`);
        assert.doesNotMatch(haystack, /eyJ[A-Za-z0-9_-]{10,}\./);
        assert.doesNotMatch(haystack, /pat\.known@|stranger@/i);
      }
      assert.ok(logger.lines.some((line) => line.includes('"code":"bridge_token_expired"')));
      assert.ok(logger.lines.some((line) => line.includes('event listener threw')));
    });

    it('hooks: each fired once per event; a throwing hook did not fail the request', () => {
      assert.equal(fired['session.created'], 2);
      assert.equal(fired['session.revoked'], 1);
    });
  });
}
