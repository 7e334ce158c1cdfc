/** Domain records of aforo-bridge (SPEC section 2). Every date is a `Date`; ids are strings. */

export interface TenantBranding {
  logoUrl?: string;
  primaryColor?: string;
}

export interface TenantMagicLinkSettings {
  /** Sender address of magic-link mail; the mailer's default when absent. */
  from?: string;
  /** Overrides the engine's `magicLink.allowSignup` for this tenant when set. */
  allowSignup?: boolean;
}

export interface Tenant {
  slug: string;
  name: string;
  branding: TenantBranding;
  magicLink: TenantMagicLinkSettings;
  createdAt: Date;
}

export type EmbedKeyStatus = 'ACTIVE' | 'REVOKED';
export type EmbedKeyMode = 'live' | 'test';

export interface EmbedKey {
  /** The public key itself (`ek_live_…` / `ek_test_…`); it is also the key's id. */
  id: string;
  tenant: string;
  mode: EmbedKeyMode;
  /** Normalised exact origins (`scheme://host[:port]`). */
  allowedOrigins: string[];
  status: EmbedKeyStatus;
  createdAt: Date;
}

export type SigningAlg = 'HS256' | 'RS256' | 'ES256' | 'EdDSA';
export type SigningKeyStatus = 'NEXT' | 'ACTIVE' | 'RETIRING' | 'REVOKED';

export interface SigningKey {
  kid: string;
  tenant: string;
  alg: SigningAlg;
  status: SigningKeyStatus;
  /** HS256 only: the secret as sealed by the engine (`enc:v1:…` with a master key, `plain:…` without). */
  sealedSecret: string | null;
  /** Asymmetric algs only: SPKI PEM of the public key. The private key is never stored. */
  publicKeyPem: string | null;
  createdAt: Date;
  promotedAt: Date | null;
  revokedAt: Date | null;
}

export interface Customer {
  id: string;
  tenant: string;
  externalId: string;
  email: string | null;
  name: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type OfferingStatus = 'DRAFT' | 'PUBLISHED' | 'ARCHIVED';
export type RatePlanInterval = 'month' | 'year' | 'one_time';

export interface RatePlan {
  id: string;
  name: string;
  currency: string;
  amountCents: number;
  interval: RatePlanInterval;
  features: string[];
}

export interface Offering {
  id: string;
  tenant: string;
  name: string;
  description: string;
  status: OfferingStatus;
  ratePlans: RatePlan[];
  /** Orders offerings in widgets: ascending, ties by name. */
  position: number;
  updatedAt: Date;
}

export type InvoiceStatus = 'DRAFT' | 'OPEN' | 'PAID' | 'VOID' | 'OVERDUE';

export interface Invoice {
  id: string;
  tenant: string;
  customerId: string;
  number: string;
  status: InvoiceStatus;
  amountDueCents: number;
  amountPaidCents: number;
  currency: string;
  issuedAt: Date;
  dueAt: Date | null;
  pdfUrl: string | null;
  hostedUrl: string | null;
}

export type SessionMethod = 'bridge' | 'magic_link';

export interface Session {
  sid: string;
  tenant: string;
  customerId: string;
  embedKeyId: string;
  method: SessionMethod;
  /** The tenant signing key that verified the bridge token; null for magic-link sessions. */
  signingKid: string | null;
  createdAt: Date;
  refreshedAt: Date;
  /** Absolute expiry: no refresh goes past it. */
  expiresAt: Date;
  revokedAt: Date | null;
}

export interface MagicLinkToken {
  /** SHA-256 of the token, hex. The token itself is never stored. */
  tokenHash: string;
  tenant: string;
  embedKeyId: string;
  /** Lower-cased email the link was requested for. */
  email: string;
  returnUrl: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

/** A one-time nonce a browser signs to resume a magic-link session (SPEC section 9). */
export interface ResumeNonce {
  /** SHA-256 of the nonce, hex. The nonce itself is never stored. */
  nonceHash: string;
  tenant: string;
  embedKeyId: string;
  createdAt: Date;
  expiresAt: Date;
}

/** The engine's own session-signing key pair. */
export interface EngineKey {
  kid: string;
  alg: 'EdDSA' | 'ES256' | 'RS256';
  /** PKCS#8 PEM, sealed like HS256 secrets (`enc:v1:…` / `plain:…`). */
  sealedPrivateKey: string;
  publicJwk: Record<string, unknown>;
  createdAt: Date;
}

export interface AuditEvent {
  id: string;
  tenant: string;
  type: string;
  at: Date;
  ip: string | null;
  userAgent: string | null;
  /** Event details; never a token, secret, JWT or plain email. */
  data: Record<string, unknown>;
}

/** `CANCELED` is final; a subscription canceled at period end stays `ACTIVE` (or `TRIALING`) with `cancelAtPeriodEnd`. */
export type SubscriptionStatus = 'ACTIVE' | 'TRIALING' | 'PAST_DUE' | 'CANCELED';

export interface Subscription {
  id: string;
  tenant: string;
  customerId: string;
  offeringId: string;
  ratePlanId: string;
  status: SubscriptionStatus;
  amountCents: number;
  currency: string;
  interval: RatePlan['interval'];
  currentPeriodStart: Date;
  currentPeriodEnd: Date;
  cancelAtPeriodEnd: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** One metered feature's use in a subscription's period. `included` null: no included quantity is set. */
export interface UsageRecord {
  tenant: string;
  subscriptionId: string;
  feature: string;
  used: number;
  included: number | null;
  overageCents: number;
  periodStart: Date;
  periodEnd: Date;
  updatedAt: Date;
}
