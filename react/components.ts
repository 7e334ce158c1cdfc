/**
 * The five widgets as React components. Each takes the widget's `data-aforo-*` options as camelCase props and its
 * `aforo.<widget>.<event>` events as `on…` callbacks; docs/widgets.md lists what every option does and its default.
 */
import type { ReactElement } from 'react';
import { useWidget, type WidgetHandler, type WidgetProps } from './use-widget.js';

type NoDetail = Record<string, never>;

/** Props of `<AforoPricingCard>` (`pricing-card`). */
export interface AforoPricingCardProps extends WidgetProps {
  /** `horizontal` (default) or `vertical`. */
  layout?: 'horizontal' | 'vertical';
  /** The interval shown first: `month` (default) or `year`. */
  interval?: 'month' | 'year';
  /** The offering that gets the badge and the accent border. */
  featuredOfferingId?: string;
  /** The badge text; default "Most popular", localised. */
  featuredLabel?: string;
  /** The button text; default "Choose plan", localised. */
  ctaLabel?: string;
  /** Makes each button a link; `{offeringId}`, `{ratePlanId}` and `{interval}` are replaced. */
  checkoutUrl?: string;
  /** The table's accessible name; default "Choose plan". */
  title?: string;
  /** Optional: a bridge token starts the page session, which other widgets then share. */
  bridgeToken?: string;
  onReady?: WidgetHandler<{ offerings: number }>;
  onInterval?: WidgetHandler<{ interval: 'month' | 'year' }>;
  /** Cancelable: `event.preventDefault()` stops a checkout link from navigating. */
  onSelect?: WidgetHandler<{ offeringId: string; ratePlanId: string; interval: string }>;
}

/** The pricing table: the tenant's PUBLISHED offerings, one price per card for the chosen interval. */
export function AforoPricingCard(props: AforoPricingCardProps): ReactElement | null {
  const { layout, interval, featuredOfferingId, featuredLabel, ctaLabel, checkoutUrl, title } = props;
  return useWidget('pricing-card', props, { layout, interval, featuredOfferingId, featuredLabel, ctaLabel, checkoutUrl, title },
    { onReady: 'ready', onInterval: 'interval', onSelect: 'select', onError: 'error' });
}

/** Props of `<AforoInvoiceList>` (`invoice-list`). */
export interface AforoInvoiceListProps extends WidgetProps {
  /** A fresh bridge token from your backend (bridge-token mode); traded once for the page session. */
  bridgeToken?: string;
  /** `true`: signed out, the widget shows the email sign-in form (magic-link mode). Default false. */
  magicLink?: boolean;
  /** Invoices per page, 1–100; default 10. */
  pageSize?: number;
  /** `false` hides the "Signed in as …" line; default true. */
  showAccount?: boolean;
  /** The heading; default "Invoices". */
  title?: string;
  onReady?: WidgetHandler<{ invoices: number }>;
  onPage?: WidgetHandler<{ page: number; invoices: number }>;
  onSignedIn?: WidgetHandler<NoDetail>;
  onSignedOut?: WidgetHandler<NoDetail>;
  onMagicLinkSent?: WidgetHandler<NoDetail>;
}

/** The signed-in customer's invoices, with status filters, paging and Pay / View / PDF links. */
export function AforoInvoiceList(props: AforoInvoiceListProps): ReactElement | null {
  const { magicLink, pageSize, showAccount, title } = props;
  return useWidget('invoice-list', props, { magicLink, pageSize, showAccount, title }, {
    onReady: 'ready', onPage: 'page', onSignedIn: 'signed-in', onSignedOut: 'signed-out', onMagicLinkSent: 'magic-link-sent', onError: 'error',
  });
}

/** Props of `<AforoSubscriptionManager>` (`subscription-manager`). */
export interface AforoSubscriptionManagerProps extends WidgetProps {
  /** A fresh bridge token from your backend; traded once for the page session. */
  bridgeToken?: string;
  /** `true`: signed out, the widget shows the email sign-in form. */
  magicLink?: boolean;
  /** The filter shown first: `active` (default: every subscription not CANCELED), `canceled` or `all`. */
  defaultStatus?: 'active' | 'canceled' | 'all';
  /** `false` hides the "Signed in as …" line; default true. */
  showAccount?: boolean;
  /** The heading; default "Subscriptions". */
  title?: string;
  onReady?: WidgetHandler<{ subscriptions: number }>;
  onCanceled?: WidgetHandler<{ subscriptionId: string }>;
  onResumed?: WidgetHandler<{ subscriptionId: string }>;
  onPlanChanged?: WidgetHandler<{ subscriptionId: string; ratePlanId: string }>;
  onSignedIn?: WidgetHandler<NoDetail>;
  onSignedOut?: WidgetHandler<NoDetail>;
  onMagicLinkSent?: WidgetHandler<NoDetail>;
}

/** The signed-in customer's subscriptions: status, next date and price, change plan, cancel at period end, resume. */
export function AforoSubscriptionManager(props: AforoSubscriptionManagerProps): ReactElement | null {
  const { magicLink, defaultStatus, showAccount, title } = props;
  return useWidget('subscription-manager', props, { magicLink, defaultStatus, showAccount, title }, {
    onReady: 'ready', onCanceled: 'canceled', onResumed: 'resumed', onPlanChanged: 'plan_changed', onSignedIn: 'signed-in',
    onSignedOut: 'signed-out', onMagicLinkSent: 'magic-link-sent', onError: 'error',
  });
}

/** Props of `<AforoUsageMeter>` (`usage-meter`). */
export interface AforoUsageMeterProps extends WidgetProps {
  /** A fresh bridge token from your backend; traded once for the page session. */
  bridgeToken?: string;
  /** `true`: signed out, the widget shows the email sign-in form. */
  magicLink?: boolean;
  /** The subscription whose usage is shown (required). */
  subscriptionId?: string;
  /** Seconds between refreshes while the page is visible: default 60, at least 15; it stops when the component unmounts. */
  pollSeconds?: number;
  /** The heading; default "Usage". */
  title?: string;
  onReady?: WidgetHandler<{ features: number }>;
  /** Every later successful refresh, changed or not. */
  onUpdated?: WidgetHandler<{ features: number }>;
  onSignedIn?: WidgetHandler<NoDetail>;
  onSignedOut?: WidgetHandler<NoDetail>;
  onMagicLinkSent?: WidgetHandler<NoDetail>;
}

/** The usage of one of the signed-in customer's subscriptions against what its plan includes. */
export function AforoUsageMeter(props: AforoUsageMeterProps): ReactElement | null {
  const { magicLink, subscriptionId, pollSeconds, title } = props;
  return useWidget('usage-meter', props, { magicLink, subscriptionId, pollSeconds, title }, {
    onReady: 'ready', onUpdated: 'updated', onSignedIn: 'signed-in', onSignedOut: 'signed-out', onMagicLinkSent: 'magic-link-sent', onError: 'error',
  });
}

/** What `checkout_requested` carries: the plan the customer chose. */
export interface CheckoutRequest {
  offeringId: string;
  ratePlanId: string;
  priceCents: number;
  currency: string;
  interval: string;
}

/** Props of `<AforoSubscribeButton>` (`subscribe-button`). */
export interface AforoSubscribeButtonProps extends WidgetProps {
  /** A fresh bridge token from your backend; the button needs a signed-in customer. */
  bridgeToken?: string;
  /** The PUBLISHED offering. */
  offeringId: string;
  /** One of its rate plans. */
  ratePlanId: string;
  /** `redirect` (default): start the engine's checkout and go where it answers; `event`: only call `onCheckoutRequested`. */
  mode?: 'redirect' | 'event';
  onReady?: WidgetHandler<NoDetail>;
  /** `event` mode: the customer clicked "Subscribe"; nothing else happens. */
  onCheckoutRequested?: WidgetHandler<CheckoutRequest>;
  /** `redirect` mode, before the page leaves for the checkout; cancelable with `event.preventDefault()`. */
  onCheckoutStarted?: WidgetHandler<{ offeringId: string; ratePlanId: string }>;
  /** The checkout subscribed at once (no payment page). */
  onSubscribed?: WidgetHandler<{ offeringId: string; ratePlanId: string }>;
  onSignedIn?: WidgetHandler<NoDetail>;
  onSignedOut?: WidgetHandler<NoDetail>;
}

/** One plan's "Subscribe" button; a customer who already has the plan sees a disabled "Subscribed". */
export function AforoSubscribeButton(props: AforoSubscribeButtonProps): ReactElement | null {
  const { offeringId, ratePlanId, mode } = props;
  return useWidget('subscribe-button', props, { offeringId, ratePlanId, mode }, {
    onReady: 'ready', onCheckoutRequested: 'checkout_requested', onCheckoutStarted: 'checkout_started', onSubscribed: 'subscribed',
    onSignedIn: 'signed-in', onSignedOut: 'signed-out', onError: 'error',
  });
}
