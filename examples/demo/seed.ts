import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { Bridge } from '../../lib/bridge.js';
import { BridgeError } from '../../lib/errors.js';
import type { PutInvoiceBody, PutOfferingBody, PutSubscriptionBody } from '../../lib/admin-schemas.js';

type Admin = Bridge['api']['admin'];

/** What the portal needs from the seed: the embed key, the ACTIVE HS256 key it mints with, the cookie key. */
export interface DemoSecrets {
  embedKey: string;
  kid: string;
  secret: string;
  cookieKey: string;
}

export const TENANT = 'acme';

/** The two fake portal users; their `externalId` is the portal's own user id. */
export const USERS = {
  alice: { externalId: 'user-alice', email: 'alice@example.com', name: 'Alice Anders' },
  bob: { externalId: 'user-bob', email: 'bob@example.com', name: 'Bob Brandt' },
} as const;
export type DemoUser = keyof typeof USERS;

const OFFERINGS = [
  {
    id: 'starter', name: 'Starter', description: 'For side projects and small teams.', status: 'PUBLISHED', position: 1,
    ratePlans: [
      { id: 'starter-monthly', name: 'Monthly', currency: 'USD', amountCents: 900, interval: 'month', features: ['3 projects', 'Email support'] },
      { id: 'starter-yearly', name: 'Yearly', currency: 'USD', amountCents: 9000, interval: 'year', features: ['3 projects', 'Email support', 'Two months free'] },
    ],
  },
  {
    id: 'pro', name: 'Pro', description: 'For growing businesses.', status: 'PUBLISHED', position: 2,
    ratePlans: [
      { id: 'pro-monthly', name: 'Monthly', currency: 'USD', amountCents: 4900, interval: 'month', features: ['Unlimited projects', 'SSO', 'Priority support'] },
      { id: 'pro-yearly', name: 'Yearly', currency: 'USD', amountCents: 47000, interval: 'year', features: ['Unlimited projects', 'SSO', 'Priority support'] },
    ],
  },
  {
    id: 'enterprise', name: 'Enterprise (draft)', description: 'Not published yet: widgets never show it.', status: 'DRAFT',
    ratePlans: [{ id: 'enterprise-yearly', name: 'Yearly', currency: 'USD', amountCents: 990000, interval: 'year', features: ['Dedicated support'] }],
  },
];

const INVOICES: Array<{ user: DemoUser; id: string; body: Record<string, unknown> }> = [
  { user: 'alice', id: 'inv_alice_1', body: { number: 'ACME-1001', status: 'PAID', amountDueCents: 4900, amountPaidCents: 4900, currency: 'USD', issuedAt: '2026-08-01T00:00:00Z', dueAt: '2026-08-15T00:00:00Z' } },
  { user: 'alice', id: 'inv_alice_2', body: { number: 'ACME-1002', status: 'OPEN', amountDueCents: 4900, currency: 'USD', issuedAt: '2026-09-01T00:00:00Z', dueAt: '2026-09-15T00:00:00Z', hostedUrl: 'https://example.com/invoices/ACME-1002' } },
  { user: 'alice', id: 'inv_alice_3', body: { number: 'ACME-1003', status: 'OVERDUE', amountDueCents: 4900, currency: 'USD', issuedAt: '2026-07-01T00:00:00Z', dueAt: '2026-07-15T00:00:00Z' } },
  { user: 'bob', id: 'inv_bob_1', body: { number: 'ACME-2001', status: 'PAID', amountDueCents: 900, amountPaidCents: 900, currency: 'USD', issuedAt: '2026-08-03T00:00:00Z', dueAt: '2026-08-17T00:00:00Z' } },
  { user: 'bob', id: 'inv_bob_2', body: { number: 'ACME-2002', status: 'VOID', amountDueCents: 900, currency: 'USD', issuedAt: '2026-09-03T00:00:00Z', dueAt: null } },
];

/** Alice renews next month; Bob has canceled at period end and may resume. Periods run from this month's first day. */
const SUBSCRIPTIONS: Array<{ user: DemoUser; id: string; body: Omit<PutSubscriptionBody, 'currentPeriodStart' | 'currentPeriodEnd'> }> = [
  { user: 'alice', id: 'sub_alice_starter', body: { offeringId: 'starter', ratePlanId: 'starter-monthly', status: 'ACTIVE' } },
  { user: 'bob', id: 'sub_bob_pro', body: { offeringId: 'pro', ratePlanId: 'pro-monthly', status: 'ACTIVE', cancelAtPeriodEnd: true } },
];

/** Each user's subscription, whose usage the account page's meter shows. */
export const SUBSCRIPTION_OF: Record<DemoUser, string> = { alice: 'sub_alice_starter', bob: 'sub_bob_pro' };

/** Metered use in the subscription's current period: Alice is past her included API calls, Bob well within his. */
const USAGE: Array<{ user: DemoUser; feature: string; body: { used: number; included: number | null; overageCents?: number } }> = [
  { user: 'alice', feature: 'api-calls', body: { used: 12_400, included: 10_000, overageCents: 1200 } },
  { user: 'alice', feature: 'seats', body: { used: 2, included: 3 } },
  { user: 'bob', feature: 'api-calls', body: { used: 31_000, included: 100_000 } },
  { user: 'bob', feature: 'storage-gb', body: { used: 18, included: null } },
];

async function seedSubscriptions(admin: Admin): Promise<void> {
  const now = new Date();
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
  for (const { user, id, body } of SUBSCRIPTIONS) {
    const { subscriptions } = await admin.listCustomerSubscriptions(TENANT, USERS[user].externalId);
    // Put once: what a visitor changed in the widget (a cancel, a plan change) survives a restart of the demo.
    if (!subscriptions.some((s) => s.id === id)) await admin.putSubscription(TENANT, USERS[user].externalId, id, { ...body, currentPeriodStart: start, currentPeriodEnd: end });
  }
  for (const { user, feature, body } of USAGE) {
    await admin.putUsage(TENANT, USERS[user].externalId, SUBSCRIPTION_OF[user], feature, body);
  }
}

async function readSecrets(path: string): Promise<Partial<DemoSecrets>> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Partial<DemoSecrets>;
  } catch {
    return {};
  }
}

async function ensureTenant(admin: Admin): Promise<boolean> {
  try {
    await admin.getTenant(TENANT);
    return false;
  } catch (error) {
    if (!(error instanceof BridgeError) || error.code !== 'not_found') throw error;
  }
  await admin.createTenant({
    slug: TENANT, name: 'Acme Cloud',
    branding: { logoUrl: 'https://placehold.co/96x96/png?text=Acme', primaryColor: '#4f46e5' },
    magicLink: { from: 'billing@acme.example' },
  });
  return true;
}

async function ensureEmbedKey(admin: Admin, origins: string[]): Promise<string> {
  const { embedKeys } = await admin.listEmbedKeys(TENANT);
  const active = embedKeys.find((key) => key.status === 'ACTIVE');
  if (!active) return String((await admin.createEmbedKey(TENANT, { allowedOrigins: origins })).id);
  const allowed = active.allowedOrigins as string[];
  // The demo may start on another port (PORT=…): its origin joins the allowlist.
  const missing = origins.filter((origin) => !allowed.includes(origin));
  if (missing.length > 0) await admin.updateEmbedKey(TENANT, String(active.id), { allowedOrigins: [...allowed, ...missing] });
  return String(active.id);
}

async function ensureSigningKey(admin: Admin, saved: Partial<DemoSecrets>): Promise<{ kid: string; secret: string }> {
  const { signingKeys } = await admin.listSigningKeys(TENANT);
  const known = signingKeys.find((key) => key.kid === saved.kid);
  if (saved.kid && saved.secret && known && known.status === 'ACTIVE') return { kid: saved.kid, secret: saved.secret };
  const minted = await admin.createSigningKey(TENANT, { alg: 'HS256' });
  await admin.promoteSigningKey(TENANT, String(minted.kid));
  return { kid: String(minted.kid), secret: String(minted.secret) };
}

/**
 * Creates the demo's data on first start and reuses it afterwards: tenant, embed key, an ACTIVE HS256 key, three
 * offerings (one DRAFT), two customers with invoices and a subscription each. The HS256 secret lives in a side file next to the database,
 * as a tenant's backend would keep it in its own configuration.
 */
export async function seedDemo(admin: Admin, secretsPath: string, origins: string[]): Promise<DemoSecrets & { created: boolean }> {
  const created = await ensureTenant(admin);
  const saved = await readSecrets(secretsPath);
  const embedKey = await ensureEmbedKey(admin, origins);
  const { kid, secret } = await ensureSigningKey(admin, saved);
  const { offerings } = await admin.listOfferings(TENANT);
  for (const { id, ...offering } of OFFERINGS) {
    if (!offerings.some((o) => o.id === id)) await admin.putOffering(TENANT, id, offering as PutOfferingBody);
  }
  for (const user of Object.values(USERS)) await admin.putCustomer(TENANT, user.externalId, { email: user.email, name: user.name });
  for (const invoice of INVOICES) await admin.putInvoice(TENANT, USERS[invoice.user].externalId, invoice.id, invoice.body as PutInvoiceBody);
  await seedSubscriptions(admin);
  const secrets: DemoSecrets = { embedKey, kid, secret, cookieKey: saved.cookieKey ?? randomBytes(32).toString('base64url') };
  await writeFile(secretsPath, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return { ...secrets, created };
}
