/**
 * The subscribe button: one offering's plan. "Subscribe" starts the engine's checkout (and goes where it answers) or,
 * in `event` mode, only tells the page; a customer who already has the plan sees a disabled "Subscribed".
 */
import type { WidgetContext } from './context.js';
import { explain, warn } from './diagnostics.js';
import { applyBrandColor, emit, h, liveRegion, safeUrl } from './dom.js';
import { ApiError, callApi, codeOf } from './http.js';
import type { Session } from './session.js';
import { loadConfig } from './tenant-config.js';
import type { CheckoutAnswer, SubscriptionsAnswer, WireRatePlan } from './wire.js';

const WIDGET = 'subscribe-button';

export function mountSubscribeButton(ctx: WidgetContext, session: Session, bridgeToken: string | null): void {
  const { host, root, t } = ctx;
  const offeringId = ctx.option('offering-id') ?? '';
  const ratePlanId = ctx.option('rate-plan-id') ?? '';
  const mode = ctx.option('mode') === 'event' ? 'event' : 'redirect';
  if (ctx.option('mode') !== null && ctx.option('mode') !== 'event' && ctx.option('mode') !== 'redirect') {
    warn(`${WIDGET}: data-aforo-mode "${ctx.option('mode')}" is not redirect or event; using redirect`);
  }
  const status = liveRegion();
  const button = h('button', { type: 'button', class: 'cta', disabled: '' }, t.subscribe);
  root.replaceChildren(h('section', { class: 'w' }, button, status));
  // Set before any await on click: a second click while one checkout is under way starts nothing.
  let busy = true;
  let plan: WireRatePlan | null = null;

  const done = (): void => {
    busy = true;
    button.textContent = t.subscribed;
    button.setAttribute('disabled', '');
  };
  const fail = (error: unknown): void => {
    if (ctx.signal.aborted) return;
    status.textContent = t.subscribeDown;
    status.classList.add('error');
    emit(host, WIDGET, 'error', { code: codeOf(error) });
    void explain(error, ctx.target, WIDGET);
  };

  async function load(): Promise<void> {
    if (!offeringId || !ratePlanId) {
      warn(`${WIDGET}: data-aforo-offering-id and data-aforo-rate-plan-id are both required`);
      status.textContent = t.broken;
      emit(host, WIDGET, 'error', { code: 'invalid_config' });
      return;
    }
    const config = await loadConfig(ctx.target);
    // Unmounted meanwhile: this mount no longer owns the shadow root (a fresh mount may already render into it).
    if (ctx.signal.aborted) return;
    applyBrandColor(host, config.tenant.branding?.primaryColor);
    plan = config.offerings.find((o) => o.id === offeringId)?.ratePlans.find((p) => p.id === ratePlanId) ?? null;
    if (!plan) {
      warn(`${WIDGET}: no PUBLISHED offering "${offeringId}" with rate plan "${ratePlanId}"`);
      status.textContent = t.noPlans;
      emit(host, WIDGET, 'error', { code: 'not_found' });
      return;
    }
    const jwt = await session.getSessionJwt(bridgeToken ?? undefined);
    if (ctx.signal.aborted) return;
    await check(jwt);
    if (ctx.signal.aborted) return;
    emit(host, WIDGET, 'ready');
    // A sign-in elsewhere on the page (a magic link, another widget's token) or a sign-out changes what it offers.
    const unsubscribe = session.onChange((signedIn) => {
      if (!host.isConnected || ctx.signal.aborted) return void unsubscribe();
      emit(host, WIDGET, signedIn ? 'signed-in' : 'signed-out');
      void session.getSessionJwt().then(check).catch(fail);
    });
    ctx.signal.addEventListener('abort', unsubscribe, { once: true });
  }

  /** Signed out: a disabled button and the sign-in line; signed in: "Subscribe", or "Subscribed" when held. */
  async function check(jwt: string | null): Promise<void> {
    busy = true;
    button.setAttribute('disabled', '');
    button.textContent = t.subscribe;
    status.classList.remove('error');
    if (!jwt) {
      status.textContent = t.signInSubscribe;
      return;
    }
    const { subscriptions } = await callApi<SubscriptionsAnswer>(ctx.target, 'GET', '/v1/embed/subscriptions', { jwt });
    if (ctx.signal.aborted) return;
    status.textContent = '';
    if (subscriptions.some((s) => s.offeringId === offeringId && s.ratePlanId === ratePlanId && s.status !== 'CANCELED')) {
      done();
    } else {
      busy = false;
      button.removeAttribute('disabled');
    }
  }

  button.addEventListener('click', () => {
    if (busy || !plan) return;
    busy = true;
    button.setAttribute('disabled', '');
    const detail = { offeringId, ratePlanId, priceCents: plan.amountCents, currency: plan.currency, interval: plan.interval };
    if (mode === 'event') {
      emit(host, WIDGET, 'checkout_requested', detail);
      busy = false;
      button.removeAttribute('disabled');
      return;
    }
    void (async () => {
      const jwt = await session.getSessionJwt();
      const answer = await callApi<CheckoutAnswer>(ctx.target, 'POST', '/v1/embed/checkout', { jwt, body: { offeringId, ratePlanId, returnUrl: location.href } });
      if (ctx.signal.aborted) return;
      if (answer.status === 'subscribed') {
        done();
        emit(host, WIDGET, 'subscribed', { offeringId, ratePlanId });
        return;
      }
      const url = answer.url && safeUrl(answer.url, true);
      if (!url) throw new ApiError(0, 'upstream_failed');
      // Cancelable: a page that handles the redirect itself calls preventDefault() on the event.
      if (emit(host, WIDGET, 'checkout_started', { offeringId, ratePlanId })) location.assign(url);
    })().catch((error: unknown) => {
      busy = false;
      button.removeAttribute('disabled');
      fail(error);
    });
  });

  load().catch(fail);
}
