// Pruning, copies and Date round trips.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { Session } from '../../lib/types.js';
import type { Section } from './fixtures.js';
import {
  MINUTE,
  HOUR,
  DAY,
  at,
  unique,
  tokenHash,
  tenantRecord,
  addEmbedKey,
  addSigningKey,
  addCustomer,
  addWorld,
  sessionRecord,
  magicLinkRecord,
  invoiceRecord,
  auditRecord,
  offeringRecord,
  engineKeyRecord,
} from './fixtures.js';

export const housekeepingCases: Section = (it, s) => {
  it('prune: removes only expired and ended rows, reports how many went, and keeps live rows', async () => {
    // prune is global, so this test lives in its own random day between 1990 and 2010: no other test's rows (and
    // on a shared database no other user's) fall in it. A first prune at its start clears earlier leftovers.
    const day = Date.UTC(1990, 0, 1) + randomInt(0, 20 * 365) * DAY;
    const t = (offset: number): Date => new Date(day + offset);
    await s().prune({ now: t(0), auditBefore: t(0) });

    const tenant = unique('t-');
    await s().createTenant({ ...tenantRecord(tenant), createdAt: t(0) });
    const embedKey = await addEmbedKey(s(), tenant, { createdAt: t(0) });
    const customer = await addCustomer(s(), tenant, { now: t(0) });
    const signingKey = await addSigningKey(s(), tenant, 'ACTIVE', t(0));
    const world = { tenant, embedKey, customer, signingKey };

    const link = (expiresAt: Date, usedAt: Date | null = null) =>
      magicLinkRecord(tenant, embedKey.id, { createdAt: t(0), expiresAt, usedAt });
    const goneLink = link(t(MINUTE));
    const liveLinks = [link(t(30 * MINUTE)), link(t(30 * MINUTE), t(MINUTE))];
    for (const token of [goneLink, ...liveLinks]) await s().createMagicLink(token);

    const jti = (expiresAt: Date) => ({ tenant, kid: signingKey.kid, jti: unique('jti-'), expiresAt, now: t(0) });
    const goneJti = jti(t(MINUTE));
    const liveJti = jti(t(30 * MINUTE));
    assert.equal(await s().reserveJti(goneJti), true);
    assert.equal(await s().reserveJti(liveJti), true);

    const goneWindow = unique('rl:prune:');
    const liveWindow = unique('rl:prune:');
    await s().hitRateLimit(goneWindow, MINUTE, t(0));
    await s().hitRateLimit(liveWindow, 10 * MINUTE, t(4 * MINUTE));

    const session = (patch: Partial<Session>) => sessionRecord(world, { createdAt: t(0), refreshedAt: t(0), ...patch });
    const goneSession = session({ expiresAt: t(2 * MINUTE) });
    const liveSessions = [session({ expiresAt: t(HOUR) }), session({ expiresAt: t(HOUR), revokedAt: t(MINUTE) })];
    for (const record of [goneSession, ...liveSessions]) await s().createSession(record);

    const nonce = (expiresAt: Date) => ({ nonceHash: tokenHash(), tenant, embedKeyId: embedKey.id, createdAt: t(0), expiresAt });
    const goneNonce = nonce(t(MINUTE));
    const liveNonce = nonce(t(30 * MINUTE));
    for (const record of [goneNonce, liveNonce]) await s().createResumeNonce(record);

    const goneEvent = auditRecord(tenant, { at: t(MINUTE) });
    const liveEvent = auditRecord(tenant, { at: t(4 * MINUTE) });
    await s().appendAudit(goneEvent);
    await s().appendAudit(liveEvent);

    const prune = { now: t(5 * MINUTE), auditBefore: t(3 * MINUTE) };
    assert.deepEqual(await s().prune(prune), { magicLinks: 1, jtis: 1, rateLimits: 1, sessions: 1, resumeNonces: 1, audit: 1 });

    assert.equal(await s().getMagicLink(goneLink.tokenHash), null);
    for (const token of liveLinks) assert.deepEqual(await s().getMagicLink(token.tokenHash), token);
    assert.equal(await s().reserveJti({ ...liveJti, now: prune.now }), false);
    assert.equal((await s().hitRateLimit(liveWindow, 10 * MINUTE, prune.now)).count, 2);
    assert.equal(await s().getSession(goneSession.sid), null);
    for (const record of liveSessions) assert.deepEqual(await s().getSession(record.sid), record);
    assert.deepEqual(await s().listAudit({ tenant, limit: 10 }), [liveEvent]);
    assert.equal(await s().consumeResumeNonce({ ...liveNonce, now: prune.now }), true);
    assert.deepEqual(await s().prune(prune), { magicLinks: 0, jtis: 0, rateLimits: 0, sessions: 0, resumeNonces: 0, audit: 0 });
  });

  it('returned records are copies: mutating one, or the input, changes nothing stored', async () => {
    const world = await addWorld(s());
    const customer = await s().getCustomer(world.tenant, world.customer.id);
    assert.ok(customer);
    customer.name = 'Mallory';
    customer.email = 'mallory@example.com';
    customer.createdAt.setTime(0);
    assert.deepEqual(await s().getCustomer(world.tenant, world.customer.id), world.customer);

    const tenant = await s().getTenant(world.tenant);
    assert.ok(tenant);
    tenant.branding.logoUrl = 'https://evil.example/logo.png';
    assert.equal((await s().getTenant(world.tenant))?.branding.logoUrl, 'https://cdn.acme.example/logo.png');

    const key = await s().getEmbedKey(world.embedKey.id);
    assert.ok(key);
    key.allowedOrigins.push('https://evil.example');
    assert.deepEqual(await s().getEmbedKey(world.embedKey.id), world.embedKey);

    const offering = offeringRecord(world.tenant);
    const returned = await s().putOffering(offering);
    returned.ratePlans[0].features.push('everything');
    offering.ratePlans[0].amountCents = 1;
    assert.deepEqual((await s().listOfferings(world.tenant, {}))[0], offeringRecord(world.tenant, { id: offering.id }));

    const session = sessionRecord(world);
    await s().createSession(session);
    const copy = structuredClone(session);
    session.expiresAt = at(100 * DAY);
    const touched = await s().touchSession(session.sid, at(HOUR));
    assert.ok(touched);
    touched.revokedAt = at(HOUR);
    assert.deepEqual(await s().getSession(session.sid), { ...copy, refreshedAt: at(HOUR) });

    const event = auditRecord(world.tenant);
    await s().appendAudit(event);
    const listed = await s().listAudit({ tenant: world.tenant, limit: 1 });
    listed[0].data.sid = 'changed';
    assert.deepEqual((await s().listAudit({ tenant: world.tenant, limit: 1 }))[0].data, event.data);
  });

  it('Date fields come back as Date instances with the same millisecond value', async () => {
    const odd = (offset: number): Date => at(offset + 987);
    const assertDate = (value: unknown, expected: Date | null, field: string) => {
      if (expected === null) return assert.equal(value, null, field);
      assert.ok(value instanceof Date, `${field} is not a Date`);
      assert.equal(value.getTime(), expected.getTime(), field);
    };
    const slug = unique('t-');
    await s().createTenant({ ...tenantRecord(slug), createdAt: odd(1) });
    assertDate((await s().getTenant(slug))?.createdAt, odd(1), 'tenant.createdAt');
    const embedKey = await addEmbedKey(s(), slug, { createdAt: odd(2) });
    assertDate((await s().getEmbedKey(embedKey.id))?.createdAt, odd(2), 'embedKey.createdAt');
    const signingKey = await addSigningKey(s(), slug, 'REVOKED', odd(3));
    const storedKey = await s().getSigningKey(slug, signingKey.kid);
    for (const field of ['createdAt', 'promotedAt', 'revokedAt'] as const) {
      assertDate(storedKey?.[field], odd(3), `signingKey.${field}`);
    }
    const customer = await addCustomer(s(), slug, { now: odd(4) });
    const storedCustomer = await s().getCustomer(slug, customer.id);
    assertDate(storedCustomer?.createdAt, odd(4), 'customer.createdAt');
    assertDate(storedCustomer?.updatedAt, odd(4), 'customer.updatedAt');
    const world = { tenant: slug, embedKey, customer, signingKey: await addSigningKey(s(), slug, 'ACTIVE') };
    await s().putOffering(offeringRecord(slug, { updatedAt: odd(5) }));
    assertDate((await s().listOfferings(slug, {}))[0].updatedAt, odd(5), 'offering.updatedAt');
    await s().putInvoice(invoiceRecord(slug, customer.id, { issuedAt: odd(6), dueAt: odd(7) }));
    const [invoice] = await s().listInvoices({ tenant: slug, customerId: customer.id, limit: 1 });
    assertDate(invoice.issuedAt, odd(6), 'invoice.issuedAt');
    assertDate(invoice.dueAt, odd(7), 'invoice.dueAt');
    const session = sessionRecord(world, {
      createdAt: odd(8),
      refreshedAt: odd(9),
      expiresAt: odd(DAY),
      revokedAt: odd(10),
    });
    await s().createSession(session);
    const storedSession = await s().getSession(session.sid);
    for (const field of ['createdAt', 'refreshedAt', 'expiresAt', 'revokedAt'] as const) {
      assertDate(storedSession?.[field], session[field], `session.${field}`);
    }
    const link = magicLinkRecord(slug, embedKey.id, { createdAt: odd(11), expiresAt: odd(HOUR), usedAt: odd(12) });
    await s().createMagicLink(link);
    const storedLink = await s().getMagicLink(link.tokenHash);
    for (const field of ['createdAt', 'expiresAt', 'usedAt'] as const) {
      assertDate(storedLink?.[field], link[field], `magicLink.${field}`);
    }
    await s().appendAudit(auditRecord(slug, { at: odd(13) }));
    assertDate((await s().listAudit({ tenant: slug, limit: 1 }))[0].at, odd(13), 'audit.at');
    const engineKey = await s().saveEngineKeyIfAbsent(engineKeyRecord());
    assert.ok(engineKey.createdAt instanceof Date, 'engineKey.createdAt is not a Date');
    assertDate((await s().getEngineKey())?.createdAt, engineKey.createdAt, 'engineKey.createdAt');
  });
};
