/** The JSON the widget API answers with (SPEC section 5); dates arrive as ISO 8601 strings. */
import type { PublicInvoice } from '../lib/embed-api.js';
import type { OfferingStatus, RatePlanInterval } from '../lib/types.js';

export interface SessionAnswer {
  sessionJwt: string;
  expiresAt: string;
  /** Seconds; the SDK schedules refresh from this, never from the browser's wall clock. */
  expiresIn: number;
}

export interface WireRatePlan {
  id: string;
  name: string;
  currency: string;
  amountCents: number;
  interval: RatePlanInterval;
  features: string[];
}

export interface WireOffering {
  id: string;
  name: string;
  description?: string;
  status?: OfferingStatus;
  ratePlans: WireRatePlan[];
}

export interface ConfigAnswer {
  tenant: { slug: string; name: string; branding?: { logoUrl?: string; primaryColor?: string } };
  offerings: WireOffering[];
}

/** An invoice as `GET /v1/embed/invoices` answers it: the engine's own wire type. */
export type WireInvoice = PublicInvoice;

export interface InvoicesAnswer {
  invoices: WireInvoice[];
  nextCursor: string | null;
}
