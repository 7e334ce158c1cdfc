/** Finds `[data-aforo-widget]` elements, now and as they are added, and mounts each one once. */
import type { WidgetContext } from './context.js';
import { emit, h, openShadow } from './dom.js';
import { mountInvoiceList } from './invoice-list.js';
import { pageSession } from './page-session.js';
import { mountPricingCard } from './pricing-card.js';
import type { Session } from './session.js';

const SELECTOR = '[data-aforo-widget]';
const mounted = new WeakSet<Element>();

/** Mounts one widget element; `apiBase` is the engine's mount URL unless the element names its own. */
export function mountWidget(host: HTMLElement, apiBase: string): void {
  if (mounted.has(host)) return;
  mounted.add(host);
  const option = (name: string): string | null => host.getAttribute('data-aforo-' + name);
  const kind = option('widget');
  const tenant = option('tenant-slug') ?? host.getAttribute('data-tenant-slug');
  const embedKey = option('embed-key') ?? host.getAttribute('data-embed-key');
  const bridgeToken = option('bridge-token');
  // The token is single-use and short-lived, but nothing else on the page needs to read it.
  host.removeAttribute('data-aforo-bridge-token');
  const base = (option('api-base') ?? apiBase).replace(/\/+$/, '');
  const root = openShadow(host);
  const broken = (why: string): void => {
    console.error('aforo: ' + why);
    root.replaceChildren(h('p', { class: 'status error', role: 'status' }, 'This widget could not start.'));
    emit(host, kind ?? 'widget', 'error', { code: 'invalid_config' });
  };
  if (kind !== 'pricing-card' && kind !== 'invoice-list') return broken(`unknown widget "${kind}"`);
  if (!tenant || !embedKey || !base) return broken('data-aforo-tenant-slug, data-aforo-embed-key and the engine URL are required');
  const target = { apiBase: base, tenant, embedKey };
  const ctx: WidgetContext = { host, root, target, option, locale: option('locale') ?? undefined };
  if (kind === 'pricing-card') {
    // A bridge token on an anonymous widget still starts the page session, so it is not wasted.
    if (bridgeToken) void safeSession(ctx)?.getSessionJwt(bridgeToken).catch(() => null);
    void mountPricingCard(ctx);
    return;
  }
  const session = safeSession(ctx);
  if (!session) return broken('one page holds one session; every widget must name the same engine, tenant and embed key');
  mountInvoiceList(ctx, { session, bridgeToken, magicLink: option('magic-link') === 'true' });
}

function safeSession(ctx: WidgetContext): Session | null {
  try {
    return pageSession(ctx.target);
  } catch {
    return null;
  }
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
