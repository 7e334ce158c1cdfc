import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, randomBytes, type KeyExportOptions, type KeyObject } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it, test } from 'node:test';
import { memoryMailer } from '../adapters/mail.js';
import { createBridge } from '../lib/bridge.js';
import type { Storage } from '../lib/storage.js';
import { memoryStorage } from '../storage/memory.js';
import { postgresStorage } from '../storage/postgres.js';
import { sqliteStorage } from '../storage/sqlite.js';
import { createTestSchema, POSTGRES_URL, postgresUnavailable, skipOrFail } from './helpers/postgres.js';
import { ADMIN_TOKEN, createFixture, type Answer, type Fixture } from './http/fixture.js';
import { mountKoa } from './http/mounts.js';

// SPEC section 8, over HTTP through Koa: wrong-token admin calls are limited and audited once a minute with a count;
// a private key is never taken as a public one; an invoice never moves to another customer.

type MakeStorage = () => Promise<{ storage: Storage; drop?: () => Promise<void> }>;

const WRONG = { authorization: 'Bearer wrong-token-wrong-token' };

// A self-signed P-256 certificate: createPublicKey would take it and keep its public key.
const CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIBgzCCASmgAwIBAgIUSyMhQgocxQJHIoFu0oWkrCoKPxowCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMY2VydC5leGFtcGxlMB4XDTI2MTIwMTIyMzMwMFoXDTM2MTEy
ODIyMzMwMFowFzEVMBMGA1UEAwwMY2VydC5leGFtcGxlMFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAEiUhpzeXgZULQMSiO2XoLvYDLpJyEIpwSVCroyu7IoiQALjCd
7kcRAad0Zx1ivmYzpnNxrdRj0gp9j0+LLx4uSKNTMFEwHQYDVR0OBBYEFPlthl/8
PN0/+d5wEQLs+K2RtFzGMB8GA1UdIwQYMBaAFPlthl/8PN0/+d5wEQLs+K2RtFzG
MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIgWym+SfLclTifgZwn
hmLn3XkmQOF91NqndiHfi07PTncCIQD0AyDZigYUEnp6oC/yn+uPDtZOQ3UrmrHL
GV/3/PrwOQ==
-----END CERTIFICATE-----
`;

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const pem = (key: KeyObject, type: 'pkcs8' | 'pkcs1' | 'sec1' | 'spki', extra: { cipher?: string; passphrase?: string } = {}): string =>
  key.export({ type, format: 'pem', ...extra } as KeyExportOptions<'pem'>).toString();

const PRIVATE_PEMS: Array<[string, 'RS256' | 'ES256' | 'EdDSA', string]> = [
  ['RSA PKCS#8', 'RS256', pem(rsa.privateKey, 'pkcs8')],
  ['RSA PKCS#1', 'RS256', pem(rsa.privateKey, 'pkcs1')],
  ['EC PKCS#8', 'ES256', pem(ec.privateKey, 'pkcs8')],
  ['EC SEC1', 'ES256', pem(ec.privateKey, 'sec1')],
  ['Ed25519 PKCS#8', 'EdDSA', pem(ed.privateKey, 'pkcs8')],
  ['encrypted PKCS#8', 'RS256', pem(rsa.privateKey, 'pkcs8', { cipher: 'aes-256-cbc', passphrase: 'correct horse' })],
  ['encrypted PKCS#1', 'RS256', pem(rsa.privateKey, 'pkcs1', { cipher: 'aes-256-cbc', passphrase: 'correct horse' })],
  ['encrypted SEC1', 'ES256', pem(ec.privateKey, 'sec1', { cipher: 'aes-256-cbc', passphrase: 'correct horse' })],
  ['a public key followed by its private key', 'ES256', pem(ec.publicKey, 'spki') + pem(ec.privateKey, 'pkcs8')],
  ['a private key followed by its public key', 'EdDSA', pem(ed.privateKey, 'pkcs8') + pem(ed.publicKey, 'spki')],
];

const OTHER_BAD_PEMS: Array<[string, 'RS256' | 'ES256' | 'EdDSA', string]> = [
  ['a certificate', 'ES256', CERTIFICATE],
  ['plain text', 'RS256', 'not a key at all'],
  ['a public-key block of garbage', 'ES256', '-----BEGIN PUBLIC KEY-----\nAAAA!!!!not-base64\n-----END PUBLIC KEY-----\n'],
  ['a public-key block of random bytes', 'EdDSA', `-----BEGIN PUBLIC KEY-----\n${randomBytes(44).toString('base64')}\n-----END PUBLIC KEY-----\n`],
  ['two public keys', 'ES256', pem(ec.publicKey, 'spki') + pem(ec.publicKey, 'spki')],
  ['an unterminated block', 'RS256', pem(rsa.publicKey, 'spki').replace('-----END PUBLIC KEY-----', '')],
];

const invoiceBody = (number: string) => ({
  number, status: 'OPEN', amountDueCents: 4900, currency: 'eur', issuedAt: '2026-02-01T00:00:00.000Z',
});

function adminHardening(name: string, makeStorage: MakeStorage): void {
  describe(`admin hardening: koa on ${name}`, () => {
    let f: Fixture;
    let drop: (() => Promise<void>) | undefined;
    const open = async (options: { trustProxy?: number; adminRateLimit?: number } = {}) => {
      const made = await makeStorage();
      drop = made.drop;
      f = await createFixture(mountKoa, { storage: made.storage, ...options });
      return f;
    };
    afterEach(async () => {
      await f?.close();
      await drop?.();
      drop = undefined;
    });

    const wrong = (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> =>
      f.call(method, `/v1/admin${path}`, { headers: { ...WRONG, 'user-agent': 'hammer/1.0', ...headers } });
    const refused = (path: string, n: number, headers: Record<string, string> = {}): Promise<number[]> =>
      Array.from({ length: n }).reduce<Promise<number[]>>(
        async (done) => [...(await done), (await wrong(path, headers)).status],
        Promise.resolve([]),
      );

    it('admin rate limit: the 31st wrong-token call of a minute from one IP is 429 rate_limited with Retry-After', async () => {
      await open();
      const statuses = await refused(`/tenants/${f.tenant}/embed-keys`, 30);
      assert.deepEqual(statuses, Array(30).fill(401));
      const limited = await wrong(`/tenants/${f.tenant}/embed-keys`);
      assert.equal(limited.status, 429);
      assert.equal(limited.body.error.code, 'rate_limited');
      const retryAfter = Number(limited.headers.get('retry-after'));
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      assert.equal((await f.call('GET', '/v1/admin/tenants')).status, 429, 'no token at all counts the same');
      assert.equal((await wrong('/tenants/no-such-tenant')).status, 429);
      f.clock.advance(60);
      assert.equal((await wrong(`/tenants/${f.tenant}`)).status, 401, 'a new minute starts a new count');
    });

    it('admin rate limit: the right token still works while the IP is limited, and is never counted', async () => {
      await open();
      for (let i = 0; i < 40; i += 1) assert.equal((await f.admin('GET', `/tenants/${f.tenant}`)).status, 200);
      await refused(`/tenants/${f.tenant}`, 31);
      assert.equal((await wrong(`/tenants/${f.tenant}`)).status, 429);
      const ok = await f.admin('GET', `/tenants/${f.tenant}`);
      assert.equal(ok.status, 200);
      assert.equal(ok.body.slug, f.tenant);
      assert.equal((await f.admin('POST', `/tenants/${f.tenant}/embed-keys`, { allowedOrigins: ['https://a.example'] })).status, 201);
    });

    it('admin rate limit: counted per client IP; adminRateLimit sets the number', async () => {
      await open({ trustProxy: 1, adminRateLimit: 3 });
      const a = { 'x-forwarded-for': '203.0.113.7' };
      const b = { 'x-forwarded-for': '198.51.100.9' };
      assert.deepEqual(await refused(`/tenants/${f.tenant}`, 4, a), [401, 401, 401, 429]);
      assert.deepEqual(await refused(`/tenants/${f.tenant}`, 3, b), [401, 401, 401]);
      assert.equal((await wrong(`/tenants/${f.tenant}`, a)).status, 429);
    });

    it('admin audit: 40 wrong-token calls in one minute leave one admin.unauthorized row with count 40', async () => {
      await open();
      await refused(`/tenants/${f.tenant}/signing-keys`, 40);
      const page = await f.admin('GET', `/tenants/${f.tenant}/audit?type=admin.unauthorized`);
      assert.equal(page.status, 200);
      assert.equal(page.body.events.length, 1);
      const [event] = page.body.events;
      assert.equal(event.count, 40);
      assert.equal(event.ip, '127.0.0.1');
      assert.equal(event.userAgent, 'hammer/1.0');
      assert.equal(event.method, 'GET');
      assert.equal(event.path, `/v1/admin/tenants/${f.tenant}/signing-keys`);
      assert.equal(event.at, f.clock.now().toISOString());
      const stored = await f.storage.listAudit({ tenant: f.tenant, type: 'admin.unauthorized', limit: 100 });
      assert.equal(stored.length, 1);
    });

    it('admin audit: a minute nobody reads is written when it ends, once, with its count', async () => {
      await open();
      await refused(`/tenants/${f.tenant}`, 5);
      assert.equal((await f.storage.listAudit({ tenant: f.tenant, type: 'admin.unauthorized', limit: 100 })).length, 0);
      f.clock.advance(61);
      assert.equal((await f.admin('GET', `/tenants/${f.tenant}`)).status, 200);
      const stored = await f.storage.listAudit({ tenant: f.tenant, type: 'admin.unauthorized', limit: 100 });
      assert.equal(stored.length, 1);
      assert.equal(stored[0].data.count, 5);
      f.clock.advance(61);
      await f.admin('GET', `/tenants/${f.tenant}`);
      assert.equal((await f.storage.listAudit({ tenant: f.tenant, type: 'admin.unauthorized', limit: 100 })).length, 1);
    });

    it('admin audit: wrong-token calls for a tenant that does not exist write no row', async () => {
      await open();
      const ghost = `ghost-${randomBytes(4).toString('hex')}`;
      await refused(`/tenants/${ghost}/embed-keys`, 40);
      await f.admin('GET', `/tenants/${f.tenant}/audit`);
      f.clock.advance(61);
      await wrong(`/tenants/${ghost}`);
      await f.admin('GET', `/tenants/${f.tenant}/audit`);
      assert.deepEqual(await f.storage.listAudit({ tenant: ghost, limit: 100 }), []);
      const mine = await f.admin('GET', `/tenants/${f.tenant}/audit?type=admin.unauthorized`);
      assert.deepEqual(mine.body.events, []);
    });

    it('signing keys: a private key given as publicKeyPem is 400 invalid_request, in every form, and nothing is stored', async () => {
      await open();
      const before = (await f.admin('GET', `/tenants/${f.tenant}/signing-keys`)).body.signingKeys.length;
      for (const [label, alg, text] of PRIVATE_PEMS) {
        const r = await f.admin('POST', `/tenants/${f.tenant}/signing-keys`, { alg, publicKeyPem: text });
        assert.equal(r.status, 400, label);
        assert.equal(r.body.error.code, 'invalid_request', label);
        assert.ok(!r.text.includes('PRIVATE KEY-----'), `${label}: the answer does not echo the key`);
      }
      assert.equal((await f.admin('GET', `/tenants/${f.tenant}/signing-keys`)).body.signingKeys.length, before);
    });

    it('signing keys: a certificate, garbage or several blocks as publicKeyPem is 400, never 500', async () => {
      await open();
      assert.doesNotThrow(() => createPublicKey(CERTIFICATE), 'node itself would take the certificate');
      for (const [label, alg, text] of OTHER_BAD_PEMS) {
        const r = await f.admin('POST', `/tenants/${f.tenant}/signing-keys`, { alg, publicKeyPem: text });
        assert.equal(r.status, 400, label);
        assert.equal(r.body.error.code, 'invalid_request', label);
      }
    });

    it('signing keys: public keys (SPKI, and PKCS#1 for RSA) are still registered', async () => {
      await open();
      const good: Array<[string, string]> = [
        ['RS256', pem(rsa.publicKey, 'spki')],
        ['RS256', pem(rsa.publicKey, 'pkcs1')],
        ['ES256', pem(ec.publicKey, 'spki')],
        ['EdDSA', `\n  ${pem(ed.publicKey, 'spki').replace(/\n/g, '\r\n')}  \n`],
      ];
      for (const [alg, text] of good) {
        const r = await f.admin('POST', `/tenants/${f.tenant}/signing-keys`, { alg, publicKeyPem: text });
        assert.equal(r.status, 201, `${alg}: ${r.text}`);
        assert.match(r.body.publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);
      }
    });

    it('invoices: putting an invoice id that belongs to another customer is 409 conflict; the first customer keeps it', async () => {
      await open();
      const path = (ext: string, id: string) => `/tenants/${f.tenant}/customers/${ext}/invoices/${id}`;
      assert.equal((await f.admin('PUT', path('alice', 'in_1'), invoiceBody('A-1'))).status, 200);
      const moved = await f.admin('PUT', path('bob', 'in_1'), { ...invoiceBody('B-1'), status: 'VOID' });
      assert.equal(moved.status, 409);
      assert.equal(moved.body.error.code, 'conflict');
      const alice = await f.admin('GET', `/tenants/${f.tenant}/customers/alice/invoices`);
      assert.deepEqual(alice.body.invoices.map((i: { id: string; number: string; status: string }) => [i.id, i.number, i.status]), [['in_1', 'A-1', 'OPEN']]);
      const bob = await f.admin('GET', `/tenants/${f.tenant}/customers/bob/invoices`);
      assert.deepEqual(bob.body.invoices ?? [], []);
      const updated = await f.admin('PUT', path('alice', 'in_1'), { ...invoiceBody('A-1'), status: 'PAID', amountPaidCents: 4900 });
      assert.equal(updated.status, 200, 'the owner still updates it');
      assert.equal(updated.body.status, 'PAID');
    });

    it('invoices: of 10 concurrent puts of one new invoice id for different customers, one is 200 and nine are 409', async () => {
      await open();
      const id = `in_${randomBytes(4).toString('hex')}`;
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => f.admin('PUT', `/tenants/${f.tenant}/customers/cust-${i}/invoices/${id}`, invoiceBody(`N-${i}`))),
      );
      const statuses = answers.map((a) => a.status).sort();
      assert.deepEqual(statuses, [200, ...Array(9).fill(409)]);
      const winner = answers.findIndex((a) => a.status === 200);
      for (let i = 0; i < 10; i += 1) {
        const list = await f.admin('GET', `/tenants/${f.tenant}/customers/cust-${i}/invoices`);
        const held = (list.body.invoices ?? []).map((inv: { id: string }) => inv.id);
        assert.deepEqual(held, i === winner ? [id] : [], `cust-${i}`);
      }
    });
  });
}

test('adminRateLimit: out of range is refused at construction, naming the option', () => {
  for (const adminRateLimit of [0, -1, 1.5, '30']) {
    assert.throws(
      () => createBridge({ storage: memoryStorage(), mailer: memoryMailer(), issuer: 'https://portal.example.com/aforo', adminToken: ADMIN_TOKEN, adminRateLimit } as never),
      /adminRateLimit must be an integer/,
    );
  }
});

adminHardening('memory', async () => ({ storage: memoryStorage() }));

const dir = join(tmpdir(), `aforo-admin-hardening-${randomBytes(6).toString('hex')}`);
after(() => rm(dir, { recursive: true, force: true }));
let n = 0;
adminHardening('sqlite', async () => ({ storage: sqliteStorage({ path: join(dir, `admin-${n++}.db`) }) }));

const unavailable = await postgresUnavailable();
if (unavailable) {
  test('admin hardening: koa on postgres', (t) => skipOrFail(t, unavailable));
} else {
  // A schema per fixture: the admin limit's counters live in storage, and every fixture calls from 127.0.0.1.
  adminHardening('postgres', async () => {
    const { schema, drop } = await createTestSchema();
    return { storage: postgresStorage({ url: POSTGRES_URL, schema }), drop };
  });
}
