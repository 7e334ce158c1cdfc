import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryMailer } from '../adapters/mail.js';
import { createBridge } from '../lib/bridge.js';
import type { InvoiceQuery } from '../lib/config.js';
import { BridgeError } from '../lib/errors.js';
import { mintBridgeToken } from '../lib/mint.js';
import { memoryStorage } from '../storage/memory.js';
import { onEveryStorage } from './helpers/every-storage.js';

describe('bridge.api in process', () => {
  it('api: exchange, me and invoices from a dataSource hook, without HTTP; the hook sees the JWT customer only', async () => {
    const seen: InvoiceQuery[] = [];
    const bridge = createBridge({
      storage: memoryStorage(),
      mailer: memoryMailer(),
      issuer: 'https://portal.example.com/aforo',
      dataSource: {
        async listInvoices(query) {
          seen.push(query);
          return {
            invoices: [{
              id: 'ext_1', tenant: query.tenant, customerId: query.customer.id, number: 'E-1', status: 'OPEN', amountDueCents: 4200,
              amountPaidCents: 0, currency: 'USD', issuedAt: new Date('2026-01-01T00:00:00Z'), dueAt: null, pdfUrl: null, hostedUrl: null,
            }],
            nextCursor: 'opaque-2',
          };
        },
      },
    });
    const { admin } = bridge.api;
    await admin.createTenant({ slug: 'inproc', name: 'In process' });
    const ek = (await admin.createEmbedKey('inproc', { allowedOrigins: ['https://a.example.com'] })) as { key: string };
    const sk = (await admin.createSigningKey('inproc', { alg: 'HS256' })) as { kid: string; secret: string };
    const bridgeToken = await mintBridgeToken({ kid: sk.kid, alg: 'HS256', key: sk.secret, externalCustomerId: 'cust-9' });
    const call = { tenant: 'inproc', embedKey: ek.key };
    const session = await bridge.api.exchangeBridgeToken({ ...call, bridgeToken });
    assert.equal(session.customer.externalId, 'cust-9');
    const page = await bridge.api.listInvoices({ ...call, sessionJwt: session.sessionJwt, status: 'open', limit: '5', cursor: 'opaque-1' });
    assert.deepEqual(page.invoices.map((i) => i.id), ['ext_1']);
    assert.equal(page.nextCursor, 'opaque-2');
    assert.equal(seen[0].customer.externalId, 'cust-9');
    assert.equal(seen[0].status, 'OPEN');
    assert.equal(seen[0].cursor, 'opaque-1');
    const verified = await bridge.api.verifySession(session.sessionJwt, { tenant: 'inproc' });
    assert.equal(verified.customer.id, session.customer.id);
    assert.equal((await bridge.api.verifySession(session.sessionJwt, { tenant: 'inproc', embedKey: ek.key })).session.sid, verified.session.sid);
    await admin.createTenant({ slug: 'other', name: 'Other' });
    const isInvalid = (e: unknown) => e instanceof BridgeError && e.code === 'session_invalid';
    await assert.rejects(bridge.api.verifySession(session.sessionJwt, { tenant: 'other' }), isInvalid);
    await assert.rejects(bridge.api.verifySession(session.sessionJwt, { tenant: 'inproc', embedKey: 'ek_test_other' }), isInvalid);
    await assert.rejects(
      bridge.api.verifySession(session.sessionJwt, undefined as unknown as { tenant: string }),
      (e: unknown) => e instanceof TypeError && /tenant/.test(e.message),
    );
    await assert.rejects(bridge.api.exchangeBridgeToken({ ...call, bridgeToken }), (e: unknown) => e instanceof BridgeError && e.code === 'bridge_token_replayed');
    await assert.rejects(bridge.api.getConfig({ ...call, origin: null }), (e: unknown) => e instanceof BridgeError && e.code === 'origin_not_allowed');
    await bridge.close();
  });

  it('handle: paths the engine does not serve give null so a host can pass them on', async () => {
    const bridge = createBridge({ storage: memoryStorage(), mailer: memoryMailer(), issuer: 'https://p.example.com' });
    for (const path of ['/', '/custom', '/v1/embed/nope', '/v1/admin/nope', '/v2/embed/config']) {
      assert.equal(await bridge.handle({ method: 'GET', path, query: {}, headers: {}, ip: '127.0.0.1' }), null, path);
    }
    await bridge.close();
  });
});

// The HTTP edge refuses NUL and malformed text in headers before anything reads them; an in-process caller may pass
// any string as its ip or user agent, which become rate-limit keys and audit columns (and Postgres text holds no NUL).
// Returning and first-sight customers take different storage steps, so both are run.
await onEveryStorage('in-process-callers', (name, makeStorage) => {
  describe(`${name}: bridge.api with hostile caller strings`, () => {
    it('an ip or user agent with a NUL or a lone surrogate is invalid_request and spends nothing; a clean retry exchanges once', async () => {
      const bridge = createBridge({ storage: await makeStorage(), mailer: memoryMailer(), issuer: 'https://portal.example.com/aforo', ipRateLimit: 1000 });
      try {
        const { admin } = bridge.api;
        await admin.createTenant({ slug: 'callers', name: 'Callers' });
        const ek = (await admin.createEmbedKey('callers', { allowedOrigins: ['https://a.example.com'] })) as { key: string };
        const sk = (await admin.createSigningKey('callers', { alg: 'HS256' })) as { kid: string; secret: string };
        await admin.putCustomer('callers', 'returning', { email: 'r@callers.example.com' });
        const call = { tenant: 'callers', embedKey: ek.key };
        const hostile = [{ ip: '203.0.113.7\u0000x' }, { userAgent: 'agent\u0000' }, { userAgent: 'agent\ud800' }, { ip: 42 as unknown as string }];
        const invalid = (e: unknown) => e instanceof BridgeError && e.code === 'invalid_request';
        for (const externalCustomerId of ['returning', 'first-sight']) {
          const bridgeToken = await mintBridgeToken({ kid: sk.kid, alg: 'HS256', key: sk.secret, externalCustomerId });
          for (const caller of hostile) await assert.rejects(bridge.api.exchangeBridgeToken({ ...call, ...caller, bridgeToken }), invalid);
          const clean = { ...call, ip: '203.0.113.7', userAgent: 'u'.repeat(2000), bridgeToken };
          const settled = await Promise.allSettled([bridge.api.exchangeBridgeToken(clean), bridge.api.exchangeBridgeToken(clean)]);
          const won = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value.customer.externalId] : []));
          const lost = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
          assert.deepEqual(won, [externalCustomerId], 'the token was still unspent, and is spent once');
          assert.ok(lost.length === 1 && lost[0] instanceof BridgeError && lost[0].code === 'bridge_token_replayed');
        }
        const { events } = await admin.listAudit('callers', { type: 'session.created' });
        assert.deepEqual(events.map((e) => [e.ip, String(e.userAgent).length]), [['203.0.113.7', 512], ['203.0.113.7', 512]]);
      } finally {
        await bridge.close();
      }
    });
  });
});
