/** The JSON the widget API answers with (SPEC section 5): the engine's own schemas' types; dates arrive as ISO 8601 strings. */
export type {
  CheckoutAnswer, ConfigAnswer, InvoicesAnswer, SubscriptionActionAnswer, SubscriptionsAnswer, PublicInvoice as WireInvoice, PublicSubscription as WireSubscription,
  ResumeKey, ResumeNonceAnswer, SessionAnswer, WireOffering, WireRatePlan, UsageAnswer, PublicUsage as WireUsage,
} from '../lib/schemas.js';
