import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * The widget API's wire shapes (SPEC section 5), each described once. The route table validates requests with
 * them, the OpenAPI document prints them, and the TypeScript types of answers are inferred from them (widgets
 * import those types, type-only). Every string has a length bound; the edge refuses NUL and lone surrogates in
 * every string before any schema runs.
 */

const Text = (maxLength: number, extra: Record<string, unknown> = {}) => Type.String({ maxLength, ...extra });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const closed = { additionalProperties: false } as const;

// ---- request bodies and queries -------------------------------------------------------------------------------

/** `POST auth/bridge`. A missing token is refused as the token (`bridge_token_invalid`); a non-string is 400. */
export const BridgeExchangeBody = Type.Object({ bridgeToken: Type.Optional(Text(16_384)) }, closed);

/** `POST auth/magic-link`: one plain addr-spec and the page's own URL. */
export const MagicLinkRequestBody = Type.Object({ email: Text(254), returnUrl: Text(2048) }, closed);

// base64url of a 32-byte coordinate: 43 characters.
const Coordinate = Text(43, { minLength: 43, pattern: '^[A-Za-z0-9_-]{43}$' });

/**
 * The public half of the browser's resume key (SPEC section 9): the members RFC 7638 hashes and nothing else, so
 * no private `d`, no `alg` or `key_ops` the engine would have to reconcile.
 */
export const ResumeKey = Type.Union([
  Type.Object({ kty: Type.Literal('EC'), crv: Type.Literal('P-256'), x: Coordinate, y: Coordinate }, closed),
  Type.Object({ kty: Type.Literal('OKP'), crv: Type.Literal('Ed25519'), x: Coordinate }, closed),
]);
export type ResumeKey = Static<typeof ResumeKey>;

/**
 * `POST auth/magic-link/exchange`. A missing token is `magic_link_invalid`; a non-string is 400. `resumeKey`, the
 * public JWK of a non-extractable key the browser made, lets the session resume after a reload.
 */
export const MagicLinkExchangeBody = Type.Object({ token: Type.Optional(Text(512)), resumeKey: Type.Optional(ResumeKey) }, closed);

/** `POST auth/resume`: a compact JWS signed by the session's resume key. A missing proof is `session_invalid`. */
export const ResumeBody = Type.Object({ proof: Type.Optional(Text(4096)) }, closed);

/** A POST that carries nothing (refresh, logout): an empty body or `{}`. */
export const EmptyBody = Type.Object({}, closed);

/** `GET invoices`. Query values are strings; `tenant` and `embed_key` may ride along on any GET. */
export const InvoicesQuery = Type.Object({
  status: Type.Optional(Text(16)),
  limit: Type.Optional(Text(8)),
  cursor: Type.Optional(Text(512)),
});

// ---- answers --------------------------------------------------------------------------------------------------

export const CustomerAnswer = Type.Object({ id: Type.String(), externalId: Type.String(), email: Nullable(Type.String()), name: Nullable(Type.String()) });
export type PublicCustomer = Static<typeof CustomerAnswer>;

export const SessionAnswer = Type.Object({
  sessionJwt: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
  /** Seconds; the SDK schedules refresh from this, never from the browser's wall clock. */
  expiresIn: Type.Integer(),
  customer: CustomerAnswer,
});
export type SessionAnswer = Static<typeof SessionAnswer>;

export const Branding = Type.Object({ logoUrl: Type.Optional(Type.String()), primaryColor: Type.Optional(Type.String()) });

export const RatePlanAnswer = Type.Object({
  id: Type.String(),
  name: Type.String(),
  currency: Type.String(),
  amountCents: Type.Integer(),
  interval: Type.Union([Type.Literal('month'), Type.Literal('year'), Type.Literal('one_time')]),
  features: Type.Array(Type.String()),
});
export type WireRatePlan = Static<typeof RatePlanAnswer>;

export const OfferingAnswer = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  status: Type.Union([Type.Literal('DRAFT'), Type.Literal('PUBLISHED'), Type.Literal('ARCHIVED')]),
  ratePlans: Type.Array(RatePlanAnswer),
});
export type WireOffering = Static<typeof OfferingAnswer>;

export const ConfigAnswer = Type.Object({
  tenant: Type.Object({ slug: Type.String(), name: Type.String(), branding: Branding }),
  offerings: Type.Array(OfferingAnswer),
});
export type ConfigAnswer = Static<typeof ConfigAnswer>;

export const MeAnswer = Type.Object({ customer: CustomerAnswer });

export const InvoiceAnswer = Type.Object({
  id: Type.String(),
  number: Type.String(),
  status: Type.Union(['DRAFT', 'OPEN', 'PAID', 'VOID', 'OVERDUE'].map((s) => Type.Literal(s as 'DRAFT' | 'OPEN' | 'PAID' | 'VOID' | 'OVERDUE'))),
  amountDueCents: Type.Integer(),
  amountPaidCents: Type.Integer(),
  currency: Type.String(),
  issuedAt: Type.String({ format: 'date-time' }),
  dueAt: Nullable(Type.String({ format: 'date-time' })),
  pdfUrl: Nullable(Type.String()),
  hostedUrl: Nullable(Type.String()),
});
export type PublicInvoice = Static<typeof InvoiceAnswer>;

export const InvoicesAnswer = Type.Object({ invoices: Type.Array(InvoiceAnswer), nextCursor: Nullable(Type.String()) });
export type InvoicesAnswer = Static<typeof InvoicesAnswer>;

/** `POST auth/resume/nonce`: a one-time nonce for one resume proof. */
export const ResumeNonceAnswer = Type.Object({ nonce: Type.String(), expiresIn: Type.Integer() });
export type ResumeNonceAnswer = Static<typeof ResumeNonceAnswer>;

export const AcceptedAnswer = Type.Object({ status: Type.Literal('accepted') });

export const ErrorAnswer = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });

// ---- subscriptions, usage and checkout (SPEC section 10) ------------------------------------------------------

const Id = Text(100, { minLength: 1 });

/** `POST subscriptions/:id/change-plan`: a rate plan of the subscription's (PUBLISHED) offering. */
export const ChangePlanBody = Type.Object({ ratePlanId: Id }, closed);

/** `POST checkout`: one PUBLISHED offering's plan, and the page to come back to (its origin on the allowlist). */
export const CheckoutBody = Type.Object({ offeringId: Id, ratePlanId: Id, returnUrl: Text(2048) }, closed);

export const SubscriptionAnswer = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  offeringId: Type.String({ minLength: 1, maxLength: 100 }),
  ratePlanId: Type.String({ minLength: 1, maxLength: 100 }),
  status: Type.Union(['ACTIVE', 'TRIALING', 'PAST_DUE', 'CANCELED'].map((s) => Type.Literal(s as 'ACTIVE' | 'TRIALING' | 'PAST_DUE' | 'CANCELED'))),
  amountCents: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  interval: Type.Union([Type.Literal('month'), Type.Literal('year'), Type.Literal('one_time')]),
  currentPeriodStart: Type.String({ format: 'date-time' }),
  currentPeriodEnd: Type.String({ format: 'date-time' }),
  /** True once canceled at period end: the subscription runs until `currentPeriodEnd`, and may be resumed until then. */
  cancelAtPeriodEnd: Type.Boolean(),
});
export type PublicSubscription = Static<typeof SubscriptionAnswer>;

export const SubscriptionsAnswer = Type.Object({ subscriptions: Type.Array(SubscriptionAnswer) });
export type SubscriptionsAnswer = Static<typeof SubscriptionsAnswer>;

/** The answer of cancel, resume and change-plan: the subscription as it now is. */
export const SubscriptionActionAnswer = Type.Object({ subscription: SubscriptionAnswer });
export type SubscriptionActionAnswer = Static<typeof SubscriptionActionAnswer>;

export const UsageItemAnswer = Type.Object({
  feature: Type.String({ minLength: 1, maxLength: 100 }),
  used: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  /** The quantity the plan includes; null when none is set. */
  included: Nullable(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  overageCents: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  periodStart: Type.String({ format: 'date-time' }),
  periodEnd: Type.String({ format: 'date-time' }),
});
export type PublicUsage = Static<typeof UsageItemAnswer>;

export const UsageAnswer = Type.Object({ subscriptionId: Type.String(), usage: Type.Array(UsageItemAnswer) });
export type UsageAnswer = Static<typeof UsageAnswer>;

/** `redirect`: send the customer to `url`; `subscribed`: done, `url` is null. */
export const CheckoutAnswer = Type.Object({
  status: Type.Union([Type.Literal('redirect'), Type.Literal('subscribed')]),
  url: Nullable(Type.String()),
});
export type CheckoutAnswer = Static<typeof CheckoutAnswer>;
