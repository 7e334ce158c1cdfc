/** The pricing card: anonymous, shows the tenant's PUBLISHED offerings and their rate plans. */
import type { WidgetContext } from './context.js';
import { applyBrandColor, emit, h, liveRegion } from './dom.js';
import { formatMoney } from './format.js';
import { ApiError } from './http.js';
import { loadConfig } from './tenant-config.js';
import type { ConfigAnswer, WireOffering, WireRatePlan } from './wire.js';

const WIDGET = 'pricing-card';
const INTERVAL: Record<string, string> = { month: '/ month', year: '/ year', one_time: 'one-time' };

export async function mountPricingCard(ctx: WidgetContext): Promise<void> {
  const { host, root, locale } = ctx;
  const status = liveRegion();
  const section = h('section', { 'aria-label': 'Pricing', 'aria-busy': 'true' }, status);
  root.replaceChildren(section);
  status.textContent = 'Loading plans…';

  let config: ConfigAnswer;
  try {
    config = await loadConfig(ctx.target);
  } catch (error) {
    section.removeAttribute('aria-busy');
    status.classList.add('error');
    status.textContent = 'Pricing is unavailable right now.';
    emit(host, WIDGET, 'error', { code: error instanceof ApiError ? error.code : 'internal' });
    return;
  }
  section.removeAttribute('aria-busy');
  applyBrandColor(host, config.tenant.branding?.primaryColor);
  const offerings = (config.offerings ?? []).filter((offering) => offering.ratePlans?.length);
  if (!offerings.length) {
    status.textContent = 'No plans are available yet.';
    emit(host, WIDGET, 'ready', { offerings: 0 });
    return;
  }

  const featured = ctx.option('featured-offering-id');
  const layout = ctx.option('layout') === 'vertical' ? 'vertical' : 'horizontal';
  const cta = ctx.option('cta-label') ?? 'Choose plan';

  const plan = (offering: WireOffering, ratePlan: WireRatePlan): HTMLElement => {
    const button = h('button', { type: 'button', class: 'cta', 'aria-label': `${cta}: ${offering.name}, ${ratePlan.name}` }, cta);
    button.addEventListener('click', () =>
      emit(host, WIDGET, 'select', { offeringId: offering.id, ratePlanId: ratePlan.id }),
    );
    return h(
      'li',
      { class: 'plan' },
      h('h4', null, ratePlan.name),
      h(
        'p',
        { class: 'price' },
        h('span', { class: 'amount' }, formatMoney(ratePlan.amountCents, ratePlan.currency, locale)),
        ' ',
        h('span', { class: 'interval' }, INTERVAL[ratePlan.interval] ?? ''),
      ),
      ratePlan.features?.length ? h('ul', { class: 'features', role: 'list' }, ...ratePlan.features.map((f) => h('li', null, f))) : null,
      button,
    );
  };

  const card = (offering: WireOffering): HTMLElement => {
    const isFeatured = offering.id === featured;
    return h(
      'li',
      { class: isFeatured ? 'offering featured' : 'offering', 'data-offering-id': offering.id },
      isFeatured && h('span', { class: 'badge' }, 'Featured'),
      h('h3', null, offering.name),
      offering.description && h('p', { class: 'desc' }, offering.description),
      h('ul', { class: 'plans', role: 'list', 'aria-label': `${offering.name} plans` }, ...offering.ratePlans.map((rp) => plan(offering, rp))),
    );
  };

  section.append(h('ul', { class: `offerings ${layout}`, role: 'list' }, ...offerings.map(card)));
  status.classList.add('sr');
  status.textContent = `${offerings.length} ${offerings.length === 1 ? 'offering' : 'offerings'} loaded`;
  emit(host, WIDGET, 'ready', { offerings: offerings.length });
}
