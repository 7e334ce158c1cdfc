/** Finds `[data-aforo-widget]` elements, now and as they are added, and mounts each one once. */
import type { WidgetContext } from './context.js';
import { warn } from './diagnostics.js';
import { emit, h, openShadow } from './dom.js';
import { ENGLISH, languageOf, loadMessages, type Messages } from './i18n.js';
import { mountInvoiceList } from './invoice-list.js';
import { pageSession } from './page-session.js';
import { mountPricingCard } from './pricing-card.js';
import { mountSubscribeButton } from './subscribe-button.js';
import { mountSubscriptionManager } from './subscription-manager.js';
import type { Session } from './session.js';
import { mountUsageMeter } from './usage-meter.js';

const SELECTOR = '[data-aforo-widget]';
const KINDS = ['pricing-card', 'invoice-list', 'subscribe-button', 'subscription-manager', 'usage-meter'];
const mounted = new WeakMap<Element, AbortController>();

/** Mounts one widget element; `apiBase` is the engine's mount URL unless the element names its own. */
export function mountWidget(host: HTMLElement, apiBase: string): void {
  if (mounted.has(host)) return;
  const lifetime = new AbortController();
  mounted.set(host, lifetime);
  const option = (name: string): string | null => host.getAttribute('data-aforo-' + name);
  const kind = option('widget');
  const tenant = option('tenant-slug') ?? host.getAttribute('data-tenant-slug');
  const embedKey = option('embed-key') ?? host.getAttribute('data-embed-key');
  const bridgeToken = option('bridge-token');
  // The token is single-use and short-lived, but nothing else on the page needs to read it.
  host.removeAttribute('data-aforo-bridge-token');
  const base = (option('api-base') ?? apiBase).replace(/\/+$/, '');
  const root = openShadow(host);
  const locale = usableLocale(option('locale'));
  const copy = base ? loadMessages(base, locale) : ENGLISH;
  if (!(copy instanceof Promise)) return start(copy);
  copy.then(start, () => {
    warn(`the ${languageOf(locale)} copy could not be loaded from ${base}; showing English`);
    start(ENGLISH);
  });

  function start(t: Messages): void {
    // Unmounted (or mounted again) while its copy was on the way.
    if (lifetime.signal.aborted) return;
    const broken = (why: string): void => {
      warn(why);
      root.replaceChildren(h('section', { class: 'w' }, h('p', { class: 'status error', role: 'status' }, t.broken)));
      emit(host, kind ?? 'widget', 'error', { code: 'invalid_config' });
    };
    if (!KINDS.includes(kind ?? '')) {
      return broken(`unknown widget "${kind}" in data-aforo-widget; this bundle has ${KINDS.map((k) => `"${k}"`).join(', ')}`);
    }
    if (!tenant || !embedKey) return broken(`${kind}: data-aforo-tenant-slug and data-aforo-embed-key are both required`);
    if (!base) return broken(`${kind}: the engine URL is unknown; load the widgets from {prefix}/v1/embed/loader.js or set data-aforo-api-base`);
    const theme = option('theme');
    if (theme !== null && theme !== 'light' && theme !== 'dark' && theme !== 'auto') warn(`${kind}: data-aforo-theme "${theme}" is not light, dark or auto; using auto`);
    const target = { apiBase: base, tenant, embedKey };
    const ctx: WidgetContext = { host, root, target, option, locale, t, signal: lifetime.signal };
    if (kind === 'pricing-card') {
      // A bridge token on an anonymous widget still starts the page session, so it is not wasted.
      if (bridgeToken) void safeSession(ctx)?.getSessionJwt(bridgeToken).catch(() => null);
      void mountPricingCard(ctx);
      return;
    }
    const session = safeSession(ctx);
    if (!session) return broken(`${kind}: one page holds one session; every widget on it must name the same engine, tenant and embed key`);
    if (kind === 'subscribe-button') return mountSubscribeButton(ctx, session, bridgeToken);
    const options = { session, bridgeToken, magicLink: option('magic-link') === 'true' };
    if (kind === 'subscription-manager') return mountSubscriptionManager(ctx, options);
    if (kind === 'usage-meter') return mountUsageMeter(ctx, options);
    mountInvoiceList(ctx, options);
  }
}

/** `data-aforo-locale` when `Intl` accepts it; otherwise a warning and the browser's locale (undefined). */
function usableLocale(value: string | null): string | undefined {
  if (value === null) return undefined;
  try {
    return Intl.getCanonicalLocales(value)[0];
  } catch {
    warn(`data-aforo-locale "${value.slice(0, 40)}" is not a locale tag (such as de-DE); using the browser's`);
    return undefined;
  }
}

function safeSession(ctx: WidgetContext): Session | null {
  try {
    return pageSession(ctx.target);
  } catch {
    return null;
  }
}

/**
 * Stops a mounted widget: aborts its `signal` (timers, pollers, session listeners), empties its shadow root, and
 * lets `mountWidget` mount the element afresh. The page session stays: other widgets may still use it.
 */
export function unmountWidget(host: HTMLElement): void {
  const lifetime = mounted.get(host);
  if (!lifetime) return;
  mounted.delete(host);
  lifetime.abort();
  host.shadowRoot?.replaceChildren();
}

/** Mounts every widget under `root`. */
export function mountAll(root: ParentNode, apiBase: string): void {
  root.querySelectorAll<HTMLElement>(SELECTOR).forEach((element) => mountWidget(element, apiBase));
}

/** Mounts widgets added to the document later (single-page apps, late server fragments). */
export function watchWidgets(apiBase: string): MutationObserver {
  const observer = new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'attributes' && record.target instanceof HTMLElement) mountWidget(record.target, apiBase);
      for (const node of record.addedNodes) {
        if (!(node instanceof HTMLElement)) continue;
        if (node.matches(SELECTOR)) mountWidget(node, apiBase);
        mountAll(node, apiBase);
      }
    }
  });
  observer.observe(document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-aforo-widget'] });
  return observer;
}
