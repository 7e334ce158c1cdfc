/**
 * The pricing table: the tenant's PUBLISHED offerings in the tenant's order, one price per card for the chosen
 * billing interval, and a button that opens the tenant's checkout or hands the choice to the page.
 */
import type { WidgetContext } from './context.js';
import { explain, warn } from './diagnostics.js';
import { applyBrandColor, emit, h, liveRegion, safeUrl } from './dom.js';
import { formatMoney } from './format.js';
import { fill } from './i18n.js';
import { codeOf } from './http.js';
import { loadConfig } from './tenant-config.js';
import type { ConfigAnswer, WireOffering, WireRatePlan } from './wire.js';

const WIDGET = 'pricing-card';
type Interval = 'month' | 'year';

/** The plan a card shows for `interval`: that interval's, else its only kind of plan (a one-time price, say). */
function planFor(offering: WireOffering, interval: Interval): WireRatePlan {
  return offering.ratePlans.find((p) => p.interval === interval) ?? offering.ratePlans.find((p) => p.interval !== 'one_time') ?? offering.ratePlans[0];
}

/** Whole percent a yearly plan saves against twelve months of the monthly one (same currency), or 0. */
export function yearlySaving(offering: WireOffering): number {
  const month = offering.ratePlans.find((p) => p.interval === 'month');
  const year = offering.ratePlans.find((p) => p.interval === 'year' && p.currency === month?.currency);
  if (!month || !year || month.amountCents <= 0) return 0;
  return Math.max(0, Math.round((1 - year.amountCents / (12 * month.amountCents)) * 100));
}

/**
 * `data-aforo-checkout-url` with `{offeringId}`, `{ratePlanId}` and `{interval}` filled in (URL-encoded), or null
 * when the template gives no https (or loopback http) URL.
 */
export function checkoutUrl(template: string, offering: WireOffering, plan: WireRatePlan): string | null {
  const values: Record<string, string> = { offeringId: offering.id, ratePlanId: plan.id, interval: plan.interval };
  return safeUrl(template.replace(/\{(offeringId|ratePlanId|interval)\}/g, (_, name: string) => encodeURIComponent(values[name])), true);
}

export async function mountPricingCard(ctx: WidgetContext): Promise<void> {
  const { host, root, locale, t } = ctx;
  const status = liveRegion();
  const section = h('section', { class: 'w', 'aria-label': ctx.option('title') ?? t.choose, 'aria-busy': 'true' }, status);
  root.replaceChildren(section);
  status.textContent = t.loadingPlans;

  let config: ConfigAnswer;
  try {
    config = await loadConfig(ctx.target);
  } catch (error) {
    if (ctx.signal.aborted) return;
    section.removeAttribute('aria-busy');
    status.classList.add('error');
    status.textContent = t.pricingDown;
    emit(host, WIDGET, 'error', { code: codeOf(error) });
    await explain(error, ctx.target, WIDGET);
    return;
  }
  // Unmounted meanwhile (or mounted afresh into the same shadow root): this mount no longer owns the page.
  if (ctx.signal.aborted) return;
  section.removeAttribute('aria-busy');
  applyBrandColor(host, config.tenant.branding?.primaryColor);
  const offerings = (config.offerings ?? []).filter((offering) => offering.ratePlans?.length);
  if (!offerings.length) {
    status.textContent = t.noPlans;
    emit(host, WIDGET, 'ready', { offerings: 0 });
    return;
  }

  const featured = ctx.option('featured-offering-id');
  const featuredLabel = ctx.option('featured-label') ?? t.popular;
  const layout = ctx.option('layout') === 'vertical' ? 'vertical' : 'horizontal';
  const cta = ctx.option('cta-label') ?? t.choose;
  const template = ctx.option('checkout-url');
  if (template !== null && !checkoutUrl(template, offerings[0], offerings[0].ratePlans[0])) {
    warn(`pricing-card: data-aforo-checkout-url "${template}" is not an https URL (http is allowed for localhost only); the buttons emit aforo.pricing-card.select instead.`);
  }
  const has = (interval: string): boolean => offerings.some((o) => o.ratePlans.some((p) => p.interval === interval));
  const both = has('month') && has('year');
  let interval: Interval = both && ctx.option('interval') === 'year' ? 'year' : has('month') ? 'month' : 'year';
  const bestSaving = Math.max(0, ...offerings.map(yearlySaving));
  if (featured && !offerings.some((o) => o.id === featured)) {
    warn(`pricing-card: data-aforo-featured-offering-id "${featured}" names no PUBLISHED offering of tenant "${ctx.target.tenant}".`);
  }

  const action = (offering: WireOffering, plan: WireRatePlan): HTMLElement => {
    const label = `${cta}: ${offering.name}, ${plan.name}`;
    const href = template === null ? null : checkoutUrl(template, offering, plan);
    const detail = { offeringId: offering.id, ratePlanId: plan.id, interval: plan.interval };
    if (href) {
      const link = h('a', { class: 'cta', href, 'aria-label': label }, cta);
      // The page may still take over: a listener that calls preventDefault() keeps the visitor here.
      link.addEventListener('click', (event) => {
        if (!emit(host, WIDGET, 'select', detail)) event.preventDefault();
      });
      return link;
    }
    const button = h('button', { type: 'button', class: 'cta', 'aria-label': label }, cta);
    button.addEventListener('click', () => {
      if (emit(host, WIDGET, 'select', detail)) {
        warn('pricing-card: a plan was chosen but nothing handled it. Set data-aforo-checkout-url, or listen for ' +
          'aforo.pricing-card.select (detail { offeringId, ratePlanId, interval }) and call preventDefault().');
      }
    });
    return button;
  };

  const card = (offering: WireOffering): HTMLElement => {
    const isFeatured = offering.id === featured;
    const plan = planFor(offering, interval);
    const per = plan.interval === 'month' ? t.perMonth : plan.interval === 'year' ? t.perYear : t.oneTime;
    const saving = plan.interval === 'year' ? yearlySaving(offering) : 0;
    return h(
      'li',
      { class: isFeatured ? 'offering featured' : 'offering', 'data-offering-id': offering.id, 'data-rate-plan-id': plan.id },
      isFeatured && h('span', { class: 'badge' }, featuredLabel),
      h('h3', null, offering.name),
      offering.description && h('p', { class: 'desc' }, offering.description),
      h('p', { class: 'price' }, h('span', { class: 'amount' }, formatMoney(plan.amountCents, plan.currency, locale)), ' ', h('span', { class: 'per' }, per)),
      saving > 0 && h('p', { class: 'save' }, fill(t.save, { n: saving })),
      h('ul', { class: 'features', role: 'list' }, ...(plan.features ?? []).map((f) => h('li', null, f))),
      action(offering, plan),
    );
  };

  const list = h('ul', { class: `offerings ${layout}`, role: 'list' });
  const render = (): void => {
    list.replaceChildren(...offerings.map(card));
  };
  if (both) {
    const choices = (['month', 'year'] as const).map((value) => {
      const button = h('button', { type: 'button', 'aria-pressed': String(value === interval), 'data-interval': value },
        value === 'month' ? t.month : t.year,
        value === 'year' && bestSaving > 0 && h('span', { class: 'save' }, fill(t.save, { n: bestSaving })));
      button.addEventListener('click', () => {
        if (interval === value) return;
        interval = value;
        choices.forEach((c) => c.setAttribute('aria-pressed', String(c.dataset.interval === interval)));
        render();
        emit(host, WIDGET, 'interval', { interval });
      });
      return button;
    });
    section.append(h('div', { class: 'switch', role: 'group', 'aria-label': t.interval }, ...choices));
  }
  render();
  section.append(list);
  status.textContent = '';
  emit(host, WIDGET, 'ready', { offerings: offerings.length });
}
