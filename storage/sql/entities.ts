import { EntitySchema } from '@mikro-orm/core';
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
import { BigNumberType, EpochMsType } from './column-types.js';

// Entities mirror the domain records of lib/types.ts; columns are the snake_case of the property names
// (MikroORM's default naming) and the tables are created by the versioned migrations, never from these schemas.

/** A customer row carries the lower-cased email that the per-tenant unique index is built on. */
export interface CustomerRow extends Customer {
  emailKey: string | null;
}

/** One allowed origin of one embed key: the index `isOriginAllowedByAnyKey` looks up. */
export interface EmbedKeyOriginRow {
  embedKeyId: string;
  origin: string;
}

/** The engine key lives in a one-row table (`id` is always 1). */
export interface EngineKeyRow extends EngineKey {
  id: number;
}

const date = { type: EpochMsType } as const;
const nullableDate = { type: EpochMsType, nullable: true } as const;
const text = { type: 'string', columnType: 'text' } as const;
const nullableText = { type: 'string', columnType: 'text', nullable: true } as const;
const json = { type: 'json' } as const;

export const TenantEntity = new EntitySchema<Tenant>({
  name: 'Tenant',
  tableName: 'tenants',
  properties: {
    slug: { ...text, primary: true },
    name: text,
    branding: json,
    magicLink: json,
    createdAt: date,
  },
});

export const EmbedKeyEntity = new EntitySchema<EmbedKey>({
  name: 'EmbedKey',
  tableName: 'embed_keys',
  properties: {
    id: { ...text, primary: true },
    tenant: text,
    mode: text,
    allowedOrigins: json,
    status: text,
    createdAt: date,
  },
});

export const EmbedKeyOriginEntity = new EntitySchema<EmbedKeyOriginRow>({
  name: 'EmbedKeyOrigin',
  tableName: 'embed_key_origins',
  properties: {
    embedKeyId: { ...text, primary: true },
    origin: { ...text, primary: true },
  },
});

export const SigningKeyEntity = new EntitySchema<SigningKey>({
  name: 'SigningKey',
  tableName: 'signing_keys',
  properties: {
    tenant: { ...text, primary: true },
    kid: { ...text, primary: true },
    alg: text,
    status: text,
    sealedSecret: nullableText,
    publicKeyPem: nullableText,
    createdAt: date,
    promotedAt: nullableDate,
    revokedAt: nullableDate,
  },
});

export const CustomerEntity = new EntitySchema<CustomerRow>({
  name: 'Customer',
  tableName: 'customers',
  properties: {
    tenant: { ...text, primary: true },
    id: { ...text, primary: true },
    externalId: text,
    email: nullableText,
    emailKey: nullableText,
    name: nullableText,
    createdAt: date,
    updatedAt: date,
  },
});

export const OfferingEntity = new EntitySchema<Offering>({
  name: 'Offering',
  tableName: 'offerings',
  properties: {
    tenant: { ...text, primary: true },
    id: { ...text, primary: true },
    name: text,
    description: text,
    status: text,
    ratePlans: json,
    updatedAt: date,
  },
});

export const InvoiceEntity = new EntitySchema<Invoice>({
  name: 'Invoice',
  tableName: 'invoices',
  properties: {
    tenant: { ...text, primary: true },
    id: { ...text, primary: true },
    customerId: text,
    number: text,
    status: text,
    amountDueCents: { type: BigNumberType },
    amountPaidCents: { type: BigNumberType },
    currency: text,
    issuedAt: date,
    dueAt: nullableDate,
    pdfUrl: nullableText,
    hostedUrl: nullableText,
  },
});

export const SessionEntity = new EntitySchema<Session>({
  name: 'Session',
  tableName: 'sessions',
  properties: {
    sid: { ...text, primary: true },
    tenant: text,
    customerId: text,
    embedKeyId: text,
    method: text,
    signingKid: nullableText,
    createdAt: date,
    refreshedAt: date,
    expiresAt: date,
    revokedAt: nullableDate,
  },
});

export const MagicLinkEntity = new EntitySchema<MagicLinkToken>({
  name: 'MagicLink',
  tableName: 'magic_links',
  properties: {
    tokenHash: { ...text, primary: true },
    tenant: text,
    embedKeyId: text,
    email: text,
    returnUrl: text,
    createdAt: date,
    expiresAt: date,
    usedAt: nullableDate,
  },
});

export const EngineKeyEntity = new EntitySchema<EngineKeyRow>({
  name: 'EngineKey',
  tableName: 'engine_key',
  properties: {
    id: { type: 'integer', primary: true },
    kid: text,
    alg: text,
    sealedPrivateKey: text,
    publicJwk: json,
    createdAt: date,
  },
});

export const AuditEventEntity = new EntitySchema<AuditEvent>({
  name: 'AuditEvent',
  tableName: 'audit_events',
  properties: {
    tenant: { ...text, primary: true },
    id: { ...text, primary: true },
    type: text,
    at: date,
    ip: nullableText,
    userAgent: nullableText,
    data: json,
  },
});

/** Every entity, for the ORM's `entities` option. Jtis and rate-limit windows are only ever touched by raw writes. */
export const ENTITIES = [
  TenantEntity,
  EmbedKeyEntity,
  EmbedKeyOriginEntity,
  SigningKeyEntity,
  CustomerEntity,
  OfferingEntity,
  InvoiceEntity,
  SessionEntity,
  MagicLinkEntity,
  EngineKeyEntity,
  AuditEventEntity,
];
