import { Type, type Static, type TSchema } from '@sinclair/typebox';
import {
  AdminInvoiceAnswer, AdminInvoicesAnswer, AuditPageAnswer, AuditQuery, CreateEmbedKeyBody, CreateSigningKeyBody, CreateTenantBody,
  CustomerInvoicesQuery, CustomersAnswer, CustomersQuery, EmbedKeyAnswer, EmbedKeysAnswer, OfferingAdminAnswer, OfferingsAnswer,
  PutCustomerBody, PutInvoiceBody, PutOfferingBody, RevokeSigningKeyBody, SigningKeyAnswer, SigningKeysAnswer, TenantAnswer, TenantsAnswer,
  UpdateEmbedKeyBody, AdminSubscriptionAnswer, AdminSubscriptionsAnswer, AdminUsageAnswer, PutSubscriptionBody, PutUsageBody,
} from './admin-schemas.js';
import type { BridgeApi } from './api.js';
import type { Caller } from './audit.js';
import type { EmbedCall } from './embed-api.js';
import { BridgeError } from './errors.js';
import { errorResponse, json } from './edge.js';
import type { AssetSource, PlainRequest, PlainResponse } from './http.js';
import { validate } from './validate.js';
import {
  AcceptedAnswer, BridgeExchangeBody, ConfigAnswer, EmptyBody, InvoicesAnswer, InvoicesQuery, MagicLinkExchangeBody,
  MagicLinkRequestBody, MeAnswer, ResumeBody, ResumeNonceAnswer, SessionAnswer, CustomerAnswer,
  ChangePlanBody, CheckoutAnswer, CheckoutBody, SubscriptionActionAnswer, SubscriptionsAnswer, UsageAnswer,
} from './schemas.js';

/** What a public route's handler gets: the API, the path asked for, the widget bundle and the OpenAPI document. */
export interface PublicInput {
  api: BridgeApi;
  path: string;
  assets: () => Promise<AssetSource | null>;
  document: () => unknown;
}

/** A route that needs no tenant, key or origin: health, keys, the OpenAPI document and the widget bundle files. */
export interface PublicRoute {
  method: 'GET';
  /** `:file` matches one path segment. */
  path: string;
  summary: string;
  /** The success answer: its status, and a JSON schema or the media type of a file. */
  /** `mediaType`: the file type of an answer without a schema (several when the path serves files of more than one). */
  answer: { status: number; schema?: TSchema; mediaType?: string | string[] };
  /** Other statuses it may answer, with what they mean. */
  others?: Record<number, string>;
  handler(input: PublicInput): Promise<PlainResponse>;
}

// Anyone may read these, from any origin, and caches may keep them a few minutes.
const SHARED = { 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' };

async function bundleFile({ assets, path }: PublicInput): Promise<PlainResponse> {
  const asset = (await assets())?.get(path) ?? null;
  // Readable from any page, as the files themselves are: a stale loader asking for an old hash gets a 404, not a CORS error.
  if (!asset) return errorResponse(new BridgeError('not_found', 'no such file'), { 'access-control-allow-origin': '*' });
  return {
    status: 200,
    headers: { 'content-type': asset.contentType, 'cache-control': asset.cacheControl, 'x-content-type-options': 'nosniff', 'access-control-allow-origin': '*' },
    body: asset.body,
  };
}

/** Health, keys, the OpenAPI document and the widget bundle. */
export const PUBLIC_ROUTES: readonly PublicRoute[] = [
  { method: 'GET', path: '/healthz', summary: 'process up', answer: { status: 200, schema: Type.Object({ status: Type.Literal('ok') }) },
    handler: async () => json(200, { status: 'ok' }) },
  { method: 'GET', path: '/readyz', summary: 'storage reachable and engine key loaded', answer: { status: 200, schema: Type.Object({ status: Type.Literal('ready') }) },
    others: { 503: 'not ready' },
    handler: async ({ api }) => ((await api.ready()) ? json(200, { status: 'ready' }) : json(503, { status: 'unavailable' })) },
  { method: 'GET', path: '/.well-known/jwks.json', summary: 'public keys of session JWTs',
    answer: { status: 200, schema: Type.Object({ keys: Type.Array(Type.Object({ kid: Type.String(), kty: Type.String() }, { additionalProperties: true })) }) },
    handler: async ({ api }) => json(200, await api.jwks(), SHARED) },
  { method: 'GET', path: '/v1/openapi.json', summary: 'this document', answer: { status: 200, mediaType: 'application/json' },
    handler: async ({ document }) => json(200, document(), SHARED) },
  { method: 'GET', path: '/v1/embed/loader.js', summary: 'widget loader', answer: { status: 200, mediaType: 'application/javascript' }, others: { 404: 'not built' },
    handler: bundleFile },
  { method: 'GET', path: '/v1/embed/sri.json', summary: 'SRI hashes of the bundle', answer: { status: 200, mediaType: 'application/json' }, others: { 404: 'not built' },
    handler: bundleFile },
  { method: 'GET', path: '/v1/embed/widgets/:file', summary: 'content-hashed widget bundle, or a language file of its copy (locale-<lang>.<hash>.json)',
    answer: { status: 200, mediaType: ['application/javascript', 'application/json'] },
    others: { 404: 'no such file' }, handler: bundleFile },
];

/** What a widget route's handler gets: the bound API, the caller, and its body and query, already validated. */
export interface WidgetInput<B, Q> {
  api: BridgeApi;
  call: EmbedCall;
  body: B;
  query: Q;
  /** The `Authorization: Bearer` credential, when the route takes a session. */
  sessionJwt: string | undefined;
  /** The path values (`:id`), decoded, in template order; the verb checks them. */
  params: string[];
}

/**
 * One widget route: method, path, who may call it, its body, query and answer schemas, and the handler. The
 * request handler routes and validates by it, and the OpenAPI document is printed from it.
 */
export interface WidgetRoute<B extends TSchema = TSchema, Q extends TSchema = TSchema> {
  method: 'GET' | 'POST';
  path: string;
  summary: string;
  /** `:name` matches one path segment. */
  /** `embed`: tenant, embed key and origin; `session`: those and a session bearer. */
  auth: 'embed' | 'session';
  body?: B;
  query?: Q;
  answer: { status: number; schema: TSchema | null };
  /** Error statuses the route answers besides the success. */
  errors: number[];
  handler(input: WidgetInput<Static<B>, Static<Q>>): Promise<unknown>;
}

// Infers B and Q per entry, so each handler sees its own validated types.
const route = <B extends TSchema, Q extends TSchema>(definition: WidgetRoute<B, Q>): WidgetRoute => definition as unknown as WidgetRoute;

const AUTH_ERRORS = [400, 401, 403, 429];
const BODY_ERRORS = [400, 401, 403, 413, 415, 429];
// Subscription routes also answer 404 (unknown or another customer's id), 409 (a CANCELED one) and 502 (a hook failed).
const SUBSCRIPTION_ERRORS = [400, 401, 403, 404, 429, 502];
const SUBSCRIPTION_BODY_ERRORS = [400, 401, 403, 404, 409, 413, 415, 429, 502];

/** The widget API (SPEC section 5). */
export const WIDGET_ROUTES: readonly WidgetRoute[] = [
  route({
    method: 'GET', path: '/v1/embed/config', auth: 'embed', summary: 'tenant branding and PUBLISHED offerings',
    answer: { status: 200, schema: ConfigAnswer }, errors: AUTH_ERRORS,
    handler: ({ api, call }) => api.getConfig(call),
  }),
  route({
    method: 'POST', path: '/v1/embed/auth/bridge', auth: 'embed', summary: 'exchange a bridge token for a session',
    body: BridgeExchangeBody, answer: { status: 200, schema: SessionAnswer }, errors: BODY_ERRORS,
    handler: ({ api, call, body }) => api.exchangeBridgeToken({ ...call, bridgeToken: body.bridgeToken }),
  }),
  route({
    method: 'POST', path: '/v1/embed/auth/refresh', auth: 'session', summary: 'refresh the session (same sid)',
    body: EmptyBody, answer: { status: 200, schema: SessionAnswer }, errors: BODY_ERRORS,
    handler: ({ api, call, sessionJwt }) => api.refreshSession({ ...call, sessionJwt }),
  }),
  route({
    method: 'POST', path: '/v1/embed/auth/logout', auth: 'session', summary: 'revoke the session',
    body: EmptyBody, answer: { status: 204, schema: null }, errors: BODY_ERRORS,
    handler: ({ api, call, sessionJwt }) => api.logout({ ...call, sessionJwt }),
  }),
  route({
    method: 'POST', path: '/v1/embed/auth/magic-link', auth: 'embed', summary: 'request a sign-in link (always the same 202)',
    body: MagicLinkRequestBody, answer: { status: 202, schema: AcceptedAnswer }, errors: BODY_ERRORS,
    handler: ({ api, call, body }) => api.requestMagicLink({ ...call, email: body.email, returnUrl: body.returnUrl }),
  }),
  route({
    method: 'POST', path: '/v1/embed/auth/magic-link/exchange', auth: 'embed', summary: 'redeem a sign-in link',
    body: MagicLinkExchangeBody, answer: { status: 200, schema: SessionAnswer }, errors: BODY_ERRORS,
    handler: ({ api, call, body }) => api.exchangeMagicLink({ ...call, token: body.token, resumeKey: body.resumeKey }),
  }),
  route({
    method: 'POST', path: '/v1/embed/auth/resume/nonce', auth: 'embed', summary: 'a one-time nonce (60 s) for a resume proof',
    body: EmptyBody, answer: { status: 200, schema: ResumeNonceAnswer }, errors: BODY_ERRORS,
    handler: ({ api, call }) => api.issueResumeNonce(call),
  }),
  route({
    method: 'POST', path: '/v1/embed/auth/resume', auth: 'embed', summary: "resume a magic-link session with the browser's bound key (same sid)",
    body: ResumeBody, answer: { status: 200, schema: SessionAnswer }, errors: BODY_ERRORS,
    handler: ({ api, call, body }) => api.resumeSession({ ...call, proof: body.proof }),
  }),
  route({
    method: 'GET', path: '/v1/embed/me', auth: 'session', summary: 'the signed-in customer',
    answer: { status: 200, schema: MeAnswer }, errors: AUTH_ERRORS,
    handler: ({ api, call, sessionJwt }) => api.getMe({ ...call, sessionJwt }),
  }),
  route({
    method: 'GET', path: '/v1/embed/invoices', auth: 'session', summary: "the signed-in customer's invoices",
    query: InvoicesQuery, answer: { status: 200, schema: InvoicesAnswer }, errors: AUTH_ERRORS,
    handler: ({ api, call, sessionJwt, query }) =>
      api.listInvoices({ ...call, sessionJwt, status: query.status, limit: query.limit, cursor: query.cursor }),
  }),
  route({
    method: 'GET', path: '/v1/embed/subscriptions', auth: 'session', summary: "the signed-in customer's subscriptions",
    answer: { status: 200, schema: SubscriptionsAnswer }, errors: SUBSCRIPTION_ERRORS,
    handler: ({ api, call, sessionJwt }) => api.listSubscriptions({ ...call, sessionJwt }),
  }),
  route({
    method: 'GET', path: '/v1/embed/subscriptions/:id/usage', auth: 'session', summary: "one of the customer's subscriptions: metered use this period",
    answer: { status: 200, schema: UsageAnswer }, errors: SUBSCRIPTION_ERRORS,
    handler: ({ api, call, sessionJwt, params: [subscriptionId] }) => api.getUsage({ ...call, sessionJwt, subscriptionId }),
  }),
  route({
    method: 'POST', path: '/v1/embed/subscriptions/:id/cancel', auth: 'session', summary: 'cancel at the end of the current period',
    body: EmptyBody, answer: { status: 200, schema: SubscriptionActionAnswer }, errors: SUBSCRIPTION_BODY_ERRORS,
    handler: ({ api, call, sessionJwt, params: [subscriptionId] }) => api.cancelSubscription({ ...call, sessionJwt, subscriptionId }),
  }),
  route({
    method: 'POST', path: '/v1/embed/subscriptions/:id/resume', auth: 'session', summary: 'undo a cancel at period end',
    body: EmptyBody, answer: { status: 200, schema: SubscriptionActionAnswer }, errors: SUBSCRIPTION_BODY_ERRORS,
    handler: ({ api, call, sessionJwt, params: [subscriptionId] }) => api.resumeSubscription({ ...call, sessionJwt, subscriptionId }),
  }),
  route({
    method: 'POST', path: '/v1/embed/subscriptions/:id/change-plan', auth: 'session', summary: "move to another plan of the subscription's offering",
    body: ChangePlanBody, answer: { status: 200, schema: SubscriptionActionAnswer }, errors: SUBSCRIPTION_BODY_ERRORS,
    handler: ({ api, call, sessionJwt, params: [subscriptionId], body }) => api.changePlan({ ...call, sessionJwt, subscriptionId, ratePlanId: body.ratePlanId }),
  }),
  route({
    method: 'POST', path: '/v1/embed/checkout', auth: 'session', summary: 'subscribe to a published plan, or get the checkout URL to go to',
    body: CheckoutBody, answer: { status: 200, schema: CheckoutAnswer }, errors: SUBSCRIPTION_BODY_ERRORS,
    handler: ({ api, call, sessionJwt, body }) =>
      api.startCheckout({ ...call, sessionJwt, offeringId: body.offeringId, ratePlanId: body.ratePlanId, returnUrl: body.returnUrl }),
  }),
];

/** The bearer credential of a request, if it has one. */
export function bearerOf(request: PlainRequest): string | undefined {
  return /^Bearer[ ]+([^\s]+)$/i.exec(request.headers.authorization ?? '')?.[1];
}

/** What an admin route's handler gets: the admin verbs, the path values in template order, body and query. */
export interface AdminInput {
  admin: BridgeApi['admin'];
  params: string[];
  body: unknown;
  query: Record<string, string>;
  caller: Caller;
}

/**
 * One admin route (SPEC section 8). The verb it calls validates the body and query by the same schemas, so an
 * in-process call is held to what an HTTP call is; the schemas here print the OpenAPI document.
 */
export interface AdminRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  /** Below `/v1/admin`, with `:name` path values. Handlers pass the body on as read: the verb validates it. */
  path: string;
  summary: string;
  body?: TSchema;
  query?: TSchema;
  answer: { status: number; schema: TSchema };
  handler(input: AdminInput): Promise<unknown>;
}

/** The admin API, one entry a route. */
export const ADMIN_ROUTES: readonly AdminRoute[] = [
  { method: 'POST', path: '/tenants', summary: 'create a tenant', body: CreateTenantBody, answer: { status: 201, schema: TenantAnswer },
    handler: ({ admin, body }) => admin.createTenant(body as Static<typeof CreateTenantBody>) },
  { method: 'GET', path: '/tenants', summary: 'list tenants', answer: { status: 200, schema: TenantsAnswer },
    handler: ({ admin }) => admin.listTenants() },
  { method: 'GET', path: '/tenants/:slug', summary: 'show a tenant', answer: { status: 200, schema: TenantAnswer },
    handler: ({ admin, params: [slug] }) => admin.getTenant(slug) },
  { method: 'POST', path: '/tenants/:slug/embed-keys', summary: 'create an embed key', body: CreateEmbedKeyBody, answer: { status: 201, schema: EmbedKeyAnswer },
    handler: ({ admin, params: [slug], body, caller }) => admin.createEmbedKey(slug, body as Static<typeof CreateEmbedKeyBody>, caller) },
  { method: 'GET', path: '/tenants/:slug/embed-keys', summary: 'list embed keys', answer: { status: 200, schema: EmbedKeysAnswer },
    handler: ({ admin, params: [slug] }) => admin.listEmbedKeys(slug) },
  { method: 'PATCH', path: '/tenants/:slug/embed-keys/:id', summary: 'replace an allowlist', body: UpdateEmbedKeyBody, answer: { status: 200, schema: EmbedKeyAnswer },
    handler: ({ admin, params: [slug, id], body, caller }) => admin.updateEmbedKey(slug, id, body as Static<typeof UpdateEmbedKeyBody>, caller) },
  { method: 'POST', path: '/tenants/:slug/embed-keys/:id/revoke', summary: 'revoke an embed key', answer: { status: 200, schema: EmbedKeyAnswer },
    handler: ({ admin, params: [slug, id], caller }) => admin.revokeEmbedKey(slug, id, caller) },
  { method: 'POST', path: '/tenants/:slug/signing-keys', summary: 'mint a signing key, or register a public key', body: CreateSigningKeyBody,
    answer: { status: 201, schema: SigningKeyAnswer }, handler: ({ admin, params: [slug], body, caller }) => admin.createSigningKey(slug, body as Static<typeof CreateSigningKeyBody>, caller) },
  { method: 'GET', path: '/tenants/:slug/signing-keys', summary: 'list signing keys (never a secret)', answer: { status: 200, schema: SigningKeysAnswer },
    handler: ({ admin, params: [slug] }) => admin.listSigningKeys(slug) },
  { method: 'POST', path: '/tenants/:slug/signing-keys/:kid/promote', summary: 'promote a NEXT key', answer: { status: 200, schema: SigningKeyAnswer },
    handler: ({ admin, params: [slug, kid], caller }) => admin.promoteSigningKey(slug, kid, caller) },
  { method: 'POST', path: '/tenants/:slug/signing-keys/:kid/revoke', summary: 'revoke a key', body: RevokeSigningKeyBody, answer: { status: 200, schema: SigningKeyAnswer },
    handler: ({ admin, params: [slug, kid], body, caller }) => admin.revokeSigningKey(slug, kid, body as Static<typeof RevokeSigningKeyBody>, caller) },
  { method: 'PUT', path: '/tenants/:slug/offerings/:id', summary: 'create or replace an offering', body: PutOfferingBody, answer: { status: 200, schema: OfferingAdminAnswer },
    handler: ({ admin, params: [slug, id], body }) => admin.putOffering(slug, id, body as Static<typeof PutOfferingBody>) },
  { method: 'GET', path: '/tenants/:slug/offerings', summary: 'list offerings', answer: { status: 200, schema: OfferingsAnswer },
    handler: ({ admin, params: [slug] }) => admin.listOfferings(slug) },
  { method: 'PUT', path: '/tenants/:slug/customers/:externalId', summary: 'create or update a customer', body: PutCustomerBody, answer: { status: 200, schema: CustomerAnswer },
    handler: ({ admin, params: [slug, externalId], body }) => admin.putCustomer(slug, externalId, body as Static<typeof PutCustomerBody>) },
  { method: 'GET', path: '/tenants/:slug/customers', summary: 'list customers', query: CustomersQuery, answer: { status: 200, schema: CustomersAnswer },
    handler: ({ admin, params: [slug], query }) => admin.listCustomers(slug, query.email) },
  { method: 'PUT', path: '/tenants/:slug/customers/:externalId/invoices/:id', summary: 'create or replace an invoice', body: PutInvoiceBody,
    answer: { status: 200, schema: AdminInvoiceAnswer }, handler: ({ admin, params: [slug, externalId, id], body }) => admin.putInvoice(slug, externalId, id, body as Static<typeof PutInvoiceBody>) },
  { method: 'GET', path: '/tenants/:slug/customers/:externalId/invoices', summary: "list a customer's invoices", query: CustomerInvoicesQuery,
    answer: { status: 200, schema: AdminInvoicesAnswer }, handler: ({ admin, params: [slug, externalId], query }) => admin.listCustomerInvoices(slug, externalId, query) },
  { method: 'PUT', path: '/tenants/:slug/customers/:externalId/subscriptions/:id', summary: 'create or replace a subscription', body: PutSubscriptionBody,
    answer: { status: 200, schema: AdminSubscriptionAnswer }, handler: ({ admin, params: [slug, externalId, id], body }) => admin.putSubscription(slug, externalId, id, body) },
  { method: 'GET', path: '/tenants/:slug/customers/:externalId/subscriptions', summary: "list a customer's subscriptions",
    answer: { status: 200, schema: AdminSubscriptionsAnswer }, handler: ({ admin, params: [slug, externalId] }) => admin.listCustomerSubscriptions(slug, externalId) },
  { method: 'PUT', path: '/tenants/:slug/customers/:externalId/subscriptions/:id/usage/:feature', summary: "set a metered feature's use this period",
    body: PutUsageBody, answer: { status: 200, schema: AdminUsageAnswer },
    handler: ({ admin, params: [slug, externalId, id, feature], body }) => admin.putUsage(slug, externalId, id, feature, body) },
  { method: 'GET', path: '/tenants/:slug/audit', summary: 'audit trail, newest first', query: AuditQuery, answer: { status: 200, schema: AuditPageAnswer },
    handler: ({ admin, params: [slug], query }) => admin.listAudit(slug, query) },
];

export { validate };
