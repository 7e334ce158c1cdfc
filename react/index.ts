/**
 * The widgets as React 18 / 19 components (`aforo-bridge/react`): thin wrappers that render a host element and mount
 * it with the same SDK as `aforo-bridge/widgets`. React is an optional peer dependency: install it to use this entry.
 * On the server every component renders nothing; the widget mounts once the component is on the client.
 *
 * @example
 * import { AforoInvoiceList } from 'aforo-bridge/react';
 * <AforoInvoiceList apiBase="https://portal.example.com/aforo" tenantSlug="acme" embedKey="ek_live_…"
 *   bridgeToken={bridgeToken} onReady={({ invoices }) => console.log(invoices)} />
 */
export {
  AforoInvoiceList, AforoPricingCard, AforoSubscribeButton, AforoSubscriptionManager, AforoUsageMeter,
  type AforoInvoiceListProps, type AforoPricingCardProps, type AforoSubscribeButtonProps, type AforoSubscriptionManagerProps,
  type AforoUsageMeterProps, type CheckoutRequest,
} from './components.js';
export { useAforoSession, type AforoSessionState, type AforoSessionTarget } from './use-aforo-session.js';
export type { WidgetHandler, WidgetProps } from './use-widget.js';
/** Takes a returning magic-link token out of the address bar; call it first in a magic-link page's entry module. */
export { captureMagicToken } from '../widgets/sdk.js';
