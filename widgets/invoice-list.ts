/** The invoice list: the signed-in customer's invoices, filtered by status and paged over the engine's cursor. */
import type { WidgetContext } from './context.js';
import { mountCustomerShell, type Shell, type ShellOptions } from './customer-shell.js';
import { emit, h } from './dom.js';
import { ApiError, callApi } from './http.js';
import { fill, type Messages } from './i18n.js';
import { columns, invoiceRow } from './invoice-rows.js';
import type { InvoicesAnswer } from './wire.js';

const WIDGET = 'invoice-list';
const FILTERS = ['', 'OPEN', 'PAID', 'OVERDUE', 'VOID'] as const;
type Filter = (typeof FILTERS)[number];
const emptyText = (t: Messages, filter: Filter): string => (filter ? t[`empty${filter}`] : t.empty);

export function mountInvoiceList(ctx: WidgetContext, options: ShellOptions): void {
  const { t } = ctx;
  const title = ctx.option('title') ?? t.invoices;
  const pageSize = String(Math.min(100, Math.max(1, Number(ctx.option('page-size')) || 10)));
  const copy = { title, signIn: t.signIn, signInEmail: t.signInEmail, continueText: t.continueText, down: t.invoicesDown };
  mountCustomerShell(ctx, WIDGET, options, copy, (shell) => showList(ctx, options, shell, title, pageSize));
}

function showList(ctx: WidgetContext, { session }: ShellOptions, { body, say, fail, claim }: Shell, title: string, pageSize: string): void {
  const { host, locale, t } = ctx;
  let filter: Filter = '';
  // cursors[i] opens page i; page 0 needs none.
  let cursors: Array<string | null> = [null];
  let pageIndex = 0;
  const tbody = h('tbody');
  const table = h(
    'table',
    { hidden: '' },
    h('caption', { class: 'sr' }, title),
    h('thead', null, h('tr', null, ...columns(t).map((c, i) => h('th', { scope: 'col', class: i === 4 ? 'num' : i === 5 ? 'actions' : undefined }, c)))),
    tbody,
  );
  const prev = h('button', { type: 'button', class: 'prev' }, t.prev);
  const next = h('button', { type: 'button', class: 'next' }, t.next);
  const pageLabel = h('span', { class: 'page' });
  const pager = h('nav', { class: 'pager', 'aria-label': t.pager, hidden: '' }, prev, pageLabel, next);
  const retry = h('button', { type: 'button', class: 'retry', hidden: '' }, t.retry);
  const chips = FILTERS.map((value) => {
    const chip = h('button', { type: 'button', 'aria-pressed': String(value === filter) }, value ? t[value] : t.all);
    chip.addEventListener('click', () => {
      filter = value;
      chips.forEach((c, i) => c.setAttribute('aria-pressed', String(FILTERS[i] === filter)));
      cursors = [null];
      void load(0);
    });
    return chip;
  });
  prev.addEventListener('click', () => void load(pageIndex - 1));
  next.addEventListener('click', () => void load(pageIndex + 1));
  retry.addEventListener('click', () => void load(pageIndex));
  body.replaceChildren(h('div', { class: 'chips', role: 'group', 'aria-label': t.filter }, ...chips), table, pager, retry);

  async function load(index: number): Promise<void> {
    const fresh = claim();
    prev.disabled = next.disabled = true;
    retry.hidden = true;
    say(t.loadingInvoices);
    try {
      const jwt = await session.getSessionJwt();
      if (!jwt || !fresh()) return;
      const page = await callApi<InvoicesAnswer>(ctx.target, 'GET', '/v1/embed/invoices', {
        jwt,
        query: { status: filter || undefined, limit: pageSize, cursor: cursors[index] ?? undefined },
      });
      if (!fresh()) return;
      pageIndex = index;
      cursors = cursors.slice(0, index + 1);
      if (page.nextCursor) cursors.push(page.nextCursor);
      tbody.replaceChildren(...page.invoices.map((invoice) => invoiceRow(invoice, t, locale)));
      const count = page.invoices.length;
      table.hidden = count === 0;
      pager.hidden = index === 0 && !page.nextCursor;
      prev.disabled = index === 0;
      next.disabled = !page.nextCursor;
      pageLabel.textContent = fill(t.page, { n: index + 1 });
      say(count ? '' : emptyText(t, filter));
      emit(host, WIDGET, index === 0 ? 'ready' : 'page', index === 0 ? { invoices: count } : { page: index + 1, invoices: count });
    } catch (error) {
      if (!fresh()) return;
      if (error instanceof ApiError && error.status === 401) return session.end();
      // The session proves the set-up worked; a failure now is the network or the engine, which "Try again" covers.
      fail(t.loadFailed, error, false);
      retry.hidden = false;
      prev.disabled = pageIndex === 0;
      next.disabled = cursors.length <= pageIndex + 1;
    }
  }
  void load(0);
}
