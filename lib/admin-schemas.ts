import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { CustomerAnswer, InvoiceAnswer, SubscriptionAnswer, UsageItemAnswer } from './schemas.js';

/**
 * The admin API's wire shapes (SPEC section 8), each described once: the admin verbs validate their input by
 * them, in process and over HTTP alike, and the OpenAPI document prints them. Semantic rules a schema cannot say
 * (an origin's normal form, a PEM's kind, a date's range) stay in the verbs.
 */

const Text = (minLength: number, maxLength: number, extra: Record<string, unknown> = {}) => Type.String({ minLength, maxLength, ...extra });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const closed = { additionalProperties: false } as const;
const Cents = Type.Integer({ minimum: 0, maximum: 1e12 });
const Currency = Type.String({ pattern: '^[A-Za-z]{3}$', minLength: 3, maxLength: 3 });
const HttpsUrl = Text(9, 2048, { pattern: '^https://[^\\s]+$' });
const DateTime = Text(1, 40, { description: 'ISO 8601 date-time' });
const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((value) => Type.Literal(value)));

export const SLUG_PATTERN = '^[a-z0-9][a-z0-9-]{1,62}$';

// ---- bodies -----------------------------------------------------------------------------------------------------

export const CreateTenantBody = Type.Object({
  slug: Text(2, 63, { pattern: SLUG_PATTERN }),
  name: Text(1, 200),
  branding: Type.Optional(Type.Object({
    logoUrl: Type.Optional(HttpsUrl),
    primaryColor: Type.Optional(Text(4, 9, { pattern: '^#[0-9a-fA-F]{3,8}$' })),
  }, closed)),
  magicLink: Type.Optional(Type.Object({
    from: Type.Optional(Text(3, 254)),
    allowSignup: Type.Optional(Type.Boolean()),
  }, closed)),
}, closed);
export type CreateTenantBody = Static<typeof CreateTenantBody>;

const Origins = Type.Array(Text(1, 2048), { maxItems: 100 });

export const CreateEmbedKeyBody = Type.Object({ allowedOrigins: Origins, mode: Type.Optional(literals(['live', 'test'] as const)) }, closed);
export type CreateEmbedKeyBody = Static<typeof CreateEmbedKeyBody>;

export const UpdateEmbedKeyBody = Type.Object({ allowedOrigins: Origins }, closed);
export type UpdateEmbedKeyBody = Static<typeof UpdateEmbedKeyBody>;

export const SigningAlgSchema = literals(['HS256', 'RS256', 'ES256', 'EdDSA'] as const);

export const CreateSigningKeyBody = Type.Object({ alg: SigningAlgSchema, publicKeyPem: Type.Optional(Text(1, 16_384)) }, closed);
export type CreateSigningKeyBody = Static<typeof CreateSigningKeyBody>;

export const RevokeSigningKeyBody = Type.Object({ force: Type.Optional(Type.Boolean()), endSessions: Type.Optional(Type.Boolean()) }, closed);
export type RevokeSigningKeyBody = Static<typeof RevokeSigningKeyBody>;

export const RatePlanBody = Type.Object({
  id: Text(1, 100),
  name: Text(1, 200),
  currency: Currency,
  amountCents: Cents,
  interval: literals(['month', 'year', 'one_time'] as const),
  features: Type.Optional(Type.Array(Text(0, 200), { maxItems: 50 })),
}, closed);

export const PutOfferingBody = Type.Object({
  id: Type.Optional(Text(1, 100)),
  name: Text(1, 200),
  description: Type.Optional(Text(0, 2000)),
  status: literals(['DRAFT', 'PUBLISHED', 'ARCHIVED'] as const),
  ratePlans: Type.Optional(Type.Array(RatePlanBody, { maxItems: 50 })),
  position: Type.Optional(Type.Integer({ minimum: 0, maximum: 1e6, description: 'widget order, ascending (ties by name); default 0' })),
}, closed);
export type PutOfferingBody = Static<typeof PutOfferingBody>;

export const PutCustomerBody = Type.Object({
  externalId: Type.Optional(Text(1, 255)),
  email: Type.Optional(Nullable(Text(3, 254))),
  name: Type.Optional(Nullable(Text(0, 255))),
}, closed);
export type PutCustomerBody = Static<typeof PutCustomerBody>;

export const InvoiceStatusSchema = literals(['DRAFT', 'OPEN', 'PAID', 'VOID', 'OVERDUE'] as const);

export const PutInvoiceBody = Type.Object({
  id: Type.Optional(Text(1, 100)),
  number: Text(1, 100),
  status: InvoiceStatusSchema,
  amountDueCents: Cents,
  amountPaidCents: Type.Optional(Cents),
  currency: Currency,
  issuedAt: DateTime,
  dueAt: Type.Optional(Nullable(DateTime)),
  pdfUrl: Type.Optional(Nullable(HttpsUrl)),
  hostedUrl: Type.Optional(Nullable(HttpsUrl)),
}, closed);
export type PutInvoiceBody = Static<typeof PutInvoiceBody>;

/**
 * A subscription to one rate plan of a stored offering; its amount, currency and interval are the plan's. The
 * stored form of SPEC section 10, for tenants that pass no `dataSource` subscription hooks.
 */
export const PutSubscriptionBody = Type.Object({
  offeringId: Text(1, 100),
  ratePlanId: Text(1, 100),
  status: literals(['ACTIVE', 'TRIALING', 'PAST_DUE', 'CANCELED'] as const),
  currentPeriodStart: DateTime,
  currentPeriodEnd: DateTime,
  cancelAtPeriodEnd: Type.Optional(Type.Boolean()),
}, closed);
export type PutSubscriptionBody = Static<typeof PutSubscriptionBody>;

const Quantity = Type.Integer({ minimum: 0, maximum: 1e15 });

/** One metered feature's use; the period defaults to the subscription's current period. */
export const PutUsageBody = Type.Object({
  used: Quantity,
  included: Type.Optional(Nullable(Quantity)),
  overageCents: Type.Optional(Cents),
  periodStart: Type.Optional(DateTime),
  periodEnd: Type.Optional(DateTime),
}, closed);
export type PutUsageBody = Static<typeof PutUsageBody>;

// ---- queries ------------------------------------------------------------------------------------------------------

export const CustomersQuery = Type.Object({ email: Type.Optional(Text(0, 254)) });
export const CustomerInvoicesQuery = Type.Object({ status: Type.Optional(Text(0, 16)), limit: Type.Optional(Text(0, 8)) });
export const AuditQuery = Type.Object({
  type: Type.Optional(Text(0, 64)),
  since: Type.Optional(Text(0, 40)),
  limit: Type.Optional(Text(0, 8)),
  cursor: Type.Optional(Text(0, 512)),
});

// ---- answers ------------------------------------------------------------------------------------------------------

export const TenantAnswer = Type.Object({
  slug: Type.String(),
  name: Type.String(),
  branding: Type.Object({ logoUrl: Type.Optional(Type.String()), primaryColor: Type.Optional(Type.String()) }),
  magicLink: Type.Object({ from: Type.Optional(Type.String()), allowSignup: Type.Optional(Type.Boolean()) }),
  createdAt: Type.String({ format: 'date-time' }),
});

export const EmbedKeyAnswer = Type.Object({
  id: Type.String(),
  key: Type.String(),
  mode: literals(['live', 'test'] as const),
  allowedOrigins: Type.Array(Type.String()),
  status: literals(['ACTIVE', 'REVOKED'] as const),
  createdAt: Type.String({ format: 'date-time' }),
});

export const SigningKeyAnswer = Type.Object({
  kid: Type.String(),
  alg: SigningAlgSchema,
  status: literals(['NEXT', 'ACTIVE', 'RETIRING', 'REVOKED'] as const),
  publicKeyPem: Type.Optional(Type.String()),
  secret: Type.Optional(Type.String({ description: 'HS256 only, in the mint answer only, once' })),
  privateKeyPem: Type.Optional(Type.String({ description: 'minted asymmetric keys only, in the mint answer only, once' })),
  createdAt: Type.Optional(Type.String()),
  promotedAt: Type.Optional(Nullable(Type.String())),
  revokedAt: Type.Optional(Nullable(Type.String())),
  sessionsEnded: Type.Optional(Type.Integer()),
});

export const OfferingAdminAnswer = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  status: literals(['DRAFT', 'PUBLISHED', 'ARCHIVED'] as const),
  ratePlans: Type.Array(Type.Object({
    id: Type.String(), name: Type.String(), currency: Type.String(), amountCents: Type.Integer(),
    interval: literals(['month', 'year', 'one_time'] as const), features: Type.Array(Type.String()),
  })),
  position: Type.Integer(),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const AdminInvoiceAnswer = Type.Composite([InvoiceAnswer, Type.Object({ customerId: Type.String(), externalId: Type.String() })]);

export const AuditPageAnswer = Type.Object({
  events: Type.Array(Type.Object({
    id: Type.String(), type: Type.String(), at: Type.String({ format: 'date-time' }), ip: Nullable(Type.String()), userAgent: Nullable(Type.String()),
  }, { additionalProperties: true })),
  nextCursor: Nullable(Type.String()),
});

export const EmbedKeysAnswer = Type.Object({ embedKeys: Type.Array(EmbedKeyAnswer) });
export const TenantsAnswer = Type.Object({ tenants: Type.Array(TenantAnswer) });
export const SigningKeysAnswer = Type.Object({ signingKeys: Type.Array(SigningKeyAnswer) });
export const OfferingsAnswer = Type.Object({ offerings: Type.Array(OfferingAdminAnswer) });
export const CustomersAnswer = Type.Object({ customers: Type.Array(CustomerAnswer) });
export const AdminInvoicesAnswer = Type.Object({ invoices: Type.Array(AdminInvoiceAnswer) });
export const AdminSubscriptionAnswer = Type.Composite([SubscriptionAnswer, Type.Object({ customerId: Type.String(), externalId: Type.String() })]);
export const AdminSubscriptionsAnswer = Type.Object({ subscriptions: Type.Array(AdminSubscriptionAnswer) });
export const AdminUsageAnswer = Type.Composite([UsageItemAnswer, Type.Object({ subscriptionId: Type.String() })]);
