// Clock, ids and record builders shared by the conformance sections.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Storage } from '../../lib/storage.js';
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
} from '../../lib/types.js';

export type It = (name: string, fn: () => Promise<void>) => unknown;
export type Section = (it: It, s: () => Storage) => void;

// Fixed, minute- and hour-aligned clock; tests move it by offsets and never sleep.
const BASE = Date.parse('2026-01-01T00:00:00.000Z');
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const at = (offsetMs = 0): Date => new Date(BASE + offsetMs);

// Random ids keep tests independent on a shared database. Lower-case hex after a fixed prefix sorts the same
// under any SQL collation, so ordering assertions hold on every backend.
export const unique = (prefix: string): string => `${prefix}${randomBytes(6).toString('hex')}`;
export const tokenHash = (): string => randomBytes(32).toString('hex');
export const times = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

export function tenantRecord(slug: string, name = 'Acme'): Tenant {
  return {
    slug,
    name,
    branding: { logoUrl: 'https://cdn.acme.example/logo.png', primaryColor: '#112233' },
    magicLink: { from: 'login@acme.example', allowSignup: false },
    createdAt: at(123),
  };
}

export async function addTenant(s: Storage): Promise<string> {
  const slug = unique('t-');
  assert.equal(await s.createTenant(tenantRecord(slug)), true);
  return slug;
}

export async function addEmbedKey(s: Storage, tenant: string, patch: Partial<EmbedKey> = {}): Promise<EmbedKey> {
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

export async function addSigningKey(
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

export async function addCustomer(
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
export async function addWorld(s: Storage) {
  const tenant = await addTenant(s);
  const embedKey = await addEmbedKey(s, tenant);
  const customer = await addCustomer(s, tenant);
  const signingKey = await addSigningKey(s, tenant, 'ACTIVE');
  return { tenant, embedKey, customer, signingKey };
}

export function sessionRecord(world: Awaited<ReturnType<typeof addWorld>>, patch: Partial<Session> = {}): Session {
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

/** The jti reservation of one bridge exchange with the world's signing key: a fresh jti, kept five minutes. */
export function jtiRecord(world: Awaited<ReturnType<typeof addWorld>>, patch: Partial<Parameters<Storage['reserveJti']>[0]> = {}) {
  return { tenant: world.tenant, kid: world.signingKey.kid, jti: unique('jti-'), expiresAt: at(5 * MINUTE), now: at(0), ...patch };
}

/**
 * Copies of `count` fresh jtis of the world's key sent to startSession in four turns of the event loop, forward and
 * reversed in turn: replays that reach a SQL storage as batches running side by side. Resolves to every answer.
 */
export async function startSessionsInTurns(s: Storage, world: Awaited<ReturnType<typeof addWorld>>, count: number) {
  const jtis = times(count, () => unique('jti-'));
  const calls: Array<Promise<boolean | 'key_revoked'>> = [];
  for (let turn = 0; turn < 4; turn += 1) {
    for (const jti of turn % 2 === 0 ? jtis : [...jtis].reverse()) {
      calls.push(s.startSession!({
        jti: jtiRecord(world, { jti }),
        session: sessionRecord(world),
        audit: auditRecord(world.tenant),
      }));
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return Promise.all(calls);
}

export function magicLinkRecord(
  tenant: string,
  embedKeyId: string,
  patch: Partial<MagicLinkToken> = {},
): MagicLinkToken {
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

export function invoiceRecord(tenant: string, customerId: string, patch: Partial<Invoice> = {}): Invoice {
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

export function auditRecord(tenant: string, patch: Partial<AuditEvent> = {}): AuditEvent {
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

export function offeringRecord(tenant: string, patch: Partial<Offering> = {}): Offering {
  return {
    id: unique('off_'),
    tenant,
    name: 'Pro',
    description: 'For growing teams',
    status: 'PUBLISHED',
    ratePlans: [
      { id: 'rp_month', name: 'Monthly', currency: 'EUR', amountCents: 4900, interval: 'month', features: ['SSO'] },
    ],
    position: 0,
    updatedAt: at(0),
    ...patch,
  };
}

export function engineKeyRecord(): EngineKey {
  return {
    kid: unique('ek-'),
    alg: 'EdDSA',
    sealedPrivateKey: `plain:${randomBytes(16).toString('hex')}`,
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: randomBytes(32).toString('base64url') },
    createdAt: at(789),
  };
}

export function customerOf(result: Awaited<ReturnType<Storage['upsertCustomer']>>) {
  if (result === 'email_taken') assert.fail('expected a customer, got email_taken');
  return result;
}

export const ids = (records: { id: string }[]): string[] => records.map((record) => record.id);
