/**
 * The usage meter: for one subscription of the signed-in customer, each metered feature's use against what the plan
 * includes, the overage so far in the subscription's currency, and the period; refreshed every
 * `data-aforo-poll-seconds` while the page is visible, and once more when it becomes visible again.
 */
import type { WidgetContext } from './context.js';
import { warn } from './diagnostics.js';
import { applyBrandColor, emit, h, liveRegion } from './dom.js';
import { formatDate, formatMoney } from './format.js';
import { ApiError, callApi, codeOf } from './http.js';
import { fill, type Messages } from './i18n.js';
import type { Session } from './session.js';
import { gateSession } from './sign-in-gate.js';
import { loadConfig } from './tenant-config.js';
import type { SubscriptionsAnswer, UsageAnswer, WireUsage } from './wire.js';

const WIDGET = 'usage-meter';
/** Seconds between polls when `data-aforo-poll-seconds` is absent or 0, and the range it is held to. */
export const POLL_DEFAULT = 60;
export const POLL_MIN = 15;
export const POLL_MAX = 86400;

export interface UsageMeterOptions {
  session: Session;
  bridgeToken: string | null;
  magicLink: boolean;
}

/** `data-aforo-poll-seconds` as a delay: absent or 0 is the default; outside the range it is moved into it, with a warning. */
export function pollSeconds(value: string | null): number {
  const seconds = value?.trim() ? Number(value) : 0;
  // Also keeps setTimeout from an Infinity, which it would run at once, over and over.
  const used = !(seconds > 0) ? POLL_DEFAULT : Math.min(POLL_MAX, Math.max(POLL_MIN, seconds));
  if (seconds !== 0 && used !== seconds) {
    warn(`${WIDGET}: data-aforo-poll-seconds="${value}" is not a number of seconds from ${POLL_MIN} to ${POLL_MAX}; polling every ${used} s`);
  }
  return used;
}

function period(start: string, end: string, locale: string | undefined): string {
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).formatRange(new Date(start), new Date(end));
  } catch {
    return `${formatDate(start, locale)} – ${formatDate(end, locale)}`;
  }
}

function meterRow(u: WireUsage, currency: string, t: Messages, locale: string | undefined): HTMLLIElement {
  const count = (n: number): string => new Intl.NumberFormat(locale).format(n);
  const over = u.included !== null && u.used > u.included;
  const text = u.included === null ? fill(t.usedOnly, { used: count(u.used) }) : fill(t.usedOf, { used: count(u.used), included: count(u.included) });
  const max = u.included || 1;
  const amount = formatMoney(u.overageCents, currency, locale);
  return h(
    'li',
    { class: over ? 'meter over' : 'meter' },
    h('div', { class: 'mrow' }, h('span', { class: 'feature' }, u.feature), h('span', { class: 'num' }, text)),
    // A feature without an included quantity has no bar to fill: the number alone says it all.
    u.included !== null && h('progress', { max: String(max), value: String(over ? max : u.used), 'aria-label': u.feature, 'aria-valuetext': text }),
    // Overage billed without an included quantity (a pure pay-as-you-go feature) has no "over by" to state.
    (over || u.overageCents > 0) && h('p', { class: 'overby' }, over
      ? fill(t.overBy, { n: count(u.used - (u.included ?? 0)), amount })
      : fill(t.overage, { amount })),
  );
}

export function mountUsageMeter(ctx: WidgetContext, { session, bridgeToken, magicLink }: UsageMeterOptions): void {
  const { host, locale } = ctx;
  const t: Messages = { ...ctx.t, signIn: ctx.t.signInUsage, signInEmail: ctx.t.signInUsageEmail, continueText: ctx.t.continueUsage };
  const id = ctx.option('subscription-id') ?? '';
  const every = pollSeconds(ctx.option('poll-seconds')) * 1000;
  const title = ctx.option('title') ?? t.usage;
  const status = liveRegion();
  const when = h('p', { class: 'period', hidden: '' });
  const list = h('ul', { class: 'meters' });
  const total = h('p', { class: 'total' });
  const retry = h('button', { type: 'button', class: 'retry', hidden: '' }, t.retry);
  const body = h('div');
  const signOut = h('button', { type: 'button', class: 'link', hidden: '' }, t.signOut);
  ctx.root.replaceChildren(h('section', { class: 'w', 'aria-label': title }, h('header', { class: 'head' }, h('h2', null, title), signOut), when, status, body, retry));
  loadConfig(ctx.target).then((config) => applyBrandColor(host, config.tenant.branding?.primaryColor), () => undefined);

  let currency = '';
  let fallback: [string, string] = ['', ''];
  // What each shown row was drawn from: an unchanged poll touches nothing, so nothing is announced again.
  let shown: string[] | null = null;
  let ready = false;
  let live = false;
  // Bumped by every load and by sign-out, so a late answer never renders into a newer view.
  let view = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const say = (text: string, isError = false): void => {
    if (status.textContent !== text) status.textContent = text;
    status.classList.toggle('error', isError);
  };
  const set = (node: HTMLElement, text: string): void => {
    if (node.textContent !== text) node.textContent = text;
  };
  // A host taken out of the page (a single-page app's view change) stops polling as an unmounted one does.
  const polling = (): boolean => live && host.isConnected && !ctx.signal.aborted;
  const next = (): void => {
    clearTimeout(timer);
    if (polling() && document.visibilityState !== 'hidden') timer = setTimeout(() => void (polling() && load()), every);
  };

  function render(usage: WireUsage[]): void {
    const [start, end] = usage[0] ? [usage[0].periodStart, usage[0].periodEnd] : fallback;
    set(when, fill(t.period, { range: period(start, end, locale) }));
    when.hidden = false;
    if (body.firstChild !== list) body.replaceChildren(list, total);
    const keys = usage.map((u) => JSON.stringify(u));
    const rows = usage.map((u) => meterRow(u, currency, t, locale));
    if (shown && shown.length === keys.length) keys.forEach((key, i) => key !== shown?.[i] && list.children[i]?.replaceWith(rows[i]));
    else list.replaceChildren(...rows);
    // Live only after the first drawing: the rows a later poll changes are read out, the first full list is not.
    if (shown) list.setAttribute('aria-live', 'polite');
    shown = keys;
    total.hidden = usage.length === 0;
    set(total, fill(t.overage, { amount: formatMoney(usage.reduce((sum, u) => sum + u.overageCents, 0), currency, locale) }));
    say(usage.length ? '' : t.usageEmpty);
  }

  async function load(): Promise<void> {
    const mine = ++view;
    clearTimeout(timer);
    try {
      const jwt = await session.getSessionJwt();
      if (!jwt || mine !== view) return;
      if (!currency) {
        const { subscriptions } = await callApi<SubscriptionsAnswer>(ctx.target, 'GET', '/v1/embed/subscriptions', { jwt });
        const mineSub = subscriptions.find((s) => s.id === id);
        if (!mineSub) throw new ApiError(404, 'not_found');
        currency = mineSub.currency;
        fallback = [mineSub.currentPeriodStart, mineSub.currentPeriodEnd];
      }
      const { usage } = await callApi<UsageAnswer>(ctx.target, 'GET', `/v1/embed/subscriptions/${encodeURIComponent(id)}/usage`, { jwt });
      if (mine !== view) return;
      retry.hidden = true;
      render(usage);
      emit(host, WIDGET, ready ? 'updated' : 'ready', { features: usage.length });
      ready = true;
      next();
    } catch (error) {
      if (mine !== view) return;
      if (error instanceof ApiError && error.status === 401) return session.end();
      emit(host, WIDGET, 'error', { code: codeOf(error) });
      if (error instanceof ApiError && error.status === 404) {
        // Unknown, or another customer's: the engine answers both alike, and nothing of it is shown.
        live = false;
        when.hidden = true;
        body.replaceChildren();
        say(t.usageMissing, true);
        warn(`${WIDGET}: the signed-in customer has no subscription "${id}"; GET {prefix}/v1/embed/subscriptions lists theirs`);
        return;
      }
      // The last good numbers stay; polling goes on, so a passing outage heals itself, and "Try again" is at hand.
      say(t.usageFailed, true);
      retry.hidden = false;
      next();
    }
  }

  if (!id) {
    warn(`${WIDGET}: data-aforo-subscription-id is required`);
    say(t.broken, true);
    emit(host, WIDGET, 'error', { code: 'invalid_config' });
    return;
  }
  retry.addEventListener('click', () => {
    say(t.loadingUsage);
    void load();
  });
  signOut.addEventListener('click', () => void session.destroy());
  document.addEventListener('visibilitychange', () => (document.visibilityState === 'hidden' ? clearTimeout(timer) : polling() && void load()), { signal: ctx.signal });
  ctx.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  say(t.loadingUsage);
  gateSession(ctx, {
    widget: WIDGET, session, bridgeToken, magicLink, body, t, say, down: t.usageFailed,
    signedIn: () => {
      live = true;
      // Magic-link sessions have no portal sign-out of their own; bridge sessions end with the portal's.
      signOut.hidden = !magicLink;
      say(t.loadingUsage);
      void load();
    },
    signedOut: () => {
      live = false;
      view++;
      clearTimeout(timer);
      signOut.hidden = when.hidden = retry.hidden = true;
      shown = null;
      // The next customer to sign in on this page is asked afresh whose subscription this is.
      currency = '';
      list.removeAttribute('aria-live');
    },
  });
}
