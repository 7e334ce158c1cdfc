/** The invoice list: the signed-in customer's invoices, filtered by status and paged by cursor. */
import type { WidgetContext } from './context.js';
import { applyBrandColor, emit, h, liveRegion, safeUrl } from './dom.js';
import { formatDate, formatMoney } from './format.js';
import { ApiError, callApi } from './http.js';
import { continueButton, magicLinkForm } from './magic-link-form.js';
import { hasVerifier, pendingMagicToken } from './magic-token.js';
import type { Session } from './session.js';
import { loadConfig } from './tenant-config.js';
import type { InvoicesAnswer, WireInvoice } from './wire.js';

const WIDGET = 'invoice-list';
const FILTERS: [string, string][] = [['All', ''], ['Open', 'OPEN'], ['Paid', 'PAID'], ['Overdue', 'OVERDUE'], ['Void', 'VOID']];
const STATUS: Record<string, string> = { DRAFT: 'Draft', OPEN: 'Open', PAID: 'Paid', OVERDUE: 'Overdue', VOID: 'Void' };
const codeOf = (error: unknown): string => (error instanceof ApiError ? error.code : 'internal');

export interface InvoiceListOptions {
  session: Session;
  bridgeToken: string | null;
  magicLink: boolean;
}

export function mountInvoiceList(ctx: WidgetContext, { session, bridgeToken, magicLink }: InvoiceListOptions): void {
  const { host, locale } = ctx;
  const status = liveRegion();
  const body = h('div');
  ctx.root.replaceChildren(h('section', { 'aria-label': 'Invoices' }, h('h2', null, ctx.option('title') ?? 'Invoices'), status, body));
  const pageSize = String(Math.min(100, Math.max(1, Number(ctx.option('page-size')) || 10)));
  let signedIn = false;
  loadConfig(ctx.target).then((config) => applyBrandColor(host, config.tenant.branding?.primaryColor), () => undefined);
  // Bumped on every new load and on sign-out, so a late answer never renders into a newer view.
  let view = 0;

  const say = (text: string, isError = false): void => {
    status.textContent = text;
    status.classList.toggle('error', isError);
  };
  const fail = (text: string, code: string): void => {
    say(text, true);
    emit(host, WIDGET, 'error', { code });
  };

  const exchangeLink = (token: string): void => {
    say('Signing you in…');
    session.exchangeMagicLink(token).catch((error: unknown) => {
      fail('This sign-in link is invalid or has expired. Ask for a new one below.', codeOf(error));
      body.replaceChildren(form());
    });
  };

  const form = (): HTMLFormElement =>
    magicLinkForm(session, {
      onSent() {
        body.replaceChildren(h('p', null, 'We sent you a sign-in link. Open it in this browser to continue.'));
        say('Check your inbox.');
        emit(host, WIDGET, 'magic-link-sent');
      },
      onError: (code) => fail('The sign-in link could not be sent. Try again.', code),
    });

  function showSignedOut(): void {
    view++;
    const token = magicLink ? pendingMagicToken() : null;
    if (token && hasVerifier()) {
      body.replaceChildren();
      exchangeLink(token);
    } else if (token) {
      body.replaceChildren(continueButton(() => exchangeLink(token)));
      say('');
    } else if (magicLink) {
      body.replaceChildren(form());
      say('Sign in with your email to see your invoices.');
    } else {
      body.replaceChildren();
      say('Sign in to see your invoices.');
    }
  }

  function showList(): void {
    let filter = '';
    let cursor: string | null = null;
    const tbody = h('tbody');
    const table = h(
      'table',
      { hidden: '' },
      h('caption', { class: 'sr' }, 'Invoices'),
      h('thead', null, h('tr', null, ...['Invoice', 'Issued', 'Due', 'Status', 'Amount', 'Documents'].map((t) => h('th', { scope: 'col', class: t === 'Amount' ? 'num' : undefined }, t)))),
      tbody,
    );
    const more = h('button', { type: 'button', class: 'more', hidden: '' }, 'Load more');
    const chips = FILTERS.map(([label, value]) => {
      const chip = h('button', { type: 'button', 'aria-pressed': String(value === filter) }, label);
      chip.addEventListener('click', () => {
        filter = value;
        chips.forEach((c, i) => c.setAttribute('aria-pressed', String(FILTERS[i][1] === filter)));
        void load(true);
      });
      return chip;
    });
    let retryReset = true;
    more.addEventListener('click', () => void load(retryReset));
    // Magic-link sessions have no portal sign-out of their own; bridge sessions end with the portal's.
    const signOut = magicLink ? h('button', { type: 'button' }, 'Sign out') : null;
    signOut?.addEventListener('click', () => void session.destroy());
    body.replaceChildren(h('div', { class: 'chips', role: 'group', 'aria-label': 'Filter by status' }, ...chips), table, more);
    if (signOut) body.append(signOut);

    async function load(reset: boolean): Promise<void> {
      const mine = ++view;
      if (reset) cursor = null;
      more.disabled = true;
      say('Loading invoices…');
      try {
        const jwt = await session.getSessionJwt();
        if (!jwt || mine !== view) return;
        const page = await callApi<InvoicesAnswer>(ctx.target, 'GET', '/v1/embed/invoices', {
          jwt,
          query: { status: filter || undefined, limit: pageSize, cursor: cursor ?? undefined },
        });
        if (mine !== view) return;
        if (reset) tbody.replaceChildren();
        tbody.append(...page.invoices.map((invoice) => row(invoice, locale)));
        cursor = page.nextCursor ?? null;
        const count = tbody.rows.length;
        table.hidden = count === 0;
        more.hidden = !cursor;
        more.disabled = false;
        more.textContent = 'Load more';
        retryReset = false;
        say(count ? `${count} ${count === 1 ? 'invoice' : 'invoices'} shown` : 'No invoices yet.');
        if (reset) emit(host, WIDGET, 'ready', { invoices: count });
      } catch (error) {
        if (mine !== view) return;
        if (error instanceof ApiError && error.status === 401) return session.end();
        fail('Invoices could not be loaded.', codeOf(error));
        retryReset = reset;
        more.textContent = 'Try again';
        more.hidden = false;
        more.disabled = false;
      }
    }
    void load(true);
  }

  const unsubscribe = session.onChange((nowSignedIn) => {
    if (!host.isConnected) return void unsubscribe();
    if (nowSignedIn === signedIn) return;
    signedIn = nowSignedIn;
    emit(host, WIDGET, nowSignedIn ? 'signed-in' : 'signed-out');
    if (nowSignedIn) showList();
    else showSignedOut();
  });

  say('Loading…');
  // A magic-link page with no link to redeem first tries to resume this browser's session (SPEC section 9).
  const start = magicLink && !bridgeToken && !pendingMagicToken() ? session.resume() : session.getSessionJwt(bridgeToken ?? undefined);
  start.then(
    (jwt) => {
      if (signedIn) return;
      if (jwt) {
        signedIn = true;
        showList();
      } else showSignedOut();
    },
    (error: unknown) => {
      if (!signedIn) fail('We could not sign you in. Reload the page to try again.', codeOf(error));
    },
  );
}

function row(invoice: WireInvoice, locale: string | undefined): HTMLTableRowElement {
  const link = (url: string | null | undefined, label: string): HTMLAnchorElement | null => {
    const href = safeUrl(url);
    return href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer', 'aria-label': `${label} of invoice ${invoice.number}` }, label) : null;
  };
  const known = STATUS[invoice.status];
  return h(
    'tr',
    { 'data-invoice-id': invoice.id },
    h('th', { scope: 'row' }, invoice.number),
    h('td', null, formatDate(invoice.issuedAt, locale)),
    h('td', null, formatDate(invoice.dueAt, locale)),
    h('td', null, h('span', { class: known ? `pill ${invoice.status}` : 'pill' }, known ?? invoice.status)),
    h('td', { class: 'num' }, formatMoney(invoice.amountDueCents, invoice.currency, locale)),
    h('td', null, link(invoice.pdfUrl, 'PDF'), link(invoice.hostedUrl, 'View')),
  );
}
