import type { Caller } from './audit.js';
import { verifyBridgeToken, type VerifiedBridgeToken } from './bridge-token.js';
import { randomId } from './crypto.js';
import type { Engine } from './engine.js';
import { BridgeError } from './errors.js';
import { createSession, endSession, publicCustomer, refreshSession, startSessionWithJti, verifySession } from './sessions.js';
import type { ActiveSession, PublicCustomer, SessionAnswer } from './sessions.js';
import type { ConfigAnswer, InvoicesAnswer, PublicInvoice } from './schemas.js';
import type { EmbedKey, Invoice, InvoiceStatus, Tenant } from './types.js';

export type { ConfigAnswer, PublicInvoice };
import { isCleanString, readCursor, readLimit, SLUG } from './validate.js';

/**
 * Who is calling a widget endpoint. `origin` is the normalised browser origin: `null` when missing or malformed
 * (always refused), `undefined` for trusted in-process calls from the tenant's own server (not checked).
 */
export interface EmbedCall extends Caller {
  tenant: string;
  embedKey: string;
  origin?: string | null;
}

/** A resolved widget call: the tenant slug and its active embed key. */
export interface EmbedScope {
  slug: string;
  key: EmbedKey;
}

/** An embed scope with the tenant record, for the calls that show or use tenant settings. */
export interface TenantScope extends EmbedScope {
  tenant: Tenant;
}

export const INVOICE_STATUSES: readonly InvoiceStatus[] = ['DRAFT', 'OPEN', 'PAID', 'VOID', 'OVERDUE'];

/**
 * Resolves the embed key of a widget call and checks the origin against its allowlist. The tenant record is not
 * read: an active key of tenant `slug` is proof enough on the hot paths (exchange, session calls).
 */
export async function resolveEmbed(engine: Engine, call: EmbedCall): Promise<EmbedScope> {
  checkCaller(call);
  const { tenant: slug, embedKey } = call;
  if (typeof slug !== 'string' || !SLUG.test(slug) || typeof embedKey !== 'string' || embedKey.length > 128 || !isCleanString(embedKey)) {
    throw new BridgeError('embed_key_invalid', 'a valid tenant and embed key are required');
  }
  const key = await engine.reads.getEmbedKey(embedKey);
  if (!key || key.tenant !== slug || key.status !== 'ACTIVE') {
    throw new BridgeError('embed_key_invalid', 'the embed key is unknown, revoked or belongs to another tenant');
  }
  if (call.origin !== undefined && (call.origin === null || !key.allowedOrigins.includes(call.origin))) {
    throw new BridgeError('origin_not_allowed', 'this origin is not on the embed key allowlist');
  }
  return { slug, key };
}

/** `resolveEmbed` plus the tenant record. */
export async function resolveTenant(engine: Engine, call: EmbedCall): Promise<TenantScope> {
  const scope = await resolveEmbed(engine, call);
  const tenant = await engine.reads.getTenant(scope.slug);
  if (!tenant) throw new BridgeError('embed_key_invalid', 'the embed key is unknown, revoked or belongs to another tenant');
  return { ...scope, tenant };
}

/**
 * The caller's IP and user agent become rate-limit keys and audit columns. Over HTTP the edge has refused a NUL or
 * malformed text in them already; an in-process caller is held to the same rule here, before anything is written.
 */
function checkCaller({ ip, userAgent }: Caller): void {
  for (const [name, value] of [['ip', ip], ['userAgent', userAgent]] as const) {
    if (value !== undefined && value !== null && (typeof value !== 'string' || !isCleanString(value))) {
      throw new BridgeError('invalid_request', `the caller's ${name} must be well-formed text without NUL`);
    }
  }
}

/** Per client IP across the token-exchanging endpoints (SPEC section 5); in-process calls may carry no IP. */
export async function limitByIp(engine: Engine, call: Caller): Promise<void> {
  checkCaller(call);
  const { ip } = call;
  if (!ip) return;
  const now = engine.now();
  const hit = await engine.ipLimit.hit(`ip:${ip}`, 60_000, engine.config.ipRateLimit, now);
  if (hit.count > engine.config.ipRateLimit) {
    const retryAfter = Math.max(1, Math.ceil((hit.resetAt.getTime() - now.getTime()) / 1000));
    throw new BridgeError('rate_limited', 'too many requests; try again later', { retryAfter });
  }
}

export async function getConfig(engine: Engine, call: EmbedCall): Promise<ConfigAnswer> {
  const { tenant } = await resolveTenant(engine, call);
  const offerings = await engine.storage.listOfferings(tenant.slug, { status: 'PUBLISHED' });
  return {
    tenant: { slug: tenant.slug, name: tenant.name, branding: tenant.branding },
    offerings: offerings
      .filter((o) => o.status === 'PUBLISHED')
      .map((o) => ({ id: o.id, name: o.name, description: o.description, status: o.status, ratePlans: o.ratePlans })),
  };
}

/** Verifies a bridge token of `tenant` as the exchange does, with the engine's leeway and lifetime limits. */
export function verifyTenantBridgeToken(engine: Engine, tenant: string, token: unknown, now: Date): Promise<VerifiedBridgeToken> {
  const { bridgeLeeway: leeway, bridgeMaxLifetime: maxLifetime } = engine.config;
  return verifyBridgeToken({ tenant, token, now, leeway, maxLifetime }, engine.reads, engine.material);
}

/**
 * Until when a spent jti is kept: until its token can no longer verify. jose compares whole seconds
 * (floor(now) < exp + leeway), so a token with a fractional `exp` verifies up to the whole second after
 * exp + leeway; a jti kept only until exp + leeway itself would be free again for that last fraction of a second,
 * and every replay in it would be a new session. For a whole-second `exp` this is one second past exp + leeway.
 */
export function jtiKeptUntil(exp: number, leeway: number): Date {
  return new Date((Math.floor(exp + leeway) + 1) * 1000);
}

/**
 * The one-time jti step; `bridge_token_replayed` when the (kid, jti) is already remembered. `spend` remembers it
 * until `jtiKeptUntil` (the exchange). `ask` (Embed Studio's token checker) spends nothing: it offers the storage a
 * row that expired a millisecond before `now`, which reserveJti may overwrite by its contract, so a later exchange
 * still takes the jti; a jti held live makes it answer false exactly as for the exchange. Racing an exchange, the
 * checker either sees the exchange's live row (replayed) or leaves an expired one the exchange overwrites.
 */
export async function claimJti(engine: Engine, tenant: string, token: VerifiedBridgeToken, now: Date, how: 'spend' | 'ask'): Promise<void> {
  const expiresAt = how === 'spend' ? jtiKeptUntil(token.exp, engine.config.bridgeLeeway) : new Date(now.getTime() - 1);
  // One-time per (kid, jti): the storage's first-writer-wins insert decides between concurrent replays.
  const fresh = await engine.storage.reserveJti({ tenant, kid: token.key.kid, jti: token.jti, expiresAt, now });
  if (!fresh) throw new BridgeError('bridge_token_replayed', 'this bridge token was already exchanged');
}

export async function exchangeBridgeToken(engine: Engine, call: EmbedCall & { bridgeToken: unknown }): Promise<SessionAnswer> {
  // A body field of the wrong type is the request's fault, not the token's (SPEC section 5); a missing token is
  // a missing credential, refused as the token.
  if (call.bridgeToken !== undefined && typeof call.bridgeToken !== 'string') throw new BridgeError('invalid_request', 'bridgeToken must be a string');
  await limitByIp(engine, call);
  const { slug: tenant, key } = await resolveEmbed(engine, call);
  const now = engine.now();
  let kid: string | null = null;
  try {
    const token = await verifyTenantBridgeToken(engine, tenant, call.bridgeToken, now);
    kid = token.key.kid;
    const scope = { tenant, embedKey: key.id, method: 'bridge' as const, signingKid: kid };
    // A returning customer whose record the token leaves as it is (the common exchange): one storage write.
    if (engine.storage.startSession) {
      const known = await engine.reads.getCustomerByExternalId(tenant, token.externalId);
      if (known && (token.email === undefined || known.email === token.email) && (token.name === undefined || known.name === token.name)) {
        const expiresAt = jtiKeptUntil(token.exp, engine.config.bridgeLeeway);
        const answer = await startSessionWithJti(engine, { ...scope, customer: known, jti: { jti: token.jti, expiresAt } }, call);
        if (!answer) throw new BridgeError('bridge_token_replayed', 'this bridge token was already exchanged');
        return answer;
      }
    }
    await claimJti(engine, tenant, token, now, 'spend');
    const upserted = await engine.storage.upsertCustomer(
      { tenant, externalId: token.externalId, newId: randomId('cus_'), email: token.email, name: token.name, now },
      'keep',
    );
    if (upserted === 'email_taken') throw new BridgeError('internal', 'unexpected email conflict');
    return await createSession(engine, { ...scope, customer: upserted.customer }, call);
  } catch (error) {
    if (error instanceof BridgeError && error.status < 500) {
      await engine.audit.record('bridge.refused', tenant, now, call, { code: error.code, kid, embedKey: key.id });
    }
    throw error;
  }
}

/** The embed scope and the verified session of a session-bearing widget call. */
export async function sessionFor(engine: Engine, call: EmbedCall, sessionJwt: unknown): Promise<{ scope: EmbedScope; active: ActiveSession }> {
  const scope = await resolveEmbed(engine, call);
  if (typeof sessionJwt !== 'string' || sessionJwt.length === 0) throw new BridgeError('session_invalid', 'a session token is required');
  return { scope, active: await verifySession(engine, sessionJwt, scope) };
}

export async function refresh(engine: Engine, call: EmbedCall & { sessionJwt: unknown }): Promise<SessionAnswer> {
  await limitByIp(engine, call);
  const { active } = await sessionFor(engine, call, call.sessionJwt);
  return refreshSession(engine, active, call);
}

export async function logout(engine: Engine, call: EmbedCall & { sessionJwt: unknown }): Promise<void> {
  const { active } = await sessionFor(engine, call, call.sessionJwt);
  await endSession(engine, active.session, 'logout', call);
}

export async function getMe(engine: Engine, call: EmbedCall & { sessionJwt: unknown }): Promise<{ customer: PublicCustomer }> {
  const { active } = await sessionFor(engine, call, call.sessionJwt);
  return { customer: publicCustomer(active.customer) };
}

function publicInvoice(invoice: Invoice): PublicInvoice {
  return {
    id: invoice.id,
    number: invoice.number,
    status: invoice.status,
    amountDueCents: invoice.amountDueCents,
    amountPaidCents: invoice.amountPaidCents,
    currency: invoice.currency,
    issuedAt: invoice.issuedAt.toISOString(),
    dueAt: invoice.dueAt?.toISOString() ?? null,
    pdfUrl: invoice.pdfUrl,
    hostedUrl: invoice.hostedUrl,
  };
}

export async function listInvoices(
  engine: Engine,
  call: EmbedCall & { sessionJwt: unknown; status?: string; limit?: string | number; cursor?: string },
): Promise<InvoicesAnswer> {
  const { scope, active } = await sessionFor(engine, call, call.sessionJwt);
  let status: InvoiceStatus | undefined;
  if (call.status !== undefined && call.status !== '' && call.status.toLowerCase() !== 'all') {
    const upper = call.status.toUpperCase() as InvoiceStatus;
    if (!INVOICE_STATUSES.includes(upper)) throw new BridgeError('invalid_request', `status must be one of ${INVOICE_STATUSES.join(', ')}`);
    status = upper;
  }
  // In process a caller may pass a number; over HTTP it is the query's text.
  const limit = readLimit(call.limit === '' || call.limit === undefined ? undefined : String(call.limit), 20, 100);
  const cursor = call.cursor === '' ? undefined : call.cursor;
  if (cursor !== undefined && cursor.length > 512) throw new BridgeError('invalid_request', 'cursor is malformed');
  const hook = engine.config.listInvoices;
  if (hook) {
    const page = await hook({ tenant: scope.slug, customer: active.customer, limit, ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) });
    return { invoices: page.invoices.slice(0, limit).map(publicInvoice), nextCursor: page.nextCursor ?? null };
  }
  const rows = await engine.storage.listInvoices({
    tenant: scope.slug,
    customerId: active.customer.id,
    limit: limit + 1,
    ...(status ? { status } : {}),
    ...(cursor ? { after: readCursor(cursor, ({ at, id }) => ({ issuedAt: at, id })) } : {}),
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const nextCursor = rows.length > limit && last
    ? Buffer.from(JSON.stringify([last.issuedAt.getTime(), last.id])).toString('base64url')
    : null;
  return { invoices: page.map(publicInvoice), nextCursor };
}
