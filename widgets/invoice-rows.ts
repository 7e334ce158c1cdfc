/** One invoice as a table row that turns into a stacked card on a narrow widget (see the container query in styles.ts). */
import { h, safeUrl } from './dom.js';
import { formatDate, formatMoney } from './format.js';
import { fill, type Messages } from './i18n.js';
import type { WireInvoice } from './wire.js';

const KNOWN = ['DRAFT', 'OPEN', 'PAID', 'OVERDUE', 'VOID'] as const;
type Known = (typeof KNOWN)[number];
const isKnown = (status: string): status is Known => (KNOWN as readonly string[]).includes(status);

export function columns(t: Messages): string[] {
  return [t.colInvoice, t.colIssued, t.colDue, t.colStatus, t.colAmount, t.colActions];
}

export function invoiceRow(invoice: WireInvoice, t: Messages, locale: string | undefined): HTMLTableRowElement {
  const [, issued, due, status, amount, actions] = columns(t);
  const link = (url: string | null | undefined, label: string, kind: string): HTMLAnchorElement | null => {
    // https only: a payment page or a PDF over plain http could be rewritten on the way.
    const href = safeUrl(url);
    return href ? h('a', { href, class: kind, target: '_blank', rel: 'noopener noreferrer', 'aria-label': `${label}: ${invoice.number}` }, label) : null;
  };
  const payable = invoice.status === 'OPEN' || invoice.status === 'OVERDUE';
  const paid = invoice.status === 'PAID';
  const money = (cents: number): string => formatMoney(cents, invoice.currency, locale);
  // What the customer owes, and for a paid invoice what was paid (a paid invoice often has nothing left due).
  const main = paid ? money(invoice.amountPaidCents || invoice.amountDueCents) : money(invoice.amountDueCents);
  const partly = !paid && invoice.amountPaidCents > 0 ? fill(t.paidAmount, { amount: money(invoice.amountPaidCents) }) : null;
  const label = isKnown(invoice.status) ? t[invoice.status] : invoice.status;
  return h(
    'tr',
    { 'data-invoice-id': invoice.id },
    h('th', { scope: 'row', class: 'number' }, invoice.number),
    h('td', { 'data-label': issued, class: 'date' }, formatDate(invoice.issuedAt, locale)),
    h('td', { 'data-label': due, class: 'date' }, formatDate(invoice.dueAt, locale)),
    h('td', { 'data-label': status }, h('span', { class: isKnown(invoice.status) ? `pill ${invoice.status}` : 'pill' }, label)),
    h('td', { 'data-label': amount, class: 'num' }, h('span', { class: 'money' }, main), partly && h('span', { class: 'sub' }, partly)),
    h('td', { 'data-label': actions, class: 'actions' },
      payable ? link(invoice.hostedUrl, t.pay, 'pay') : link(invoice.hostedUrl, t.view, 'view'),
      link(invoice.pdfUrl, t.pdf, 'pdf')),
  );
}
