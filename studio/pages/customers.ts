import { admin, tenantPath } from '../api.js';
import { append, badge, clear, field, h, table, when } from '../dom.js';
import { describe, type Page } from '../shell.js';
import type { Customer, Invoice } from '../types.js';

function money(cents: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
}

export const customersPage: Page = {
  id: 'customers',
  title: 'Customers',
  needsTenant: true,
  render(root, context) {
    const slug = context.tenant as string;
    const query = h('input', { id: 'customer-query', type: 'search', maxlength: 254, placeholder: 'ana@example.com or cust-42' }) as HTMLInputElement;
    const results = h('div', { id: 'customer-results' });
    const detail = h('div', { id: 'customer-detail' });

    async function open(customer: Customer): Promise<void> {
      clear(detail);
      const { invoices } = await admin<{ invoices: Invoice[] }>('GET', tenantPath(slug, `/customers/${encodeURIComponent(customer.externalId)}/invoices`));
      append(detail, h('section', { class: 'card' },
        h('h2', {}, customer.name ?? customer.externalId),
        h('dl', { class: 'facts' }, h('dt', {}, 'Id'), h('dd', {}, h('code', {}, customer.id)), h('dt', {}, 'External id'), h('dd', {}, customer.externalId),
          h('dt', {}, 'Email'), h('dd', {}, customer.email ?? '—')),
        h('h3', {}, 'Invoices'),
        table(['Number', 'Status', 'Due', 'Paid', 'Issued', 'Due date'], invoices.map((i) => [
          document.createTextNode(i.number), badge(i.status), document.createTextNode(money(i.amountDueCents, i.currency)),
          document.createTextNode(money(i.amountPaidCents, i.currency)), document.createTextNode(when(i.issuedAt)), document.createTextNode(when(i.dueAt)),
        ]), 'No invoices for this customer.')));
    }

    async function search(): Promise<void> {
      const text = query.value.trim();
      const byEmail = text.includes('@');
      const { customers } = await admin<{ customers: Customer[] }>('GET', tenantPath(slug, `/customers${byEmail ? `?email=${encodeURIComponent(text)}` : ''}`));
      const found = byEmail || text === '' ? customers : customers.filter((c) => c.externalId === text);
      clear(results);
      clear(detail);
      append(results, table(['Name', 'External id', 'Email', ''], found.map((c) => [
        document.createTextNode(c.name ?? '—'), h('code', {}, c.externalId), document.createTextNode(c.email ?? '—'),
        h('button', { type: 'button', onclick: () => void open(c).catch((error) => context.notify(describe(error), 'error')) }, 'Details'),
      ]), text ? 'No customer matches.' : 'No customers yet: they appear on their first bridge-token exchange or magic-link sign-up.'));
    }
    const form = h('form', { class: 'card form row-form' }, field('Email or external id', query), h('button', { type: 'submit', class: 'primary' }, 'Search'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void search().catch((error) => context.notify(describe(error), 'error'));
    });
    append(root, form, results, detail);
    void search().catch((error) => context.notify(describe(error), 'error'));
  },
};
