import { admin, tenantPath } from '../api.js';
import { append, badge, clear, field, h, table, when } from '../dom.js';
import { describe, type Page } from '../shell.js';
import type { Offering } from '../types.js';

type Plan = Offering['ratePlans'][number];

function price(plan: Plan): string {
  const amount = new Intl.NumberFormat('en', { style: 'currency', currency: plan.currency }).format(plan.amountCents / 100);
  return plan.interval === 'one_time' ? amount : `${amount} / ${plan.interval}`;
}

/** A pricing card as the widget draws it (one price per card, features, the action). */
function card(name: string, description: string, plan: Plan | null, color: string): HTMLElement {
  const button = h('button', { type: 'button', class: 'preview-button', tabindex: -1 }, 'Subscribe');
  button.style.setProperty('background', color);
  return h('div', { class: 'pricing-card', 'aria-label': 'Pricing card preview' },
    h('h3', {}, name || 'Offering name'),
    h('p', { class: 'muted' }, description),
    h('p', { class: 'price' }, plan ? price(plan) : 'No rate plan'),
    plan ? h('ul', {}, ...plan.features.map((f) => h('li', {}, f))) : null,
    button);
}

export const offeringsPage: Page = {
  id: 'offerings',
  title: 'Offerings',
  needsTenant: true,
  async render(root, context) {
    const slug = context.tenant as string;
    const color = context.tenants.find((t) => t.slug === slug)?.branding.primaryColor ?? '#4f46e5';
    const { offerings } = await admin<{ offerings: Offering[] }>('GET', tenantPath(slug, '/offerings'));
    const rows = h('div', {});

    const input = (id: string, attrs: Record<string, string | number | boolean> = {}) => h('input', { id, ...attrs }) as HTMLInputElement;
    const id = input('offering-id', { required: true, maxlength: 100, placeholder: 'pro' });
    const name = input('offering-name', { required: true, maxlength: 200, placeholder: 'Pro' });
    const description = input('offering-description', { maxlength: 2000 });
    const position = input('offering-position', { type: 'number', min: 0, max: 1000000, step: 1, value: '0' });
    const status = h('select', { id: 'offering-status' }, ...['DRAFT', 'PUBLISHED', 'ARCHIVED'].map((s) => h('option', { value: s }, s))) as HTMLSelectElement;
    const planName = input('plan-name', { required: true, maxlength: 200, value: 'Monthly' });
    const amount = input('plan-amount', { type: 'number', min: 0, step: '0.01', required: true, value: '29' });
    const currency = input('plan-currency', { required: true, pattern: '[A-Za-z]{3}', maxlength: 3, value: 'USD' });
    const interval = h('select', { id: 'plan-interval' }, ...['month', 'year', 'one_time'].map((s) => h('option', { value: s }, s))) as HTMLSelectElement;
    const features = h('textarea', { id: 'plan-features', rows: 3, placeholder: 'One feature per line' }) as HTMLTextAreaElement;
    const plan = (): Plan => ({
      id: `${id.value || 'plan'}-${interval.value}`, name: planName.value, currency: currency.value.toUpperCase(),
      amountCents: Math.round(Number(amount.value) * 100), interval: interval.value as Plan['interval'],
      features: features.value.split('\n').map((f) => f.trim()).filter(Boolean),
    });
    const slot = h('div', { class: 'preview-slot' });
    const refresh = () => {
      clear(slot);
      let current: Plan | null = null;
      try {
        current = plan();
        price(current);
      } catch {
        current = null;
      }
      append(slot, card(name.value, description.value, current, color));
    };
    for (const control of [name, description, planName, amount, currency, interval, features]) control.addEventListener('input', refresh);
    refresh();
    // Editing fills the form from the offering and its first plan; saving keeps its other plans.
    const edit = (o: Offering) => {
      const first = o.ratePlans[0];
      id.value = o.id;
      name.value = o.name;
      description.value = o.description;
      status.value = o.status;
      position.value = String(o.position ?? 0);
      if (first) {
        planName.value = first.name;
        amount.value = String(first.amountCents / 100);
        currency.value = first.currency;
        interval.value = first.interval;
        features.value = first.features.join('\n');
      }
      refresh();
      id.focus();
    };
    append(rows, table(['Offering', 'Status', 'Position', 'Rate plans', 'Updated', ''], offerings.map((o) => [
      h('span', {}, h('strong', {}, o.name), h('br'), h('code', {}, o.id)), badge(o.status), document.createTextNode(String(o.position ?? 0)),
      document.createTextNode(o.ratePlans.map(price).join(', ') || '—'), document.createTextNode(when(o.updatedAt)),
      h('button', { type: 'button', onclick: () => edit(o) }, 'Edit'),
    ]), 'No offerings yet. Only PUBLISHED offerings appear in widgets.'));
    const form = h('form', { class: 'card form', id: 'put-offering' }, h('h2', {}, 'Create or replace an offering'),
      h('div', { class: 'split' },
        h('div', {}, field('Id', id, 'Putting an existing id replaces that offering.'), field('Name', name), field('Description', description), field('Status', status),
          field('Position', position, 'Widgets show offerings by position, lowest first (ties by name).'),
          h('h3', {}, 'Rate plan'), field('Plan name', planName), field('Amount', amount), field('Currency', currency), field('Interval', interval), field('Features', features)),
        slot),
      h('button', { type: 'submit', class: 'primary' }, 'Save offering'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void (async () => {
        try {
          await admin('PUT', tenantPath(slug, `/offerings/${encodeURIComponent(id.value)}`), {
            name: name.value, description: description.value, status: status.value, position: Number(position.value),
            ratePlans: [...(offerings.find((o) => o.id === id.value)?.ratePlans ?? []).filter((p) => p.id !== plan().id), plan()],
          });
          await context.reload();
          context.notify(`Offering ${id.value} saved.`);
        } catch (error) {
          context.notify(describe(error), 'error');
        }
      })();
    });
    append(root, rows, form, h('p', { class: 'muted' }, 'Saving an existing id replaces the plan with the same id and keeps its other plans.'));
  },
};
