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
  Tenant,
} from '../../lib/types.js';

// Entities are managed objects of an EntityManager fork; the storage hands out fresh plain records instead, so
// that nothing a caller mutates can reach the ORM, and no ORM bookkeeping reaches the caller.

const copyDate = (date: Date): Date => new Date(date.getTime());
const copyNullableDate = (date: Date | null): Date | null => (date === null ? null : copyDate(date));
const copyJson = <T>(value: T): T => structuredClone(value);

export const toTenant = (row: Tenant): Tenant => ({
  slug: row.slug,
  name: row.name,
  branding: copyJson(row.branding),
  magicLink: copyJson(row.magicLink),
  createdAt: copyDate(row.createdAt),
});

export const toEmbedKey = (row: EmbedKey): EmbedKey => ({
  id: row.id,
  tenant: row.tenant,
  mode: row.mode,
  allowedOrigins: [...row.allowedOrigins],
  status: row.status,
  createdAt: copyDate(row.createdAt),
});

export const toSigningKey = (row: SigningKey): SigningKey => ({
  kid: row.kid,
  tenant: row.tenant,
  alg: row.alg,
  status: row.status,
  sealedSecret: row.sealedSecret,
  publicKeyPem: row.publicKeyPem,
  createdAt: copyDate(row.createdAt),
  promotedAt: copyNullableDate(row.promotedAt),
  revokedAt: copyNullableDate(row.revokedAt),
});

export const toCustomer = (row: Customer): Customer => ({
  id: row.id,
  tenant: row.tenant,
  externalId: row.externalId,
  email: row.email,
  name: row.name,
  createdAt: copyDate(row.createdAt),
  updatedAt: copyDate(row.updatedAt),
});

export const toOffering = (row: Offering): Offering => ({
  id: row.id,
  tenant: row.tenant,
  name: row.name,
  description: row.description,
  status: row.status,
  ratePlans: copyJson(row.ratePlans),
  updatedAt: copyDate(row.updatedAt),
});

export const toInvoice = (row: Invoice): Invoice => ({
  id: row.id,
  tenant: row.tenant,
  customerId: row.customerId,
  number: row.number,
  status: row.status,
  amountDueCents: row.amountDueCents,
  amountPaidCents: row.amountPaidCents,
  currency: row.currency,
  issuedAt: copyDate(row.issuedAt),
  dueAt: copyNullableDate(row.dueAt),
  pdfUrl: row.pdfUrl,
  hostedUrl: row.hostedUrl,
});

export const toSession = (row: Session): Session => ({
  sid: row.sid,
  tenant: row.tenant,
  customerId: row.customerId,
  embedKeyId: row.embedKeyId,
  method: row.method,
  signingKid: row.signingKid,
  createdAt: copyDate(row.createdAt),
  refreshedAt: copyDate(row.refreshedAt),
  expiresAt: copyDate(row.expiresAt),
  revokedAt: copyNullableDate(row.revokedAt),
});

export const toMagicLink = (row: MagicLinkToken): MagicLinkToken => ({
  tokenHash: row.tokenHash,
  tenant: row.tenant,
  embedKeyId: row.embedKeyId,
  email: row.email,
  returnUrl: row.returnUrl,
  createdAt: copyDate(row.createdAt),
  expiresAt: copyDate(row.expiresAt),
  usedAt: copyNullableDate(row.usedAt),
});

export const toEngineKey = (row: EngineKey): EngineKey => ({
  kid: row.kid,
  alg: row.alg,
  sealedPrivateKey: row.sealedPrivateKey,
  publicJwk: copyJson(row.publicJwk),
  createdAt: copyDate(row.createdAt),
});

export const toAuditEvent = (row: AuditEvent): AuditEvent => ({
  id: row.id,
  tenant: row.tenant,
  type: row.type,
  at: copyDate(row.at),
  ip: row.ip,
  userAgent: row.userAgent,
  data: copyJson(row.data),
});
