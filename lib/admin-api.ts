import type { Caller } from './audit.js';
import { randomId } from './crypto.js';
import type { Engine } from './engine.js';
import { BridgeError } from './errors.js';
import { normaliseAllowedOrigin } from './origin.js';
import { publicCustomer, type PublicCustomer } from './sessions.js';
import { checkPublicKey, mintKey, publicSigningKey, registeredKey } from './signing-keys.js';
import type { EmbedKey, Invoice, Offering, RatePlan, SigningAlg, Tenant } from './types.js';
import type { Static } from '@sinclair/typebox';
import {
  AdminInvoiceAnswer as AdminInvoiceSchema, AuditPageAnswer as AuditPageSchema, EmbedKeyAnswer as EmbedKeySchema,
  OfferingAdminAnswer as OfferingSchema, SigningKeyAnswer as SigningKeySchema, TenantAnswer as TenantSchema,
  AuditQuery, CreateEmbedKeyBody, CreateSigningKeyBody, CreateTenantBody, CustomerInvoicesQuery, CustomersQuery,
  PutCustomerBody, PutInvoiceBody, PutOfferingBody, RevokeSigningKeyBody, UpdateEmbedKeyBody,
} from './admin-schemas.js';
import { canonicalEmail, invalid, isCleanString, isEmail, parseDateTime, readCursor, readLimit, SLUG, validate } from './validate.js';
import { INVOICE_STATUSES } from './embed-api.js';

type TenantAnswer = Static<typeof TenantSchema>;
type EmbedKeyAnswer = Static<typeof EmbedKeySchema>;
type SigningKeyAnswer = Static<typeof SigningKeySchema>;
type OfferingAdminAnswer = Static<typeof OfferingSchema>;
type AdminInvoiceAnswer = Static<typeof AdminInvoiceSchema>;
type AuditPageAnswer = Static<typeof AuditPageSchema>;

/**
 * Admin verbs (SPEC section 8). Inputs are untrusted JSON-shaped values, in process as over HTTP: every verb
 * validates its body and query by their schema in admin-schemas.ts, and its path values by `param`.
 */

/** A path value (id, kid, externalId): a well-formed string of 1 to `max` characters. */
function param(value: unknown, name: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || !isCleanString(value)) {
    throw invalid(`${name} must be 1-${max} characters of well-formed text`);
  }
  return value;
}

async function tenantOf(engine: Engine, slug: unknown): Promise<Tenant> {
  const tenant = typeof slug === 'string' && SLUG.test(slug) ? await engine.storage.getTenant(slug) : null;
  if (!tenant) throw new BridgeError('not_found', 'no tenant with that slug');
  return tenant;
}

export function publicTenant(tenant: Tenant): TenantAnswer {
  return { slug: tenant.slug, name: tenant.name, branding: tenant.branding, magicLink: tenant.magicLink, createdAt: tenant.createdAt.toISOString() };
}

export async function createTenant(engine: Engine, input: CreateTenantBody): Promise<TenantAnswer> {
  const { slug, name, branding = {}, magicLink = {} } = validate(CreateTenantBody, input, 'body');
  const { logoUrl, primaryColor } = branding;
  const { from, allowSignup } = magicLink;
  if (from !== undefined && !isEmail(from)) throw invalid('magicLink.from must be an email address');
  const tenant: Tenant = {
    slug,
    name,
    branding: { ...(logoUrl ? { logoUrl } : {}), ...(primaryColor ? { primaryColor } : {}) },
    magicLink: { ...(from ? { from } : {}), ...(allowSignup !== undefined ? { allowSignup } : {}) },
    createdAt: engine.now(),
  };
  if (!(await engine.storage.createTenant(tenant))) throw new BridgeError('conflict', 'a tenant with that slug exists');
  return publicTenant(tenant);
}

export async function getTenant(engine: Engine, slug: string): Promise<TenantAnswer> {
  return publicTenant(await tenantOf(engine, slug));
}

/** Every tenant, by slug. */
export async function listTenants(engine: Engine): Promise<{ tenants: TenantAnswer[] }> {
  const tenants = await engine.storage.listTenants();
  return { tenants: tenants.map(publicTenant).sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0)) };
}

// ICU's list of ISO 4217 codes in use (Intl), so `XYZ` or `ABC` is refused however it is spelt.
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

function currencyOf(value: string, field: string): string {
  const code = value.toUpperCase();
  if (!CURRENCIES.has(code)) throw invalid(`${field}: ${JSON.stringify(value)} is not an ISO 4217 currency code (e.g. USD, EUR)`);
  return code;
}

function readOrigins(list: string[]): string[] {
  const origins = list.map((entry) => {
    const origin = normaliseAllowedOrigin(entry);
    if (!origin) {
      throw invalid(`allowedOrigins: ${JSON.stringify(entry).slice(0, 100)} is not an origin (scheme://host[:port], https unless localhost)`);
    }
    return origin;
  });
  return [...new Set(origins)];
}

export function publicEmbedKey(key: EmbedKey): EmbedKeyAnswer {
  return { id: key.id, key: key.id, mode: key.mode, allowedOrigins: key.allowedOrigins, status: key.status, createdAt: key.createdAt.toISOString() };
}

export async function createEmbedKey(engine: Engine, slug: string, input: CreateEmbedKeyBody, caller: Caller = {}): Promise<EmbedKeyAnswer> {
  const tenant = await tenantOf(engine, slug);
  const body = validate(CreateEmbedKeyBody, input, 'body');
  const allowedOrigins = readOrigins(body.allowedOrigins);
  const mode = body.mode ?? 'live';
  const key: EmbedKey = { id: randomId(`ek_${mode}_`), tenant: tenant.slug, mode, allowedOrigins, status: 'ACTIVE', createdAt: engine.now() };
  await engine.storage.createEmbedKey(key);
  await engine.audit.record('embed_key.created', tenant.slug, key.createdAt, caller, { embedKey: key.id, allowedOrigins });
  return publicEmbedKey(key);
}

export async function listEmbedKeys(engine: Engine, slug: string): Promise<{ embedKeys: EmbedKeyAnswer[] }> {
  const tenant = await tenantOf(engine, slug);
  return { embedKeys: (await engine.storage.listEmbedKeys(tenant.slug)).map(publicEmbedKey) };
}

export async function updateEmbedKey(engine: Engine, slug: string, id: string, input: UpdateEmbedKeyBody, caller: Caller = {}): Promise<EmbedKeyAnswer> {
  const tenant = await tenantOf(engine, slug);
  const allowedOrigins = readOrigins(validate(UpdateEmbedKeyBody, input, 'body').allowedOrigins);
  const key = await engine.storage.updateEmbedKey(tenant.slug, param(id, 'id', 128), { allowedOrigins });
  engine.reads.forget(`embedKey:${id}`);
  if (!key) throw new BridgeError('not_found', 'no embed key with that id');
  await engine.audit.record('embed_key.updated', tenant.slug, engine.now(), caller, { embedKey: id, allowedOrigins });
  return publicEmbedKey(key);
}

export async function revokeEmbedKey(engine: Engine, slug: string, id: string, caller: Caller = {}): Promise<EmbedKeyAnswer> {
  const tenant = await tenantOf(engine, slug);
  const key = await engine.storage.updateEmbedKey(tenant.slug, param(id, 'id', 128), { status: 'REVOKED' });
  engine.reads.forget(`embedKey:${id}`);
  if (!key) throw new BridgeError('not_found', 'no embed key with that id');
  await engine.audit.record('embed_key.revoked', tenant.slug, engine.now(), caller, { embedKey: id });
  return publicEmbedKey(key);
}

export async function createSigningKey(engine: Engine, slug: string, input: CreateSigningKeyBody, caller: Caller = {}): Promise<SigningKeyAnswer> {
  const tenant = await tenantOf(engine, slug);
  const body = validate(CreateSigningKeyBody, input, 'body');
  const alg: SigningAlg = body.alg;
  const now = engine.now();
  if (body.publicKeyPem !== undefined) {
    const pem = checkPublicKey(alg, body.publicKeyPem);
    const key = registeredKey(tenant.slug, alg, pem, now);
    await engine.storage.createSigningKey(key);
    await engine.audit.record('signing_key.registered', tenant.slug, now, caller, { kid: key.kid, alg });
    return { kid: key.kid, alg, status: key.status, publicKeyPem: pem, createdAt: now.toISOString() };
  }
  const minted = await mintKey(tenant.slug, alg, engine.sealer, now);
  await engine.storage.createSigningKey(minted.key);
  await engine.audit.record('signing_key.minted', tenant.slug, now, caller, { kid: minted.key.kid, alg });
  return {
    kid: minted.key.kid,
    alg,
    status: minted.key.status,
    ...(minted.secret ? { secret: minted.secret } : {}),
    ...(minted.privateKeyPem ? { privateKeyPem: minted.privateKeyPem, publicKeyPem: minted.publicKeyPem } : {}),
    createdAt: now.toISOString(),
  };
}

export async function listSigningKeys(engine: Engine, slug: string): Promise<{ signingKeys: SigningKeyAnswer[] }> {
  const tenant = await tenantOf(engine, slug);
  return { signingKeys: (await engine.storage.listSigningKeys(tenant.slug)).map(publicSigningKey) };
}

export async function promoteSigningKey(engine: Engine, slug: string, kid: string, caller: Caller = {}): Promise<SigningKeyAnswer> {
  const tenant = await tenantOf(engine, slug);
  const now = engine.now();
  const result = await engine.storage.promoteSigningKey(tenant.slug, param(kid, 'kid', 128), now);
  engine.reads.forget(`signingKeysOf:${tenant.slug}`);
  if (result === 'not_found') throw new BridgeError('not_found', 'no signing key with that kid');
  if (result === 'not_next') throw new BridgeError('conflict', 'only a NEXT key can be promoted');
  await engine.audit.record('signing_key.promoted', tenant.slug, now, caller, { kid });
  return publicSigningKey(result);
}

export async function revokeSigningKey(engine: Engine, slug: string, kid: string, input?: RevokeSigningKeyBody, caller: Caller = {}): Promise<SigningKeyAnswer> {
  const tenant = await tenantOf(engine, slug);
  const body = validate(RevokeSigningKeyBody, input ?? {}, 'body');
  const force = body.force ?? false;
  const endSessions = body.endSessions ?? false;
  const now = engine.now();
  param(kid, 'kid', 128);
  const result = await engine.storage.revokeSigningKey(tenant.slug, kid, { force, now });
  engine.reads.forget(`signingKey:${tenant.slug} ${kid}`);
  if (result === 'not_found') throw new BridgeError('not_found', 'no signing key with that kid');
  if (result === 'last_key') throw new BridgeError('conflict', 'this is the last key that verifies; pass force: true to revoke it anyway');
  const sessionsEnded = endSessions ? await engine.storage.revokeSessionsBySigningKey(tenant.slug, kid, now) : 0;
  if (endSessions) engine.reads.forget(`signingKeySessions:${tenant.slug} ${kid}`);
  await engine.audit.record('signing_key.revoked', tenant.slug, now, caller, { kid, force, sessionsEnded });
  if (sessionsEnded > 0) await engine.audit.record('session.revoked', tenant.slug, now, caller, { kid, reason: 'key_revoked', count: sessionsEnded });
  return { ...publicSigningKey(result), sessionsEnded };
}

export function publicOffering(o: Offering): OfferingAdminAnswer {
  return { id: o.id, name: o.name, description: o.description, status: o.status, ratePlans: o.ratePlans, position: o.position, updatedAt: o.updatedAt.toISOString() };
}

export async function putOffering(engine: Engine, slug: string, id: string, input: PutOfferingBody): Promise<OfferingAdminAnswer> {
  const tenant = await tenantOf(engine, slug);
  const body = validate(PutOfferingBody, input, 'body');
  const ratePlans: RatePlan[] = (body.ratePlans ?? []).map((plan, i) => ({ ...plan, currency: currencyOf(plan.currency, `ratePlans[${i}].currency`), features: plan.features ?? [] }));
  // Checkout and plan changes name a plan by its id: two plans of one id would leave which one is meant to chance.
  const seen = new Set<string>();
  for (const [i, plan] of ratePlans.entries()) {
    if (seen.has(plan.id)) throw invalid(`ratePlans[${i}].id repeats the id of an earlier plan`);
    seen.add(plan.id);
  }
  const offering: Offering = {
    id: param(id, 'offering id', 100),
    tenant: tenant.slug,
    name: body.name,
    description: body.description ?? '',
    status: body.status,
    ratePlans,
    position: body.position ?? 0,
    updatedAt: engine.now(),
  };
  return publicOffering(await engine.storage.putOffering(offering));
}

export async function listOfferings(engine: Engine, slug: string): Promise<{ offerings: OfferingAdminAnswer[] }> {
  const tenant = await tenantOf(engine, slug);
  return { offerings: (await engine.storage.listOfferings(tenant.slug, {})).map(publicOffering) };
}


export async function putCustomer(engine: Engine, slug: string, externalId: string, input: PutCustomerBody = {}): Promise<PublicCustomer> {
  const tenant = await tenantOf(engine, slug);
  param(externalId, 'externalId', 255);
  const { email: given, name } = validate(PutCustomerBody, input ?? {}, 'body');
  const email = typeof given === 'string' ? canonicalEmail(given) : given;
  if (email === null && given !== null) throw invalid('email is malformed');
  const result = await engine.storage.upsertCustomer(
    { tenant: tenant.slug, externalId, newId: randomId('cus_'), email, name, now: engine.now() },
    'fail',
  );
  if (result === 'email_taken') throw new BridgeError('conflict', 'another customer of this tenant has that email');
  if (!result.created) engine.reads.forget(`customer:${tenant.slug} ${result.customer.id}`);
  return publicCustomer(result.customer);
}

export async function listCustomers(engine: Engine, slug: string, email?: string): Promise<{ customers: PublicCustomer[] }> {
  const tenant = await tenantOf(engine, slug);
  validate(CustomersQuery, email === undefined ? {} : { email }, 'query');
  const customers = await engine.storage.listCustomers(tenant.slug, email ? { email } : {});
  return { customers: customers.map(publicCustomer) };
}

export async function putInvoice(engine: Engine, slug: string, externalId: string, id: string, input: PutInvoiceBody): Promise<AdminInvoiceAnswer> {
  const tenant = await tenantOf(engine, slug);
  param(externalId, 'externalId', 255);
  param(id, 'invoice id', 100);
  const body = validate(PutInvoiceBody, input, 'body');
  const invoiceFields = {
    number: body.number,
    status: body.status,
    amountDueCents: body.amountDueCents,
    amountPaidCents: body.amountPaidCents ?? 0,
    currency: currencyOf(body.currency, 'currency'),
    issuedAt: parseDateTime(body.issuedAt, 'issuedAt'),
    dueAt: body.dueAt ? parseDateTime(body.dueAt, 'dueAt') : null,
    pdfUrl: body.pdfUrl ?? null,
    hostedUrl: body.hostedUrl ?? null,
  };
  const now = engine.now();
  const upserted = await engine.storage.upsertCustomer({ tenant: tenant.slug, externalId, newId: randomId('cus_'), now }, 'keep');
  if (upserted === 'email_taken') throw new BridgeError('internal', 'unexpected email conflict');
  const invoice: Invoice = { id, tenant: tenant.slug, customerId: upserted.customer.id, ...invoiceFields };
  const stored = await engine.storage.putInvoice(invoice);
  if (stored === 'other_customer') throw new BridgeError('conflict', 'this invoice id belongs to another customer');
  return {
    id: stored.id, customerId: stored.customerId, externalId, number: stored.number, status: stored.status,
    amountDueCents: stored.amountDueCents, amountPaidCents: stored.amountPaidCents, currency: stored.currency,
    issuedAt: stored.issuedAt.toISOString(), dueAt: stored.dueAt?.toISOString() ?? null,
    pdfUrl: stored.pdfUrl, hostedUrl: stored.hostedUrl,
  };
}

export async function listAudit(
  engine: Engine,
  slug: unknown,
  input: { type?: string; since?: string; limit?: string; cursor?: string },
): Promise<AuditPageAnswer> {
  const tenant = await tenantOf(engine, slug);
  const query = validate(AuditQuery, input ?? {}, 'query');
  const limit = readLimit(query.limit, 50, 500);
  let since: Date | undefined;
  if (query.since !== undefined) {
    since = parseDateTime(query.since, 'since');
  }
  let before: { at: Date; id: string } | undefined;
  if (query.cursor !== undefined) before = readCursor(query.cursor, (position) => position);
  const rows = await engine.storage.listAudit({
    tenant: tenant.slug, limit: limit + 1,
    ...(query.type ? { type: query.type } : {}), ...(since ? { since } : {}), ...(before ? { before } : {}),
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    events: page.map((e) => ({ id: e.id, type: e.type, at: e.at.toISOString(), ip: e.ip, userAgent: e.userAgent, ...e.data })),
    nextCursor: rows.length > limit && last ? Buffer.from(JSON.stringify([last.at.getTime(), last.id])).toString('base64url') : null,
  };
}

export async function listCustomerInvoices(
  engine: Engine,
  slug: unknown,
  externalId: string,
  input: { status?: string; limit?: string },
): Promise<{ invoices: AdminInvoiceAnswer[] }> {
  const tenant = await tenantOf(engine, slug);
  param(externalId, 'externalId', 255);
  const query = validate(CustomerInvoicesQuery, input ?? {}, 'query');
  const customer = await engine.storage.getCustomerByExternalId(tenant.slug, externalId);
  if (!customer) throw new BridgeError('not_found', 'no customer with that external id');
  const status = query.status ? query.status.toUpperCase() : undefined;
  if (status !== undefined && !(INVOICE_STATUSES as readonly string[]).includes(status)) {
    throw invalid(`status must be one of ${INVOICE_STATUSES.join(', ')}`);
  }
  const limit = readLimit(query.limit, 100, 500);
  const rows = await engine.storage.listInvoices({
    tenant: tenant.slug, customerId: customer.id, limit, ...(status ? { status: status as Invoice['status'] } : {}),
  });
  return {
    invoices: rows.map((i) => ({
      id: i.id, customerId: i.customerId, externalId, number: i.number, status: i.status,
      amountDueCents: i.amountDueCents, amountPaidCents: i.amountPaidCents, currency: i.currency,
      issuedAt: i.issuedAt.toISOString(), dueAt: i.dueAt?.toISOString() ?? null, pdfUrl: i.pdfUrl, hostedUrl: i.hostedUrl,
    })),
  };
}
