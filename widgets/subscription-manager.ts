/**
 * The subscription manager: the signed-in customer's subscriptions with status, next date and price, and the three
 * actions of SPEC section 10 — change plan (among the offering's PUBLISHED plans) and cancel at period end, each after
 * a confirmation step, and resume for one that is set to cancel.
 */
import type { WidgetContext } from './context.js';
import { mountCustomerShell, type Shell, type ShellOptions } from './customer-shell.js';
import { warn } from './diagnostics.js';
import { emit, h, liveRegion } from './dom.js';
import { formatDate, formatMoney } from './format.js';
import { ApiError, callApi, codeOf } from './http.js';
import { fill, type Messages } from './i18n.js';
import { loadConfig } from './tenant-config.js';
import type { SubscriptionActionAnswer, SubscriptionsAnswer, WireOffering, WireRatePlan, WireSubscription } from './wire.js';

const WIDGET = 'subscription-manager';
/** `data-aforo-default-status`: `active` is every subscription not CANCELED, including one set to cancel. */
const FILTERS = ['all', 'active', 'canceled'] as const;
type Filter = (typeof FILTERS)[number];
type Action = 'cancel' | 'resume' | 'change-plan';

const shows = (filter: Filter, s: WireSubscription): boolean => filter === 'all' || (filter === 'canceled') === (s.status === 'CANCELED');
const per = (t: Messages, interval: WireRatePlan['interval']): string => (interval === 'month' ? t.perMonth : interval === 'year' ? t.perYear : t.oneTime);

/** Mounts `data-aforo-widget="subscription-manager"` in bridge-token or magic-link mode. */
export function mountSubscriptionManager(ctx: WidgetContext, options: ShellOptions): void {
  const { t } = ctx;
  const asked = ctx.option('default-status');
  const initial = FILTERS.find((f) => f === asked);
  if (asked !== null && !initial) warn(`${WIDGET}: data-aforo-default-status "${asked}" is not all, active or canceled; using active`);
  const copy = { title: ctx.option('title') ?? t.subscriptions, signIn: t.signInSubs, signInEmail: t.signInEmailSubs, continueText: t.continueSubs, down: t.subsDown };
  mountCustomerShell(ctx, WIDGET, options, copy, (shell) => showList(ctx, options, shell, initial ?? 'active'));
}

function showList(ctx: WidgetContext, { session }: ShellOptions, shell: Shell, initial: Filter): void {
  const { host, locale, t } = ctx;
  let filter = initial;
  let subscriptions: WireSubscription[] = [];
  let offerings: WireOffering[] = [];
  // Ids inside this shadow root only: a counter, since a subscription id may hold any character.
  let cards = 0;
  const list = h('ul', { class: 'sm-list' });
  const retry = h('button', { type: 'button', class: 'retry', hidden: '' }, t.retry);
  const labels: Record<Filter, string> = { all: t.subsAll, active: t.ACTIVE, canceled: t.CANCELED };
  const chips = FILTERS.map((value) => {
    const chip = h('button', { type: 'button', 'aria-pressed': String(value === filter) }, labels[value]);
    chip.addEventListener('click', () => {
      filter = value;
      chips.forEach((c, i) => c.setAttribute('aria-pressed', String(FILTERS[i] === filter)));
      render();
    });
    return chip;
  });
  retry.addEventListener('click', () => void load());
  // The filter appears once there is something to filter.
  const filters = h('div', { class: 'chips', role: 'group', 'aria-label': t.filter, hidden: '' }, ...chips);
  shell.body.replaceChildren(filters, list, retry);

  const money = (cents: number, currency: string): string => formatMoney(cents, currency, locale);
  const offeringOf = (s: WireSubscription): WireOffering | undefined => offerings.find((o) => o.id === s.offeringId);
  const nameOf = (s: WireSubscription): string => offeringOf(s)?.name ?? s.offeringId;

  function render(): void {
    const shown = subscriptions.filter((s) => shows(filter, s));
    list.replaceChildren(...shown.map(card));
    list.hidden = shown.length === 0;
    filters.hidden = subscriptions.length === 0;
    shell.say(shown.length ? '' : filter === 'all' ? t.noSubs : filter === 'active' ? t.noSubsActive : t.noSubsCanceled);
  }

  async function load(): Promise<void> {
    const fresh = shell.claim();
    retry.hidden = filters.hidden = list.hidden = true;
    shell.say(t.loadingSubs);
    try {
      const jwt = await session.getSessionJwt();
      if (!jwt || !fresh()) return;
      const [config, answer] = await Promise.all([loadConfig(ctx.target), callApi<SubscriptionsAnswer>(ctx.target, 'GET', '/v1/embed/subscriptions', { jwt })]);
      if (!fresh()) return;
      offerings = config.offerings;
      // Running ones first, the next date first among them; ended ones last.
      subscriptions = answer.subscriptions.sort((a, b) => Number(a.status === 'CANCELED') - Number(b.status === 'CANCELED') || a.currentPeriodEnd.localeCompare(b.currentPeriodEnd));
      render();
      emit(host, WIDGET, 'ready', { subscriptions: subscriptions.length });
    } catch (error) {
      if (!fresh()) return;
      if (error instanceof ApiError && error.status === 401) return session.end();
      // The session proves the set-up worked; a failure now is the network or the engine, which "Try again" covers.
      shell.fail(t.subsFailed, error, false);
      retry.hidden = false;
    }
  }

  function card(initialState: WireSubscription): HTMLLIElement {
    // The item and its live region stay in the page across actions, so what an action says is read out.
    let s = initialState;
    // Set before any await: a second click on a confirm button while its request runs sends nothing.
    let busy = false;
    const headingId = `aforo-sub-${++cards}`;
    const content = h('div', { class: 'sm-body' });
    const note = liveRegion();
    const item = h('li', { class: 'sm-item', 'data-subscription-id': s.id }, content, note);
    const button = (label: string, onClick: () => void, primary = false): HTMLButtonElement => {
      const b = h('button', { type: 'button', class: primary ? 'primary' : undefined, 'aria-describedby': headingId }, label);
      b.addEventListener('click', onClick);
      return b;
    };
    const planOf = (): WireRatePlan | undefined => offeringOf(s)?.ratePlans.find((p) => p.id === s.ratePlanId);
    const running = (): boolean => s.status !== 'CANCELED';
    const actions = (...buttons: HTMLButtonElement[]): HTMLElement => h('div', { class: 'sm-actions' }, ...buttons);

    function summary(): void {
      const name = nameOf(s);
      const others = (offeringOf(s)?.ratePlans ?? []).filter((p) => p.id !== s.ratePlanId && p.interval !== 'one_time');
      const when = !running() ? t.ended : s.cancelAtPeriodEnd ? t.ends : s.status === 'TRIALING' ? t.trialEnds : t.renews;
      const buttons = !running() ? [] : s.cancelAtPeriodEnd ? [button(t.resume, () => void act('resume'), true)]
        : [...(others.length ? [button(t.changePlan, () => choosePlan(others))] : []), button(t.cancel, confirmCancel)];
      content.replaceChildren(
        h('div', { class: 'sm-top' },
          h('h3', { id: headingId, tabindex: '-1' }, name),
          h('span', { class: 'sm-pills' },
            h('span', { class: `pill ${s.status}` }, t[s.status]),
            s.cancelAtPeriodEnd && running() && h('span', { class: 'pill ENDING' }, t.ending))),
        h('p', { class: 'sm-meta' },
          planOf() && h('span', null, planOf()?.name),
          h('span', null, h('span', { class: 'money' }, money(s.amountCents, s.currency)), ' ', per(t, s.interval)),
          h('span', null, fill(when, { date: formatDate(s.currentPeriodEnd, locale) }))),
        ...(buttons.length ? [actions(...buttons)] : []),
      );
    }

    // Leaving a step puts focus back on the button that opened it.
    const back = (label: string, opener: string): HTMLButtonElement => button(label, () => {
      note.textContent = '';
      summary();
      [...content.querySelectorAll('button')].find((b) => b.textContent === opener)?.focus();
    });
    const confirmStep = (parts: Node[], leave: HTMLButtonElement, focus: HTMLElement): void => {
      const step = h('div', { class: 'confirm', role: 'group', 'aria-labelledby': headingId }, ...parts);
      step.addEventListener('keydown', (event) => {
        if (event.key === 'Escape' && !busy) leave.click();
      });
      content.querySelector('.sm-actions')?.remove();
      content.append(step);
      focus.focus();
    };

    function confirmCancel(): void {
      const yes = button(t.cancelYes, () => void act('cancel'), true);
      const text = fill(t.cancelAsk, { name: nameOf(s), date: formatDate(s.currentPeriodEnd, locale) });
      const keep = back(t.keep, t.cancel);
      // The question is read with either button; focus starts on the one that changes nothing.
      const ask = h('p', { id: `${headingId}-ask` }, text);
      yes.setAttribute('aria-describedby', ask.id);
      keep.setAttribute('aria-describedby', ask.id);
      confirmStep([ask, actions(yes, keep)], keep, keep);
    }

    function choosePlan(others: WireRatePlan[]): void {
      const group = `aforo-plan-${headingId}`;
      const confirm = button(t.confirmChange, () => {
        const picked = content.querySelector<HTMLInputElement>('input:checked');
        if (picked) void act('change-plan', picked.value);
      }, true);
      confirm.disabled = true;
      const radios = others.map((p) => {
        const input = h('input', { type: 'radio', name: group, value: p.id });
        input.addEventListener('change', () => (confirm.disabled = false));
        return h('label', { class: 'sm-option' }, input, h('span', null, p.name), h('span', { class: 'money' }, `${money(p.amountCents, p.currency)} ${per(t, p.interval)}`));
      });
      const legend = h('legend', null, fill(t.choosePlan, { name: nameOf(s) }));
      const leave = back(t.back, t.changePlan);
      confirmStep([h('fieldset', null, legend, ...radios), actions(confirm, leave)], leave, radios[0].querySelector('input') as HTMLElement);
    }

    async function act(action: Action, ratePlanId?: string): Promise<void> {
      if (busy) return;
      busy = true;
      const controls = content.querySelectorAll<HTMLButtonElement | HTMLInputElement>('button, input');
      controls.forEach((c) => (c.disabled = true));
      note.textContent = '';
      note.classList.remove('error');
      try {
        const jwt = await session.getSessionJwt();
        if (!jwt) return;
        const path = `/v1/embed/subscriptions/${encodeURIComponent(s.id)}/${action}`;
        const { subscription } = await callApi<SubscriptionActionAnswer>(ctx.target, 'POST', path, { jwt, body: action === 'change-plan' ? { ratePlanId } : {} });
        if (ctx.signal.aborted) return;
        s = subscription;
        subscriptions = subscriptions.map((x) => (x.id === s.id ? s : x));
        summary();
        const done = action === 'cancel' ? t.canceledDone : action === 'resume' ? t.resumedDone : t.changedDone;
        note.textContent = fill(done, { name: nameOf(s), date: formatDate(s.currentPeriodEnd, locale), plan: planOf()?.name ?? s.ratePlanId });
        content.querySelector<HTMLElement>('h3')?.focus();
        const event = action === 'cancel' ? 'canceled' : action === 'resume' ? 'resumed' : 'plan_changed';
        emit(host, WIDGET, event, action === 'change-plan' ? { subscriptionId: s.id, ratePlanId: s.ratePlanId } : { subscriptionId: s.id });
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return session.end();
        // Still on the confirmation step: the customer can try again or go back.
        controls.forEach((c) => (c.disabled = false));
        note.textContent = t.actionFailed;
        note.classList.add('error');
        emit(host, WIDGET, 'error', { code: codeOf(error) });
      } finally {
        busy = false;
      }
    }

    summary();
    return item;
  }

  void load();
}
