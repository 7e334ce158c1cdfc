import type { Static } from '@sinclair/typebox';
import type {
  AdminInvoiceAnswer, AuditPageAnswer, EmbedKeyAnswer, OfferingAdminAnswer, SigningKeyAnswer, TenantAnswer,
} from '../lib/admin-schemas.js';
import type { CustomerAnswer } from '../lib/schemas.js';
import type { CheckTokenAnswer, StudioSessionAnswer } from '../lib/studio/schemas.js';

/** The wire shapes the studio reads, inferred from the engine's schemas (type-only: no server code is bundled). */
export type Tenant = Static<typeof TenantAnswer>;
export type EmbedKey = Static<typeof EmbedKeyAnswer>;
export type SigningKey = Static<typeof SigningKeyAnswer>;
export type Offering = Static<typeof OfferingAdminAnswer>;
export type Customer = Static<typeof CustomerAnswer>;
export type Invoice = Static<typeof AdminInvoiceAnswer>;
export type AuditPage = Static<typeof AuditPageAnswer>;
export type CheckAnswer = Static<typeof CheckTokenAnswer>;
export type StudioSession = Static<typeof StudioSessionAnswer>;

/** What every page gets from the shell. */
export interface PageContext {
  /** The selected tenant's slug, or null when there is none yet. */
  tenant: string | null;
  tenants: Tenant[];
  /** A short message at the top of the page. */
  notify(message: string, kind?: 'ok' | 'error'): void;
  /** While set, leaving the page asks first (a secret on screen that was not confirmed as stored). */
  hold(reason: string | null): void;
  /** Re-reads the tenant list and shows the page again. */
  reload(select?: string): Promise<void>;
}
