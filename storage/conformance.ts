import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { after as nodeAfter, before as nodeBefore, describe as nodeDescribe, it as nodeIt } from 'node:test';
import type { Storage } from '../lib/storage.js';
import type {
  AuditEvent,
  Customer,
  EmbedKey,
  EngineKey,
  Invoice,
  MagicLinkToken,
  Offering,
  Session,
  SigningKey,
  SigningKeyStatus,
  Tenant,
} from '../lib/types.js';

/** The test-framework functions the suite registers with; node:test's by default (mocha and vitest fit too). */
export interface StorageConformanceOptions {
  describe?: (name: string, fn: () => void) => unknown;
  it?: (name: string, fn: () => Promise<void>) => unknown;
  before?: (fn: () => Promise<void>) => unknown;
  after?: (fn: () => Promise<void>) => unknown;
}

/**
 * Registers the storage conformance suite: every method of `Storage` checked against its contract in
 * lib/storage.ts, concurrency cases included. One storage is made per run (`init()` before, `close()` after) and
 * every test works under its own random tenant, so the suite also runs against a database that holds other data.
 *
 * @example
 * import { storageConformance } from 'aforo-bridge/testing';
 * storageConformance('my-storage', async () => myStorage({ url: process.env.DB_URL }));
 */
export function storageConformance(
  name: string,
  makeStorage: () => Promise<Storage>,
  options: StorageConformanceOptions = {},
): void {
  const describe = options.describe ?? nodeDescribe;
  const it = options.it ?? nodeIt;
  const before = options.before ?? nodeBefore;
  const after = options.after ?? nodeAfter;

  describe(`storage conformance: ${name}`, () => {
    let storage: Storage | undefined;
    const s = (): Storage => {
      if (!storage) throw new Error('the storage was not created; see the failure of the before hook');
      return storage;
    };
    before(async () => {
      storage = await makeStorage();
      await storage.init();
    });
    after(async () => {
      await storage?.close();
    });

    for (const [section, register] of SECTIONS) describe(section, () => register(it, s));
  });
}

type It = (name: string, fn: () => Promise<void>) => unknown;
type Section = (it: It, s: () => Storage) => void;

// Fixed, minute- and hour-aligned clock; tests move it by offsets and never sleep.
const BASE = Date.parse('2026-01-01T00:00:00.000Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const at = (offsetMs = 0): Date => new Date(BASE + offsetMs);

// Random ids keep tests independent on a shared database. Lower-case hex after a fixed prefix sorts the same
// under any SQL collation, so ordering assertions hold on every backend.
const unique = (prefix: string): string => `${prefix}${randomBytes(6).toString('hex')}`;
const tokenHash = (): string => randomBytes(32).toString('hex');
const times = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

function tenantRecord(slug: string, name = 'Acme'): Tenant {
  return {
    slug,
    name,
    branding: { logoUrl: 'https://cdn.acme.example/logo.png', primaryColor: '#112233' },
    magicLink: { from: 'login@acme.example', allowSignup: false },
    createdAt: at(123),
  };
}

async function addTenant(s: Storage): Promise<string> {
  const slug = unique('t-');
  assert.equal(await s.createTenant(tenantRecord(slug)), true);
  return slug;
}

async function addEmbedKey(s: Storage, tenant: string, patch: Partial<EmbedKey> = {}): Promise<EmbedKey> {
  const key: EmbedKey = {
    id: unique('ek_test_'),
    tenant,
    mode: 'test',
    allowedOrigins: [`https://${unique('app-')}.example`],
    status: 'ACTIVE',
    createdAt: at(1000),
    ...patch,
  };
  await s.createEmbedKey(key);
  return key;
}

async function addSigningKey(
  s: Storage,
  tenant: string,
  status: SigningKeyStatus,
  createdAt = at(0),
): Promise<SigningKey> {
  const key: SigningKey = {
    kid: unique('sk_'),
    tenant,
    alg: 'HS256',
    status,
    sealedSecret: `plain:${randomBytes(32).toString('base64url')}`,
    publicKeyPem: null,
    createdAt,
    promotedAt: status === 'NEXT' ? null : createdAt,
    revokedAt: status === 'REVOKED' ? createdAt : null,
  };
  await s.createSigningKey(key);
  return key;
}

async function addCustomer(
  s: Storage,
  tenant: string,
  fields: { externalId?: string; email?: string | null; name?: string | null; now?: Date; id?: string } = {},
): Promise<Customer> {
  const result = await s.upsertCustomer(
    {
      tenant,
      externalId: fields.externalId ?? unique('ext-'),
      newId: fields.id ?? unique('cus_'),
      email: fields.email,
      name: fields.name,
      now: fields.now ?? at(0),
    },
    'fail',
  );
  assert.notEqual(result, 'email_taken');
  if (result === 'email_taken') throw new Error('unreachable');
  return result.customer;
}

/** A tenant with one embed key, one customer and one ACTIVE signing key: what sessions and links hang off. */
async function addWorld(s: Storage) {
  const tenant = await addTenant(s);
  const embedKey = await addEmbedKey(s, tenant);
  const customer = await addCustomer(s, tenant);
  const signingKey = await addSigningKey(s, tenant, 'ACTIVE');
  return { tenant, embedKey, customer, signingKey };
}

function sessionRecord(world: Awaited<ReturnType<typeof addWorld>>, patch: Partial<Session> = {}): Session {
  return {
    sid: unique('sid_'),
    tenant: world.tenant,
    customerId: world.customer.id,
    embedKeyId: world.embedKey.id,
    method: 'bridge',
    signingKid: world.signingKey.kid,
    createdAt: at(0),
    refreshedAt: at(0),
    expiresAt: at(DAY),
    revokedAt: null,
    ...patch,
  };
}

function magicLinkRecord(tenant: string, embedKeyId: string, patch: Partial<MagicLinkToken> = {}): MagicLinkToken {
  return {
    tokenHash: tokenHash(),
    tenant,
    embedKeyId,
    email: 'ann@example.com',
    returnUrl: 'https://app.acme.example/billing?tab=invoices',
    createdAt: at(0),
    expiresAt: at(15 * MINUTE),
    usedAt: null,
    ...patch,
  };
}

function invoiceRecord(tenant: string, customerId: string, patch: Partial<Invoice> = {}): Invoice {
  return {
    id: unique('in_'),
    tenant,
    customerId,
    number: 'ACME-0001',
    status: 'OPEN',
    amountDueCents: 4900,
    amountPaidCents: 0,
    currency: 'EUR',
    issuedAt: at(0),
    dueAt: at(14 * DAY),
    pdfUrl: 'https://billing.acme.example/in.pdf',
    hostedUrl: null,
    ...patch,
  };
}

function auditRecord(tenant: string, patch: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: unique('evt_'),
    tenant,
    type: 'session.created',
    at: at(0),
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0',
    data: { sid: 'sid_x', amr: ['bridge'] },
    ...patch,
  };
}

function offeringRecord(tenant: string, patch: Partial<Offering> = {}): Offering {
  return {
    id: unique('off_'),
    tenant,
    name: 'Pro',
    description: 'For growing teams',
    status: 'PUBLISHED',
    ratePlans: [
      { id: 'rp_month', name: 'Monthly', currency: 'EUR', amountCents: 4900, interval: 'month', features: ['SSO'] },
    ],
    updatedAt: at(0),
    ...patch,
  };
}

function engineKeyRecord(): EngineKey {
  return {
    kid: unique('ek-'),
    alg: 'EdDSA',
    sealedPrivateKey: `plain:${randomBytes(16).toString('hex')}`,
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: randomBytes(32).toString('base64url') },
    createdAt: at(789),
  };
}

function customerOf(result: Awaited<ReturnType<Storage['upsertCustomer']>>) {
  if (result === 'email_taken') assert.fail('expected a customer, got email_taken');
  return result;
}

const ids = (records: { id: string }[]): string[] => records.map((record) => record.id);

const tenantCases: Section = (it, s) => {
  it('init: a second init is harmless and ping resolves', async () => {
    await s().init();
    await s().ping();
  });

  it('createTenant: stores the tenant and getTenant returns it as stored', async () => {
    const tenant = tenantRecord(unique('t-'));
    assert.equal(await s().createTenant(tenant), true);
    assert.deepEqual(await s().getTenant(tenant.slug), tenant);
  });

  it('createTenant: returns false for an existing slug and keeps the first tenant', async () => {
    const slug = unique('t-');
    assert.equal(await s().createTenant(tenantRecord(slug, 'First')), true);
    assert.equal(await s().createTenant(tenantRecord(slug, 'Second')), false);
    assert.equal((await s().getTenant(slug))?.name, 'First');
  });

  it('createTenant: of 10 concurrent creates of one slug exactly one returns true', async () => {
    const slug = unique('t-');
    const results = await Promise.all(times(10, (i) => s().createTenant(tenantRecord(slug, `Racer ${i}`))));
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal((await s().getTenant(slug))?.name, `Racer ${results.indexOf(true)}`);
  });

  it('getTenant: returns null for an unknown slug', async () => {
    assert.equal(await s().getTenant(unique('t-')), null);
  });

  it('listTenants: includes every created tenant as stored', async () => {
    const first = tenantRecord(unique('t-'));
    const second: Tenant = { ...tenantRecord(unique('t-'), 'Bare'), branding: {}, magicLink: {} };
    await s().createTenant(first);
    await s().createTenant(second);
    const listed = await s().listTenants();
    assert.deepEqual(listed.find((t) => t.slug === first.slug), first);
    assert.deepEqual(listed.find((t) => t.slug === second.slug), second);
  });
};

const embedKeyCases: Section = (it, s) => {
  it('createEmbedKey: getEmbedKey returns the key as stored, null for an unknown id', async () => {
    const tenant = await addTenant(s());
    const key = await addEmbedKey(s(), tenant, { mode: 'live', id: unique('ek_live_') });
    assert.deepEqual(await s().getEmbedKey(key.id), key);
    assert.equal(await s().getEmbedKey(unique('ek_live_')), null);
  });

  it("listEmbedKeys: returns the tenant's keys only", async () => {
    const a = await addTenant(s());
    const b = await addTenant(s());
    const first = await addEmbedKey(s(), a, { createdAt: at(1) });
    const second = await addEmbedKey(s(), a, { createdAt: at(2), status: 'REVOKED' });
    await addEmbedKey(s(), b);
    assert.deepEqual(
      (await s().listEmbedKeys(a)).sort((x, y) => x.createdAt.getTime() - y.createdAt.getTime()),
      [first, second],
    );
  });

  it('updateEmbedKey: replaces the allowlist and the status', async () => {
    const tenant = await addTenant(s());
    const key = await addEmbedKey(s(), tenant);
    const origins = ['https://shop.acme.example', 'http://localhost:3000'];
    const updated = await s().updateEmbedKey(tenant, key.id, { allowedOrigins: origins });
    assert.deepEqual(updated, { ...key, allowedOrigins: origins });
    const revoked = await s().updateEmbedKey(tenant, key.id, { status: 'REVOKED' });
    assert.deepEqual(revoked, { ...key, allowedOrigins: origins, status: 'REVOKED' });
    assert.deepEqual(await s().getEmbedKey(key.id), revoked);
  });

  it("updateEmbedKey: returns null for another tenant's key and changes nothing", async () => {
    const a = await addTenant(s());
    const b = await addTenant(s());
    const key = await addEmbedKey(s(), a);
    const result = await s().updateEmbedKey(b, key.id, { allowedOrigins: ['https://evil.example'], status: 'REVOKED' });
    assert.equal(result, null);
    assert.deepEqual(await s().getEmbedKey(key.id), key);
    assert.equal(await s().updateEmbedKey(a, unique('ek_test_'), { status: 'REVOKED' }), null);
  });

  it('isOriginAllowedByAnyKey: true only while an ACTIVE key lists the exact origin', async () => {
    const tenant = await addTenant(s());
    const origin = `https://${unique('cors-')}.example`;
    assert.equal(await s().isOriginAllowedByAnyKey(origin), false);
    await addEmbedKey(s(), tenant, { allowedOrigins: [`${origin}:8443`], status: 'ACTIVE' });
    await addEmbedKey(s(), tenant, { allowedOrigins: [origin], status: 'REVOKED' });
    assert.equal(await s().isOriginAllowedByAnyKey(origin), false);
    const key = await addEmbedKey(s(), tenant, { allowedOrigins: ['https://other.example', origin] });
    assert.equal(await s().isOriginAllowedByAnyKey(origin), true);
    await s().updateEmbedKey(tenant, key.id, { status: 'REVOKED' });
    assert.equal(await s().isOriginAllowedByAnyKey(origin), false);
  });
};

const signingKeyCases: Section = (it, s) => {
  const statuses = async (tenant: string) =>
    Object.fromEntries((await s().listSigningKeys(tenant)).map((key) => [key.kid, key.status]));

  it('getSigningKey: returns the key as stored, null under another tenant or for an unknown kid', async () => {
    const a = await addTenant(s());
    const b = await addTenant(s());
    const key = await addSigningKey(s(), a, 'NEXT');
    const rsa: SigningKey = {
      ...key,
      kid: unique('sk_'),
      alg: 'RS256',
      sealedSecret: null,
      publicKeyPem: '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n',
    };
    await s().createSigningKey(rsa);
    assert.deepEqual(await s().getSigningKey(a, key.kid), key);
    assert.deepEqual(await s().getSigningKey(a, rsa.kid), rsa);
    assert.equal(await s().getSigningKey(b, key.kid), null);
    assert.equal(await s().getSigningKey(a, unique('sk_')), null);
  });

  it("listSigningKeys: oldest first, the tenant's keys only", async () => {
    const a = await addTenant(s());
    const b = await addTenant(s());
    const newer = await addSigningKey(s(), a, 'NEXT', at(2 * HOUR));
    const older = await addSigningKey(s(), a, 'ACTIVE', at(HOUR));
    await addSigningKey(s(), b, 'ACTIVE');
    assert.deepEqual(await s().listSigningKeys(a), [older, newer]);
  });

  it('promoteSigningKey: a NEXT key becomes ACTIVE and the ACTIVE key becomes RETIRING', async () => {
    const tenant = await addTenant(s());
    const other = await addTenant(s());
    const active = await addSigningKey(s(), tenant, 'ACTIVE', at(1));
    const retiring = await addSigningKey(s(), tenant, 'RETIRING', at(2));
    const next = await addSigningKey(s(), tenant, 'NEXT', at(3));
    const otherActive = await addSigningKey(s(), other, 'ACTIVE');
    const promoted = await s().promoteSigningKey(tenant, next.kid, at(5 * MINUTE));
    assert.deepEqual(promoted, { ...next, status: 'ACTIVE', promotedAt: at(5 * MINUTE) });
    assert.deepEqual(await statuses(tenant), {
      [active.kid]: 'RETIRING',
      [retiring.kid]: 'RETIRING',
      [next.kid]: 'ACTIVE',
    });
    assert.equal((await s().getSigningKey(other, otherActive.kid))?.status, 'ACTIVE');
  });

  it('promoteSigningKey: the first key of a tenant is promoted without an ACTIVE key', async () => {
    const tenant = await addTenant(s());
    const next = await addSigningKey(s(), tenant, 'NEXT');
    assert.deepEqual(await s().promoteSigningKey(tenant, next.kid, at(MINUTE)), {
      ...next,
      status: 'ACTIVE',
      promotedAt: at(MINUTE),
    });
  });

  it('promoteSigningKey: not_next for ACTIVE, RETIRING and REVOKED keys, and nothing changes', async () => {
    const tenant = await addTenant(s());
    const keys = [
      await addSigningKey(s(), tenant, 'ACTIVE', at(1)),
      await addSigningKey(s(), tenant, 'RETIRING', at(2)),
      await addSigningKey(s(), tenant, 'REVOKED', at(3)),
    ];
    for (const key of keys) assert.equal(await s().promoteSigningKey(tenant, key.kid, at(MINUTE)), 'not_next');
    assert.deepEqual(await s().listSigningKeys(tenant), keys);
  });

  it("promoteSigningKey: not_found for an unknown kid and for another tenant's kid", async () => {
    const a = await addTenant(s());
    const b = await addTenant(s());
    const next = await addSigningKey(s(), a, 'NEXT');
    assert.equal(await s().promoteSigningKey(a, unique('sk_'), at(MINUTE)), 'not_found');
    assert.equal(await s().promoteSigningKey(b, next.kid, at(MINUTE)), 'not_found');
    assert.equal((await s().getSigningKey(a, next.kid))?.status, 'NEXT');
  });

  it('promoteSigningKey: of two NEXT keys promoted concurrently exactly one is ACTIVE afterwards', async () => {
    const tenant = await addTenant(s());
    const active = await addSigningKey(s(), tenant, 'ACTIVE', at(1));
    const first = await addSigningKey(s(), tenant, 'NEXT', at(2));
    const second = await addSigningKey(s(), tenant, 'NEXT', at(3));
    const results = await Promise.all([
      s().promoteSigningKey(tenant, first.kid, at(MINUTE)),
      s().promoteSigningKey(tenant, second.kid, at(MINUTE)),
    ]);
    for (const result of results) assert.ok(typeof result === 'object', `unexpected ${String(result)}`);
    const after = await statuses(tenant);
    assert.equal(Object.values(after).filter((status) => status === 'ACTIVE').length, 1);
    assert.equal(after[active.kid], 'RETIRING');
    assert.deepEqual([after[first.kid], after[second.kid]].sort(), ['ACTIVE', 'RETIRING']);
  });

  it('promoteSigningKey: of two concurrent promotions of one key one wins and the other gets not_next', async () => {
    const tenant = await addTenant(s());
    await addSigningKey(s(), tenant, 'ACTIVE', at(1));
    const next = await addSigningKey(s(), tenant, 'NEXT', at(2));
    const results = await Promise.all(times(2, () => s().promoteSigningKey(tenant, next.kid, at(MINUTE))));
    assert.equal(results.filter((result) => result === 'not_next').length, 1);
    assert.equal(results.filter((result) => typeof result === 'object').length, 1);
    assert.equal((await s().getSigningKey(tenant, next.kid))?.status, 'ACTIVE');
  });

  it('revokeSigningKey: marks the key REVOKED at now when another key still verifies', async () => {
    const tenant = await addTenant(s());
    const active = await addSigningKey(s(), tenant, 'ACTIVE', at(1));
    const retiring = await addSigningKey(s(), tenant, 'RETIRING', at(2));
    const revoked = await s().revokeSigningKey(tenant, retiring.kid, { force: false, now: at(HOUR) });
    assert.deepEqual(revoked, { ...retiring, status: 'REVOKED', revokedAt: at(HOUR) });
    assert.deepEqual(await s().getSigningKey(tenant, retiring.kid), revoked);
    assert.equal((await s().getSigningKey(tenant, active.kid))?.status, 'ACTIVE');
  });

  it('revokeSigningKey: refuses the last verifying key without force; REVOKED keys do not count', async () => {
    const tenant = await addTenant(s());
    await addSigningKey(s(), tenant, 'REVOKED', at(1));
    const next = await addSigningKey(s(), tenant, 'NEXT', at(2));
    assert.equal(await s().revokeSigningKey(tenant, next.kid, { force: false, now: at(HOUR) }), 'last_key');
    assert.deepEqual(await s().getSigningKey(tenant, next.kid), next);
  });

  it('revokeSigningKey: force revokes the last verifying key', async () => {
    const tenant = await addTenant(s());
    const active = await addSigningKey(s(), tenant, 'ACTIVE');
    const revoked = await s().revokeSigningKey(tenant, active.kid, { force: true, now: at(HOUR) });
    assert.deepEqual(revoked, { ...active, status: 'REVOKED', revokedAt: at(HOUR) });
  });

  it('revokeSigningKey: revoking a REVOKED key returns it unchanged', async () => {
    const tenant = await addTenant(s());
    await addSigningKey(s(), tenant, 'ACTIVE', at(1));
    const revoked = await addSigningKey(s(), tenant, 'REVOKED', at(2));
    assert.deepEqual(await s().revokeSigningKey(tenant, revoked.kid, { force: false, now: at(HOUR) }), revoked);
    assert.deepEqual(await s().getSigningKey(tenant, revoked.kid), revoked);
  });

  it("revokeSigningKey: not_found for an unknown kid and for another tenant's kid", async () => {
    const a = await addTenant(s());
    const b = await addTenant(s());
    const key = await addSigningKey(s(), a, 'RETIRING');
    await addSigningKey(s(), b, 'ACTIVE');
    assert.equal(await s().revokeSigningKey(a, unique('sk_'), { force: true, now: at(HOUR) }), 'not_found');
    assert.equal(await s().revokeSigningKey(b, key.kid, { force: true, now: at(HOUR) }), 'not_found');
    assert.deepEqual(await s().getSigningKey(a, key.kid), key);
  });

  it('revokeSigningKey: of concurrent revokes of the last two verifying keys without force one stays', async () => {
    const tenant = await addTenant(s());
    const active = await addSigningKey(s(), tenant, 'ACTIVE', at(1));
    const retiring = await addSigningKey(s(), tenant, 'RETIRING', at(2));
    const results = await Promise.all(
      [active, retiring].map((key) => s().revokeSigningKey(tenant, key.kid, { force: false, now: at(HOUR) })),
    );
    assert.equal(results.filter((result) => result === 'last_key').length, 1);
    const verifying = (await s().listSigningKeys(tenant)).filter((key) => key.status !== 'REVOKED');
    assert.equal(verifying.length, 1);
  });
};

const customerCases: Section = (it, s) => {
  it('upsertCustomer: creates the customer on first sight with newId', async () => {
    const tenant = await addTenant(s());
    const id = unique('cus_');
    const result = await s().upsertCustomer(
      { tenant, externalId: 'user-42', newId: id, email: 'Ann@Example.com', name: 'Ann', now: at(SECOND) },
      'keep',
    );
    const expected: Customer = {
      id,
      tenant,
      externalId: 'user-42',
      email: 'Ann@Example.com',
      name: 'Ann',
      createdAt: at(SECOND),
      updatedAt: at(SECOND),
    };
    assert.deepEqual(result, { customer: expected, created: true, emailTaken: false });
    assert.deepEqual(await s().getCustomer(tenant, id), expected);
    assert.deepEqual(await s().getCustomerByExternalId(tenant, 'user-42'), expected);
  });

  it('upsertCustomer: a later call updates the same record and ignores newId', async () => {
    const tenant = await addTenant(s());
    const first = await addCustomer(s(), tenant, { externalId: 'user-1', email: 'a@example.com', name: 'A' });
    const result = customerOf(
      await s().upsertCustomer(
        { tenant, externalId: 'user-1', newId: unique('cus_'), email: 'b@example.com', name: 'B', now: at(HOUR) },
        'fail',
      ),
    );
    assert.equal(result.created, false);
    assert.equal(result.emailTaken, false);
    assert.deepEqual(result.customer, { ...first, email: 'b@example.com', name: 'B', updatedAt: at(HOUR) });
    assert.deepEqual(await s().getCustomer(tenant, first.id), result.customer);
    assert.deepEqual(await s().listCustomers(tenant, {}), [result.customer]);
  });

  it('upsertCustomer: undefined leaves a field as it is, null clears it', async () => {
    const tenant = await addTenant(s());
    const customer = await addCustomer(s(), tenant, { email: 'keep@example.com', name: 'Kept' });
    const input = { tenant, externalId: customer.externalId, newId: unique('cus_'), now: at(HOUR) };
    const untouched = customerOf(await s().upsertCustomer(input, 'fail'));
    assert.equal(untouched.customer.email, 'keep@example.com');
    assert.equal(untouched.customer.name, 'Kept');
    const cleared = customerOf(await s().upsertCustomer({ ...input, email: null, name: null }, 'fail'));
    assert.equal(cleared.customer.email, null);
    assert.equal(cleared.customer.name, null);
    assert.deepEqual(await s().getCustomer(tenant, customer.id), cleared.customer);
  });

  it("upsertCustomer: with onEmailTaken 'keep' an email held by another customer stays where it is", async () => {
    const tenant = await addTenant(s());
    const holder = await addCustomer(s(), tenant, { email: 'Ann@Example.com' });
    const other = await addCustomer(s(), tenant, { email: 'other@example.com', name: 'Old' });
    const updated = customerOf(
      await s().upsertCustomer(
        { tenant, externalId: other.externalId, newId: unique('cus_'), email: 'ann@example.COM', name: 'New', now: at(HOUR) },
        'keep',
      ),
    );
    assert.equal(updated.emailTaken, true);
    assert.equal(updated.customer.email, 'other@example.com');
    assert.equal(updated.customer.name, 'New');
    const created = customerOf(
      await s().upsertCustomer(
        { tenant, externalId: unique('ext-'), newId: unique('cus_'), email: 'ANN@example.com', now: at(HOUR) },
        'keep',
      ),
    );
    assert.equal(created.created, true);
    assert.equal(created.emailTaken, true);
    assert.equal(created.customer.email, null);
    assert.equal((await s().getCustomerByEmail(tenant, 'ann@example.com'))?.id, holder.id);
  });

  it("upsertCustomer: with onEmailTaken 'fail' an email held by another customer changes nothing", async () => {
    const tenant = await addTenant(s());
    await addCustomer(s(), tenant, { email: 'Ann@Example.com' });
    const other = await addCustomer(s(), tenant, { email: 'other@example.com', name: 'Old' });
    const update = { tenant, externalId: other.externalId, newId: unique('cus_'), name: 'New', now: at(HOUR) };
    assert.equal(await s().upsertCustomer({ ...update, email: 'ann@EXAMPLE.com' }, 'fail'), 'email_taken');
    assert.deepEqual(await s().getCustomer(tenant, other.id), other);
    const externalId = unique('ext-');
    const create = { tenant, externalId, newId: unique('cus_'), email: 'ANN@example.com', now: at(HOUR) };
    assert.equal(await s().upsertCustomer(create, 'fail'), 'email_taken');
    assert.equal(await s().getCustomerByExternalId(tenant, externalId), null);
    assert.equal((await s().listCustomers(tenant, {})).length, 2);
  });

  it('upsertCustomer: a customer may change the case of its own email', async () => {
    const tenant = await addTenant(s());
    const customer = await addCustomer(s(), tenant, { email: 'ann@example.com' });
    const result = customerOf(
      await s().upsertCustomer(
        { tenant, externalId: customer.externalId, newId: unique('cus_'), email: 'ANN@example.com', now: at(HOUR) },
        'fail',
      ),
    );
    assert.equal(result.emailTaken, false);
    assert.equal(result.customer.email, 'ANN@example.com');
  });

  it('upsertCustomer: an email given up by one customer can be taken by another', async () => {
    const tenant = await addTenant(s());
    const first = await addCustomer(s(), tenant, { email: 'move@example.com' });
    await s().upsertCustomer(
      { tenant, externalId: first.externalId, newId: unique('cus_'), email: null, now: at(HOUR) },
      'fail',
    );
    const second = await addCustomer(s(), tenant, { email: 'Move@example.com', now: at(2 * HOUR) });
    assert.equal(second.email, 'Move@example.com');
    assert.equal((await s().getCustomerByEmail(tenant, 'move@example.com'))?.id, second.id);
  });

  it('upsertCustomer: the same email and externalId in another tenant are another customer', async () => {
    const a = await addTenant(s());
    const b = await addTenant(s());
    const inA = await addCustomer(s(), a, { externalId: 'user-1', email: 'ann@example.com' });
    const inB = await addCustomer(s(), b, { externalId: 'user-1', email: 'ann@example.com' });
    assert.notEqual(inA.id, inB.id);
    assert.equal(inB.tenant, b);
    assert.deepEqual(await s().getCustomer(a, inA.id), inA);
  });

  it('upsertCustomer: of 20 concurrent upserts of a new externalId exactly one creates and all get it', async () => {
    const tenant = await addTenant(s());
    const externalId = unique('ext-');
    const results = await Promise.all(
      times(20, (i) =>
        s().upsertCustomer(
          { tenant, externalId, newId: `cus_race_${i}`, email: 'Race@example.com', name: 'Racer', now: at(MINUTE) },
          'fail',
        ),
      ),
    ).then((all) => all.map(customerOf));
    assert.equal(results.filter((result) => result.created).length, 1);
    assert.ok(results.every((result) => !result.emailTaken));
    const id = results[0].customer.id;
    assert.ok(results.every((result) => result.customer.id === id));
    assert.match(id, /^cus_race_\d+$/);
    const listed = await s().listCustomers(tenant, {});
    assert.deepEqual(ids(listed), [id]);
    assert.equal(listed[0].email, 'Race@example.com');
  });

  it('getCustomerByEmail: matches case-insensitively within the tenant only', async () => {
    const a = await addTenant(s());
    const b = await addTenant(s());
    const customer = await addCustomer(s(), a, { email: 'Ann.Lee@Example.com' });
    assert.deepEqual(await s().getCustomerByEmail(a, 'ann.lee@example.COM'), customer);
    assert.equal(await s().getCustomerByEmail(b, 'ann.lee@example.com'), null);
    assert.equal(await s().getCustomerByEmail(a, 'ann@example.com'), null);
  });

  it('getCustomer, getCustomerByExternalId: null for unknown ids and under another tenant', async () => {
    const a = await addTenant(s());
    const b = await addTenant(s());
    const customer = await addCustomer(s(), a);
    assert.equal(await s().getCustomer(b, customer.id), null);
    assert.equal(await s().getCustomerByExternalId(b, customer.externalId), null);
    assert.equal(await s().getCustomer(a, unique('cus_')), null);
    assert.equal(await s().getCustomerByExternalId(a, unique('ext-')), null);
  });

  it('listCustomers: ordered by createdAt then id, email filter case-insensitive, tenant only', async () => {
    const a = await addTenant(s());
    const b = await addTenant(s());
    const p = unique('cus_');
    const late = await addCustomer(s(), a, { id: `${p}b`, now: at(2 * HOUR), email: 'Shared@example.com' });
    const tie = await addCustomer(s(), a, { id: `${p}a`, now: at(2 * HOUR) });
    const early = await addCustomer(s(), a, { id: `${p}c`, now: at(HOUR) });
    await addCustomer(s(), b, { email: 'shared@example.com' });
    assert.deepEqual(await s().listCustomers(a, {}), [early, tie, late]);
    assert.deepEqual(await s().listCustomers(a, { email: 'SHARED@example.com' }), [late]);
    assert.deepEqual(await s().listCustomers(a, { email: 'nobody@example.com' }), []);
  });
};

const offeringAndInvoiceCases: Section = (it, s) => {
  it('putOffering: inserts, then replaces the same (tenant, id)', async () => {
    const tenant = await addTenant(s());
    const offering = offeringRecord(tenant);
    assert.deepEqual(await s().putOffering(offering), offering);
    const replaced: Offering = { ...offering, name: 'Pro+', status: 'ARCHIVED', ratePlans: [], updatedAt: at(HOUR) };
    assert.deepEqual(await s().putOffering(replaced), replaced);
    assert.deepEqual(await s().listOfferings(tenant, {}), [replaced]);
  });

  it('listOfferings: ordered by name then id, filtered by status, tenant only', async () => {
    const a = await addTenant(s());
    const b = await addTenant(s());
    const p = unique('off_');
    const pro2 = await s().putOffering(offeringRecord(a, { id: `${p}2`, name: 'Pro' }));
    const basic = await s().putOffering(offeringRecord(a, { id: `${p}3`, name: 'Basic', status: 'DRAFT' }));
    const pro1 = await s().putOffering(offeringRecord(a, { id: `${p}1`, name: 'Pro' }));
    await s().putOffering(offeringRecord(b));
    assert.deepEqual(await s().listOfferings(a, {}), [basic, pro1, pro2]);
    assert.deepEqual(await s().listOfferings(a, { status: 'PUBLISHED' }), [pro1, pro2]);
    assert.deepEqual(await s().listOfferings(a, { status: 'ARCHIVED' }), []);
  });

  it('putInvoice: inserts, then replaces the same (tenant, id)', async () => {
    const { tenant, customer } = await addWorld(s());
    const invoice = invoiceRecord(tenant, customer.id);
    assert.deepEqual(await s().putInvoice(invoice), invoice);
    const paid: Invoice = { ...invoice, status: 'PAID', amountPaidCents: 4900, dueAt: null, pdfUrl: null };
    assert.deepEqual(await s().putInvoice(paid), paid);
    assert.deepEqual(await s().listInvoices({ tenant, customerId: customer.id, limit: 10 }), [paid]);
  });

  /** Five invoices: newest first they are e, d, c, b, a (c and b share issuedAt; c has the greater id). */
  async function invoiceLadder() {
    const world = await addWorld(s());
    const p = unique('in_');
    const put = (suffix: string, issuedAt: Date, status: Invoice['status']) =>
      s().putInvoice(invoiceRecord(world.tenant, world.customer.id, { id: `${p}${suffix}`, issuedAt, status }));
    const b = await put('b', at(2 * DAY), 'PAID');
    const a = await put('a', at(DAY), 'PAID');
    const e = await put('e', at(4 * DAY), 'OPEN');
    const c = await put('c', at(2 * DAY), 'OPEN');
    const d = await put('d', at(3 * DAY), 'PAID');
    return { world, newestFirst: [e, d, c, b, a] };
  }

  it('listInvoices: newest issuedAt first, ties by id descending, filtered by status', async () => {
    const { world, newestFirst } = await invoiceLadder();
    const query = { tenant: world.tenant, customerId: world.customer.id, limit: 50 };
    assert.deepEqual(await s().listInvoices(query), newestFirst);
    assert.deepEqual(
      ids(await s().listInvoices({ ...query, status: 'PAID' })),
      ids(newestFirst.filter((invoice) => invoice.status === 'PAID')),
    );
    assert.deepEqual(await s().listInvoices({ ...query, status: 'VOID' }), []);
  });

  it('listInvoices: after returns only invoices strictly after the cursor; limit caps the page', async () => {
    const { world, newestFirst } = await invoiceLadder();
    const [e, d, c, b, a] = newestFirst;
    const query = { tenant: world.tenant, customerId: world.customer.id };
    assert.deepEqual(ids(await s().listInvoices({ ...query, limit: 2 })), ids([e, d]));
    assert.deepEqual(ids(await s().listInvoices({ ...query, limit: 2, after: d })), ids([c, b]));
    assert.deepEqual(ids(await s().listInvoices({ ...query, limit: 2, after: c })), ids([b, a]));
    assert.deepEqual(ids(await s().listInvoices({ ...query, limit: 2, after: a })), []);
    const cursor = { issuedAt: at(2 * DAY), id: `${c.id}0` };
    assert.deepEqual(ids(await s().listInvoices({ ...query, limit: 10, after: cursor })), ids([c, b, a]));
    assert.deepEqual(
      ids(await s().listInvoices({ ...query, status: 'PAID', limit: 1, after: d })),
      ids([b]),
    );
  });

  it("listInvoices: only this customer's invoices of this tenant", async () => {
    const first = await addWorld(s());
    const second = await addWorld(s());
    const neighbour = await addCustomer(s(), first.tenant);
    const mine = await s().putInvoice(invoiceRecord(first.tenant, first.customer.id));
    await s().putInvoice(invoiceRecord(first.tenant, neighbour.id));
    await s().putInvoice(invoiceRecord(second.tenant, second.customer.id));
    assert.deepEqual(await s().listInvoices({ tenant: first.tenant, customerId: first.customer.id, limit: 10 }), [mine]);
    assert.deepEqual(await s().listInvoices({ tenant: second.tenant, customerId: first.customer.id, limit: 10 }), []);
  });
};

const sessionCases: Section = (it, s) => {
  it('createSession: getSession returns it as stored, null for an unknown sid', async () => {
    const world = await addWorld(s());
    const bridge = sessionRecord(world);
    const magic = sessionRecord(world, { method: 'magic_link', signingKid: null });
    await s().createSession(bridge);
    await s().createSession(magic);
    assert.deepEqual(await s().getSession(bridge.sid), bridge);
    assert.deepEqual(await s().getSession(magic.sid), magic);
    assert.equal(await s().getSession(unique('sid_')), null);
  });

  it('touchSession: sets refreshedAt to now and returns the session', async () => {
    const session = sessionRecord(await addWorld(s()));
    await s().createSession(session);
    const touched = await s().touchSession(session.sid, at(HOUR));
    assert.deepEqual(touched, { ...session, refreshedAt: at(HOUR) });
    assert.deepEqual(await s().getSession(session.sid), touched);
    assert.deepEqual(await s().touchSession(session.sid, at(DAY - 1)), { ...session, refreshedAt: at(DAY - 1) });
  });

  it('touchSession: refuses a revoked session, a session past its absolute expiry and an unknown sid', async () => {
    const world = await addWorld(s());
    const revoked = sessionRecord(world, { revokedAt: at(MINUTE) });
    const expiring = sessionRecord(world, { expiresAt: at(DAY) });
    await s().createSession(revoked);
    await s().createSession(expiring);
    assert.equal(await s().touchSession(revoked.sid, at(HOUR)), null);
    assert.equal(await s().touchSession(expiring.sid, at(DAY + 1)), null);
    assert.equal(await s().touchSession(unique('sid_'), at(HOUR)), null);
    assert.deepEqual(await s().getSession(revoked.sid), revoked);
    assert.deepEqual(await s().getSession(expiring.sid), expiring);
  });

  it('revokeSession: returns true only for the call that revoked it', async () => {
    const session = sessionRecord(await addWorld(s()));
    await s().createSession(session);
    assert.equal(await s().revokeSession(session.sid, at(HOUR)), true);
    assert.equal(await s().revokeSession(session.sid, at(2 * HOUR)), false);
    assert.deepEqual(await s().getSession(session.sid), { ...session, revokedAt: at(HOUR) });
    assert.equal(await s().revokeSession(unique('sid_'), at(HOUR)), false);
    assert.equal(await s().touchSession(session.sid, at(2 * HOUR)), null);
  });

  it("revokeSessionsBySigningKey: revokes only that key's live sessions of that tenant", async () => {
    const world = await addWorld(s());
    const other = await addWorld(s());
    const otherKey = await addSigningKey(s(), world.tenant, 'RETIRING');
    const live = [sessionRecord(world), sessionRecord(world)];
    const untouched = [
      sessionRecord(world, { revokedAt: at(MINUTE) }),
      sessionRecord(world, { signingKid: otherKey.kid }),
      sessionRecord(world, { method: 'magic_link', signingKid: null }),
      sessionRecord(other),
    ];
    for (const session of [...live, ...untouched]) await s().createSession(session);
    assert.equal(await s().revokeSessionsBySigningKey(other.tenant, world.signingKey.kid, at(HOUR)), 0);
    assert.equal(await s().revokeSessionsBySigningKey(world.tenant, other.signingKey.kid, at(HOUR)), 0);
    assert.equal(await s().revokeSessionsBySigningKey(world.tenant, world.signingKey.kid, at(HOUR)), 2);
    for (const session of live) assert.deepEqual(await s().getSession(session.sid), { ...session, revokedAt: at(HOUR) });
    for (const session of untouched) assert.deepEqual(await s().getSession(session.sid), session);
    assert.equal(await s().revokeSessionsBySigningKey(world.tenant, world.signingKey.kid, at(2 * HOUR)), 0);
  });
};

const oneTimeCases: Section = (it, s) => {
  const jtiFor = async () => {
    const tenant = await addTenant(s());
    const key = await addSigningKey(s(), tenant, 'ACTIVE');
    return { tenant, kid: key.kid, jti: unique('jti-'), expiresAt: at(5 * MINUTE + 30 * SECOND), now: at(0) };
  };

  it('reserveJti: the first reservation wins and a second is refused', async () => {
    const input = await jtiFor();
    assert.equal(await s().reserveJti(input), true);
    assert.equal(await s().reserveJti({ ...input, now: at(MINUTE) }), false);
  });

  it('reserveJti: the same jti under another kid or another tenant is a separate reservation', async () => {
    const input = await jtiFor();
    const other = await jtiFor();
    const secondKey = await addSigningKey(s(), input.tenant, 'NEXT');
    assert.equal(await s().reserveJti(input), true);
    assert.equal(await s().reserveJti({ ...input, kid: secondKey.kid }), true);
    assert.equal(await s().reserveJti({ ...other, jti: input.jti }), true);
    assert.equal(await s().reserveJti({ ...input, jti: unique('jti-') }), true);
  });

  it('reserveJti: a jti is held until its expiresAt and may be taken again after it', async () => {
    const input = await jtiFor();
    assert.equal(await s().reserveJti(input), true);
    assert.equal(await s().reserveJti({ ...input, now: input.expiresAt }), false);
    const later = new Date(input.expiresAt.getTime() + 1);
    assert.equal(await s().reserveJti({ ...input, now: later, expiresAt: at(HOUR) }), true);
    assert.equal(await s().reserveJti({ ...input, now: at(30 * MINUTE) }), false);
  });

  it('reserveJti: of 20 concurrent reservations exactly one wins', async () => {
    const input = await jtiFor();
    const results = await Promise.all(times(20, () => s().reserveJti(input)));
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('hitRateLimit: counts hits in one fixed window and returns its end as resetAt', async () => {
    const key = unique('rl:ip:');
    assert.deepEqual(await s().hitRateLimit(key, MINUTE, at(10 * SECOND)), { count: 1, resetAt: at(MINUTE) });
    assert.deepEqual(await s().hitRateLimit(key, MINUTE, at(10 * SECOND)), { count: 2, resetAt: at(MINUTE) });
    assert.deepEqual(await s().hitRateLimit(key, MINUTE, at(MINUTE - 1)), { count: 3, resetAt: at(MINUTE) });
  });

  it('hitRateLimit: the next window starts again at 1', async () => {
    const key = unique('rl:ip:');
    await s().hitRateLimit(key, HOUR, at(5 * MINUTE));
    await s().hitRateLimit(key, HOUR, at(50 * MINUTE));
    assert.deepEqual(await s().hitRateLimit(key, HOUR, at(HOUR)), { count: 1, resetAt: at(2 * HOUR) });
    assert.deepEqual(await s().hitRateLimit(key, HOUR, at(HOUR + 1)), { count: 2, resetAt: at(2 * HOUR) });
  });

  it('hitRateLimit: each key has its own count', async () => {
    const first = unique('rl:email:');
    const second = unique('rl:email:');
    await s().hitRateLimit(first, MINUTE, at(0));
    await s().hitRateLimit(first, MINUTE, at(0));
    assert.equal((await s().hitRateLimit(second, MINUTE, at(0))).count, 1);
    assert.equal((await s().hitRateLimit(first, MINUTE, at(0))).count, 3);
  });

  it('hitRateLimit: 40 concurrent hits on one key get exactly the counts 1..40', async () => {
    const key = unique('rl:ip:');
    const results = await Promise.all(times(40, () => s().hitRateLimit(key, MINUTE, at(30 * SECOND))));
    assert.deepEqual(
      results.map((result) => result.count).sort((x, y) => x - y),
      times(40, (i) => i + 1),
    );
    assert.ok(results.every((result) => result.resetAt.getTime() === at(MINUTE).getTime()));
  });
};

const magicLinkCases: Section = (it, s) => {
  const linkFor = async (patch: Partial<MagicLinkToken> = {}) => {
    const world = await addWorld(s());
    const link = magicLinkRecord(world.tenant, world.embedKey.id, patch);
    await s().createMagicLink(link);
    const consume = { tokenHash: link.tokenHash, tenant: link.tenant, embedKeyId: link.embedKeyId, now: at(MINUTE) };
    return { world, link, consume };
  };

  it('getMagicLink: returns the stored record, null for an unknown hash', async () => {
    const { link } = await linkFor();
    assert.deepEqual(await s().getMagicLink(link.tokenHash), link);
    assert.equal(await s().getMagicLink(tokenHash()), null);
  });

  it('consumeMagicLink: returns the token marked used at now', async () => {
    const { link, consume } = await linkFor();
    const used = { ...link, usedAt: at(MINUTE) };
    assert.deepEqual(await s().consumeMagicLink(consume), used);
    assert.deepEqual(await s().getMagicLink(link.tokenHash), used);
  });

  it('consumeMagicLink: a second consume is refused', async () => {
    const { link, consume } = await linkFor();
    assert.notEqual(await s().consumeMagicLink(consume), null);
    assert.equal(await s().consumeMagicLink({ ...consume, now: at(2 * MINUTE) }), null);
    assert.deepEqual((await s().getMagicLink(link.tokenHash))?.usedAt, at(MINUTE));
  });

  it('consumeMagicLink: an expired token is refused (expiresAt <= now) and stays unused', async () => {
    const { link, consume } = await linkFor();
    assert.equal(await s().consumeMagicLink({ ...consume, now: link.expiresAt }), null);
    assert.equal(await s().consumeMagicLink({ ...consume, now: at(HOUR) }), null);
    assert.deepEqual(await s().getMagicLink(link.tokenHash), link);
    const lastMoment = new Date(link.expiresAt.getTime() - 1);
    assert.deepEqual(await s().consumeMagicLink({ ...consume, now: lastMoment }), { ...link, usedAt: lastMoment });
  });

  it('consumeMagicLink: another tenant cannot consume the token, which stays usable', async () => {
    const { link, consume } = await linkFor();
    const other = await addWorld(s());
    assert.equal(await s().consumeMagicLink({ ...consume, tenant: other.tenant, embedKeyId: other.embedKey.id }), null);
    assert.equal(await s().consumeMagicLink({ ...consume, tenant: other.tenant }), null);
    assert.deepEqual(await s().getMagicLink(link.tokenHash), link);
    assert.notEqual(await s().consumeMagicLink(consume), null);
  });

  it('consumeMagicLink: another embed key of the same tenant cannot consume the token, which stays usable', async () => {
    const { world, link, consume } = await linkFor();
    const otherKey = await addEmbedKey(s(), world.tenant);
    assert.equal(await s().consumeMagicLink({ ...consume, embedKeyId: otherKey.id }), null);
    assert.deepEqual(await s().getMagicLink(link.tokenHash), link);
    assert.notEqual(await s().consumeMagicLink(consume), null);
  });

  it('consumeMagicLink: an unknown token is refused', async () => {
    const { consume } = await linkFor();
    assert.equal(await s().consumeMagicLink({ ...consume, tokenHash: tokenHash() }), null);
  });

  it('consumeMagicLink: of 25 concurrent consumes of one token exactly one gets it', async () => {
    const { link, consume } = await linkFor();
    const results = await Promise.all(times(25, () => s().consumeMagicLink(consume)));
    const winners = results.filter((result) => result !== null);
    assert.equal(winners.length, 1);
    assert.deepEqual(winners[0], { ...link, usedAt: at(MINUTE) });
  });
};

const engineKeyAndAuditCases: Section = (it, s) => {
  it('saveEngineKeyIfAbsent: the first writer wins, also among 5 concurrent calls', async () => {
    // The engine key is global, so on a shared database one may already exist; then it must win over all.
    const existing = await s().getEngineKey();
    const candidates = times(5, () => engineKeyRecord());
    const results = await Promise.all(candidates.map((key) => s().saveEngineKeyIfAbsent(key)));
    const winner = existing ?? candidates.find((key) => key.kid === results[0].kid);
    assert.ok(winner, 'the stored key is none of the candidates');
    for (const result of results) assert.deepEqual(result, winner);
    assert.deepEqual(await s().getEngineKey(), winner);
    assert.deepEqual(await s().saveEngineKeyIfAbsent(engineKeyRecord()), winner);
  });

  /** Newest first: e4, e3, e2 and e1 share `at` (e2 has the greater id), e0 oldest. */
  async function auditLadder() {
    const tenant = await addTenant(s());
    const p = unique('evt_');
    const add = async (suffix: string, offset: number, type: string) => {
      const event = auditRecord(tenant, { id: `${p}${suffix}`, at: at(offset), type });
      await s().appendAudit(event);
      return event;
    };
    const e2 = await add('2', 2 * MINUTE, 'session.created');
    const e0 = await add('0', 0, 'magic_link.requested');
    const e4 = await add('4', 4 * MINUTE, 'session.created');
    const e1 = await add('1', 2 * MINUTE, 'magic_link.requested');
    const e3 = await add('3', 3 * MINUTE, 'signing_key.revoked');
    return { tenant, newestFirst: [e4, e3, e2, e1, e0] };
  }

  it('listAudit: newest first, ties by id descending, tenant only', async () => {
    const { tenant, newestFirst } = await auditLadder();
    await s().appendAudit(auditRecord(await addTenant(s())));
    assert.deepEqual(await s().listAudit({ tenant, limit: 50 }), newestFirst);
  });

  it('listAudit: filters by type and by since', async () => {
    const { tenant, newestFirst } = await auditLadder();
    const [e4, e3, e2, e1] = newestFirst;
    assert.deepEqual(ids(await s().listAudit({ tenant, type: 'session.created', limit: 50 })), ids([e4, e2]));
    assert.deepEqual(ids(await s().listAudit({ tenant, since: at(MINUTE), limit: 50 })), ids([e4, e3, e2, e1]));
    assert.deepEqual(
      ids(await s().listAudit({ tenant, type: 'magic_link.requested', since: at(MINUTE), limit: 50 })),
      ids([e1]),
    );
    assert.deepEqual(ids(await s().listAudit({ tenant, type: 'nothing.happened', limit: 50 })), []);
  });

  it('listAudit: before returns only events strictly before the cursor; limit caps the page', async () => {
    const { tenant, newestFirst } = await auditLadder();
    const [e4, e3, e2, e1, e0] = newestFirst;
    assert.deepEqual(ids(await s().listAudit({ tenant, limit: 2 })), ids([e4, e3]));
    assert.deepEqual(ids(await s().listAudit({ tenant, limit: 2, before: e3 })), ids([e2, e1]));
    assert.deepEqual(ids(await s().listAudit({ tenant, limit: 2, before: e2 })), ids([e1, e0]));
    assert.deepEqual(ids(await s().listAudit({ tenant, limit: 2, before: e0 })), []);
    assert.deepEqual(
      ids(await s().listAudit({ tenant, type: 'session.created', limit: 5, before: e3 })),
      ids([e2]),
    );
  });
};

const housekeepingCases: Section = (it, s) => {
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

    const goneEvent = auditRecord(tenant, { at: t(MINUTE) });
    const liveEvent = auditRecord(tenant, { at: t(4 * MINUTE) });
    await s().appendAudit(goneEvent);
    await s().appendAudit(liveEvent);

    const prune = { now: t(5 * MINUTE), auditBefore: t(3 * MINUTE) };
    assert.deepEqual(await s().prune(prune), { magicLinks: 1, jtis: 1, rateLimits: 1, sessions: 1, audit: 1 });

    assert.equal(await s().getMagicLink(goneLink.tokenHash), null);
    for (const token of liveLinks) assert.deepEqual(await s().getMagicLink(token.tokenHash), token);
    assert.equal(await s().reserveJti({ ...liveJti, now: prune.now }), false);
    assert.equal((await s().hitRateLimit(liveWindow, 10 * MINUTE, prune.now)).count, 2);
    assert.equal(await s().getSession(goneSession.sid), null);
    for (const record of liveSessions) assert.deepEqual(await s().getSession(record.sid), record);
    assert.deepEqual(await s().listAudit({ tenant, limit: 10 }), [liveEvent]);
    assert.deepEqual(await s().prune(prune), { magicLinks: 0, jtis: 0, rateLimits: 0, sessions: 0, audit: 0 });
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
    const session = sessionRecord(world, { createdAt: odd(8), refreshedAt: odd(9), expiresAt: odd(DAY), revokedAt: odd(10) });
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

const SECTIONS: [string, Section][] = [
  ['tenants', tenantCases],
  ['embed keys', embedKeyCases],
  ['signing keys', signingKeyCases],
  ['customers', customerCases],
  ['offerings and invoices', offeringAndInvoiceCases],
  ['sessions', sessionCases],
  ['bridge-token ids and rate limits', oneTimeCases],
  ['magic links', magicLinkCases],
  ['engine key and audit', engineKeyAndAuditCases],
  ['housekeeping, copies and dates', housekeepingCases],
];
