/**
 * The widget SDK as an ES module (`aforo-bridge/widgets`), for pages that bundle it instead of loading
 * `{prefix}/v1/embed/loader.js`.
 *
 * @example
 * import { captureMagicToken, mountAll, watchWidgets, AforoSession } from 'aforo-bridge/widgets';
 * captureMagicToken(); // first, before any other script reads the URL
 * mountAll(document, 'https://portal.example.com/aforo');
 * watchWidgets('https://portal.example.com/aforo');
 */
export { AforoSession, type AforoSessionApi } from './page-session.js';
export { createSession, refreshDelay, type Session } from './session.js';
export { ApiError, type ApiTarget } from './http.js';
export { captureMagicToken } from './magic-token.js';
export { mountAll, mountWidget, unmountWidget, watchWidgets } from './mount.js';
export type {
  ConfigAnswer, InvoicesAnswer, SessionAnswer, SubscriptionActionAnswer, SubscriptionsAnswer, UsageAnswer, WireInvoice, WireOffering, WireRatePlan,
  WireSubscription, WireUsage,
} from './wire.js';
