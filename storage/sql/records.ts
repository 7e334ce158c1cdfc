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
import type { SqlDialect } from './dialect.js';

/** A row as the driver returns it: snake_case columns, dates as epoch milliseconds. */
export type Row = Record<string, unknown>;

// The columns each record is read from, named rather than `*` so that a column added by a later migration changes
// nothing here (and, on Postgres, never invalidates a prepared statement's result shape).
export const TENANT_COLUMNS = 'slug, name, branding, magic_link, created_at';
export const EMBED_KEY_COLUMNS = 'id, tenant, mode, allowed_origins, status, created_at';
export const SIGNING_KEY_COLUMNS =
  'tenant, kid, alg, status, sealed_secret, public_key_pem, created_at, promoted_at, revoked_at';
export const CUSTOMER_COLUMNS = 'tenant, id, external_id, email, name, created_at, updated_at';
export const OFFERING_COLUMNS = 'tenant, id, name, description, status, rate_plans, updated_at, position';
export const INVOICE_COLUMNS =
  'tenant, id, customer_id, number, status, amount_due_cents, amount_paid_cents, currency, issued_at, due_at, ' +
  'pdf_url, hosted_url';
export const SESSION_COLUMNS =
  'sid, tenant, customer_id, embed_key_id, method, signing_kid, created_at, refreshed_at, expires_at, revoked_at';
export const MAGIC_LINK_COLUMNS =
  'token_hash, tenant, embed_key_id, email, return_url, created_at, expires_at, used_at';
export const ENGINE_KEY_COLUMNS = 'kid, alg, sealed_private_key, public_jwk, created_at';
export const AUDIT_COLUMNS = 'tenant, id, type, at, ip, user_agent, data';

/** Turns rows into domain records; each call builds a fresh record, so nothing a caller mutates is shared. */
export interface RecordReader {
  tenant(row: Row): Tenant;
  embedKey(row: Row): EmbedKey;
  signingKey(row: Row): SigningKey;
  customer(row: Row): Customer;
  offering(row: Row): Offering;
  invoice(row: Row): Invoice;
  session(row: Row): Session;
  magicLink(row: Row): MagicLinkToken;
  engineKey(row: Row): EngineKey;
  auditEvent(row: Row): AuditEvent;
}

// Dates are integer epoch milliseconds; node-postgres hands `bigint` back as a string, SQLite as a number.
const date = (value: unknown): Date => new Date(Number(value));
const nullableDate = (value: unknown): Date | null => (value === null || value === undefined ? null : date(value));
const nullableText = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

/** The reader for one dialect: JSON columns are `text` on SQLite (parsed here) and `jsonb` on Postgres (parsed by the driver). */
export function recordReader(dialect: SqlDialect): RecordReader {
  const json = dialect === 'sqlite' ? <T>(value: unknown): T => JSON.parse(value as string) as T : <T>(value: unknown): T => value as T;
  return {
    tenant: (row) => ({
      slug: row.slug as string,
      name: row.name as string,
      branding: json(row.branding),
      magicLink: json(row.magic_link),
      createdAt: date(row.created_at),
    }),
    embedKey: (row) => ({
      id: row.id as string,
      tenant: row.tenant as string,
      mode: row.mode as EmbedKey['mode'],
      allowedOrigins: json(row.allowed_origins),
      status: row.status as EmbedKey['status'],
      createdAt: date(row.created_at),
    }),
    signingKey: (row) => ({
      kid: row.kid as string,
      tenant: row.tenant as string,
      alg: row.alg as SigningKey['alg'],
      status: row.status as SigningKey['status'],
      sealedSecret: nullableText(row.sealed_secret),
      publicKeyPem: nullableText(row.public_key_pem),
      createdAt: date(row.created_at),
      promotedAt: nullableDate(row.promoted_at),
      revokedAt: nullableDate(row.revoked_at),
    }),
    customer: (row) => ({
      id: row.id as string,
      tenant: row.tenant as string,
      externalId: row.external_id as string,
      email: nullableText(row.email),
      name: nullableText(row.name),
      createdAt: date(row.created_at),
      updatedAt: date(row.updated_at),
    }),
    offering: (row) => ({
      id: row.id as string,
      tenant: row.tenant as string,
      name: row.name as string,
      description: row.description as string,
      status: row.status as Offering['status'],
      ratePlans: json(row.rate_plans),
      position: Number(row.position),
      updatedAt: date(row.updated_at),
    }),
    invoice: (row) => ({
      id: row.id as string,
      tenant: row.tenant as string,
      customerId: row.customer_id as string,
      number: row.number as string,
      status: row.status as Invoice['status'],
      amountDueCents: Number(row.amount_due_cents),
      amountPaidCents: Number(row.amount_paid_cents),
      currency: row.currency as string,
      issuedAt: date(row.issued_at),
      dueAt: nullableDate(row.due_at),
      pdfUrl: nullableText(row.pdf_url),
      hostedUrl: nullableText(row.hosted_url),
    }),
    session: (row) => ({
      sid: row.sid as string,
      tenant: row.tenant as string,
      customerId: row.customer_id as string,
      embedKeyId: row.embed_key_id as string,
      method: row.method as Session['method'],
      signingKid: nullableText(row.signing_kid),
      createdAt: date(row.created_at),
      refreshedAt: date(row.refreshed_at),
      expiresAt: date(row.expires_at),
      revokedAt: nullableDate(row.revoked_at),
    }),
    magicLink: (row) => ({
      tokenHash: row.token_hash as string,
      tenant: row.tenant as string,
      embedKeyId: row.embed_key_id as string,
      email: row.email as string,
      returnUrl: row.return_url as string,
      createdAt: date(row.created_at),
      expiresAt: date(row.expires_at),
      usedAt: nullableDate(row.used_at),
    }),
    engineKey: (row) => ({
      kid: row.kid as string,
      alg: row.alg as EngineKey['alg'],
      sealedPrivateKey: row.sealed_private_key as string,
      publicJwk: json(row.public_jwk),
      createdAt: date(row.created_at),
    }),
    auditEvent: (row) => ({
      id: row.id as string,
      tenant: row.tenant as string,
      type: row.type as string,
      at: date(row.at),
      ip: nullableText(row.ip),
      userAgent: nullableText(row.user_agent),
      data: json(row.data),
    }),
  };
}

