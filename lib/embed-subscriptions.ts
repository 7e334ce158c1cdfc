import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { createHash } from 'node:crypto';
import type { SubscriptionData, UsageData } from './config.js';
import type { Engine } from './engine.js';
import { sessionFor, type EmbedCall, type EmbedScope } from './embed-api.js';
import { BridgeError, loggableError } from './errors.js';
import { checkReturnUrl } from './magic-link.js';
import {
  CheckoutAnswer, SubscriptionAnswer, UsageItemAnswer,
  type PublicSubscription, type PublicUsage, type SubscriptionActionAnswer, type SubscriptionsAnswer, type UsageAnswer,
} from './schemas.js';
import type { ActiveSession } from './sessions.js';
import type { Subscription, UsageRecord } from './types.js';
import { isLoopbackHost } from './origin.js';
import { isCleanString } from './validate.js';

/** A widget call on the signed-in customer's subscriptions. */
export type SubscriptionCall = EmbedCall & { sessionJwt: unknown };
type Scoped = { scope: EmbedScope; active: ActiveSession };

const WINDOW_MS = 60_000;

/** The session of the call, counted against its per-session limit (SPEC section 10: rate-limited per session). */
async function limitedSession(engine: Engine, call: SubscriptionCall): Promise<Scoped> {
  const scoped = await sessionFor(engine, call, call.sessionJwt);
  const now = engine.now();
  const hit = await engine.ipLimit.hit(`session:${scoped.active.session.sid}`, WINDOW_MS, engine.config.sessionRateLimit, now);
  if (hit.count > engine.config.sessionRateLimit) {
    const retryAfter = Math.max(1, Math.ceil((hit.resetAt.getTime() - now.getTime()) / 1000));
    throw new BridgeError('rate_limited', 'too many requests; try again later', { retryAfter });
  }
  return scoped;
}

function subscriptionId(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 100 || !isCleanString(value)) {
    throw new BridgeError('invalid_request', 'the subscription id must be 1-100 characters of well-formed text');
  }
  return value;
}

const notFound = (): BridgeError => new BridgeError('not_found', 'no such subscription');

// The answer schemas say `format: 'date-time'` for the OpenAPI document; checking a hook's answer needs the format known.
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (value) => /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value)));

/** A hook's answer that fails its schema is the upstream's fault, never shown to the widget. */
class Malformed extends Error {}

const CHECKS = new Map<TSchema, TypeCheck<TSchema>>();

function checked<T>(schema: TSchema, value: T): T {
  let check = CHECKS.get(schema);
  if (!check) CHECKS.set(schema, (check = TypeCompiler.Compile(schema)));
  if (!check.Check(value)) throw new Malformed('a dataSource hook answered a value of the wrong shape');
  return value;
}

const iso = (value: Date | string): string => {
  const date = value instanceof Date ? value : new Date(value);
  if (typeof value !== 'string' && !(value instanceof Date)) throw new Malformed('a date is neither a Date nor a string');
  if (Number.isNaN(date.getTime())) throw new Malformed('a date does not parse');
  return date.toISOString();
};

// What a hook may answer at most: a widget shows every item, and each is checked here first.
const MAX_SUBSCRIPTIONS = 500;
const MAX_USAGE_ITEMS = 200;

/** The ids and names a hook answers are shown and sent back in paths: well-formed text only (no NUL, no lone surrogate). */
function clean<T extends Record<string, unknown>>(value: T, fields: Array<keyof T>): T {
  for (const field of fields) if (typeof value[field] === 'string' && !isCleanString(value[field] as string)) throw new Malformed(`${String(field)} is not well-formed text`);
  return value;
}

function publicSubscription(s: Subscription | SubscriptionData): PublicSubscription {
  if (typeof s !== 'object' || s === null) throw new Malformed('a subscription is not an object');
  clean(s as Record<string, unknown>, ['id', 'offeringId', 'ratePlanId']);
  return checked(SubscriptionAnswer, {
    id: s.id, offeringId: s.offeringId, ratePlanId: s.ratePlanId, status: s.status, amountCents: s.amountCents,
    currency: s.currency, interval: s.interval, currentPeriodStart: iso(s.currentPeriodStart),
    currentPeriodEnd: iso(s.currentPeriodEnd), cancelAtPeriodEnd: s.cancelAtPeriodEnd,
  });
}

function publicUsage(u: UsageRecord | UsageData): PublicUsage {
  if (typeof u !== 'object' || u === null) throw new Malformed('a usage record is not an object');
  clean(u as Record<string, unknown>, ['feature']);
  return checked(UsageItemAnswer, {
    feature: u.feature, used: u.used, included: u.included, overageCents: u.overageCents,
    periodStart: iso(u.periodStart), periodEnd: iso(u.periodEnd),
  });
}

/**
 * Runs a tenant hook. What it throws or answers badly is logged with its cause and becomes 502 `upstream_failed`
 * with a fixed message: the hook's error text may hold anything (a URL with a key, another customer's email). A
 * `BridgeError` under 500 it throws on purpose (`not_found`, `conflict`) passes through as it is.
 */
async function upstream<T, R>(engine: Engine, hook: string, run: () => Promise<T>, shape: (value: T) => R): Promise<R> {
  try {
    return shape(await run());
  } catch (error) {
    if (error instanceof BridgeError && error.status < 500) throw error;
    engine.config.logger.error({ err: loggableError(error), hook: `dataSource.${hook}` }, 'dataSource hook failed');
    throw new BridgeError('upstream_failed', 'the billing system did not answer as expected', { cause: error });
  }
}

async function hookSubscriptions(engine: Engine, { scope, active }: Scoped): Promise<PublicSubscription[]> {
  const hook = engine.config.subscriptions.listSubscriptions;
  if (!hook) return [];
  return upstream(engine, 'listSubscriptions', () => hook({ tenant: scope.slug, customer: active.customer }), (list) => {
    if (!Array.isArray(list)) throw new Malformed('listSubscriptions answered no array');
    if (list.length > MAX_SUBSCRIPTIONS) throw new Malformed(`listSubscriptions answered more than ${MAX_SUBSCRIPTIONS} subscriptions`);
    return list.map(publicSubscription);
  });
}

/** The customer's subscription `id` by the hooks, or 404: the engine checks ownership itself before any action. */
async function ownedByHook(engine: Engine, scoped: Scoped, id: string): Promise<PublicSubscription> {
  const found = (await hookSubscriptions(engine, scoped)).find((s) => s.id === id);
  if (!found) throw notFound();
  return found;
}

/** The customer's stored subscription `id`, or 404 — for another customer's id exactly as for an unknown one. */
async function ownedInStorage(engine: Engine, { scope, active }: Scoped, id: string): Promise<Subscription> {
  const stored = await engine.storage.getSubscription(scope.slug, id);
  if (!stored || stored.customerId !== active.customer.id) throw notFound();
  return stored;
}

export async function listSubscriptions(engine: Engine, call: SubscriptionCall): Promise<SubscriptionsAnswer> {
  const scoped = await limitedSession(engine, call);
  if (engine.config.subscriptions.listSubscriptions) return { subscriptions: await hookSubscriptions(engine, scoped) };
  const rows = await engine.storage.listSubscriptions(scoped.scope.slug, scoped.active.customer.id);
  return { subscriptions: rows.map(publicSubscription) };
}

export async function getUsage(engine: Engine, call: SubscriptionCall & { subscriptionId: unknown }): Promise<UsageAnswer> {
  const scoped = await limitedSession(engine, call);
  const id = subscriptionId(call.subscriptionId);
  const hooks = engine.config.subscriptions;
  if (hooks.listSubscriptions) {
    await ownedByHook(engine, scoped, id);
    const hook = hooks.getUsage;
    if (!hook) return { subscriptionId: id, usage: [] };
    const usage = await upstream(engine, 'getUsage', () => hook({ tenant: scoped.scope.slug, customer: scoped.active.customer, subscriptionId: id }), (list) => {
      if (!Array.isArray(list)) throw new Malformed('getUsage answered no array');
      if (list.length > MAX_USAGE_ITEMS) throw new Malformed(`getUsage answered more than ${MAX_USAGE_ITEMS} usage records`);
      return list.map(publicUsage);
    });
    return { subscriptionId: id, usage };
  }
  await ownedInStorage(engine, scoped, id);
  return { subscriptionId: id, usage: (await engine.storage.listUsage(scoped.scope.slug, id)).map(publicUsage) };
}

/** A rate plan of `offeringId` while that offering is PUBLISHED, or 404: change-plan's only valid targets. */
async function publishedPlan(engine: Engine, tenant: string, offeringId: string, ratePlanId: unknown) {
  const offerings = await engine.storage.listOfferings(tenant, { status: 'PUBLISHED' });
  const plan = offerings.find((o) => o.id === offeringId && o.status === 'PUBLISHED')?.ratePlans.find((p) => p.id === ratePlanId);
  if (!plan) throw new BridgeError('not_found', "no such rate plan on this subscription's offering");
  return plan;
}

type Action = 'cancel' | 'resume' | 'change-plan';
const AUDIT_TYPE: Record<Action, string> = { cancel: 'subscription.canceled', resume: 'subscription.resumed', 'change-plan': 'subscription.plan_changed' };

/**
 * Cancel at period end, resume, or change plan. The stored form is one conditional write (`updateSubscription`:
 * owner and not CANCELED), so racing cancels and resumes each apply whole and the last one decides; a write that
 * found nothing to change tells an unknown or foreign id (404) from a CANCELED one (409).
 */
async function act(engine: Engine, call: SubscriptionCall & { subscriptionId: unknown; ratePlanId?: unknown }, action: Action): Promise<SubscriptionActionAnswer> {
  const scoped = await limitedSession(engine, call);
  const { scope, active } = scoped;
  const id = subscriptionId(call.subscriptionId);
  const hooks = engine.config.subscriptions;
  const now = engine.now();
  let subscription: PublicSubscription;
  if (hooks.listSubscriptions) {
    const owned = await ownedByHook(engine, scoped, id);
    // The tenant's hook gets only a plan the engine would accept itself: one of the subscription's PUBLISHED offering.
    if (action === 'change-plan') await publishedPlan(engine, scope.slug, owned.offeringId, call.ratePlanId);
    const query = { tenant: scope.slug, customer: active.customer, subscriptionId: id };
    const name = action === 'cancel' ? 'cancelSubscription' : action === 'resume' ? 'resumeSubscription' : 'changePlan';
    const hook = hooks[name];
    if (!hook) throw new BridgeError('not_found', 'this action is not offered for subscriptions');
    const input = action === 'change-plan' ? { ...query, ratePlanId: call.ratePlanId as string } : query;
    subscription = await upstream(engine, name, () => hook(input as typeof query & { ratePlanId: string }), (answer) => {
      const shaped = publicSubscription(answer);
      if (shaped.id !== id) throw new Malformed(`${name} answered another subscription`);
      if (action === 'change-plan' && shaped.ratePlanId !== call.ratePlanId) throw new Malformed('changePlan answered another plan than the one asked for');
      return shaped;
    });
  } else {
    const stored = await ownedInStorage(engine, scoped, id);
    let set: Parameters<Engine['storage']['updateSubscription']>[0]['set'] = { cancelAtPeriodEnd: action === 'cancel' };
    if (action === 'change-plan') {
      const plan = await publishedPlan(engine, scope.slug, stored.offeringId, call.ratePlanId);
      set = { ratePlanId: plan.id, amountCents: plan.amountCents, currency: plan.currency, interval: plan.interval };
    }
    const updated = await engine.storage.updateSubscription({ tenant: scope.slug, customerId: active.customer.id, id, now, set });
    if (!updated) {
      await ownedInStorage(engine, scoped, id);
      throw new BridgeError('conflict', 'this subscription is canceled');
    }
    subscription = publicSubscription(updated);
  }
  await engine.audit.record(AUDIT_TYPE[action], scope.slug, now, call, {
    subscriptionId: id, customerId: active.customer.id, embedKey: scope.key.id,
    ...(action === 'change-plan' ? { ratePlanId: subscription.ratePlanId } : {}),
  });
  return { subscription };
}

export const cancelSubscription = (engine: Engine, call: SubscriptionCall & { subscriptionId: unknown }) => act(engine, call, 'cancel');
export const resumeSubscription = (engine: Engine, call: SubscriptionCall & { subscriptionId: unknown }) => act(engine, call, 'resume');
export const changePlan = (engine: Engine, call: SubscriptionCall & { subscriptionId: unknown; ratePlanId: unknown }) => {
  if (typeof call.ratePlanId !== 'string' || call.ratePlanId.length === 0 || call.ratePlanId.length > 100 || !isCleanString(call.ratePlanId)) {
    throw new BridgeError('invalid_request', 'ratePlanId must be 1-100 characters of well-formed text');
  }
  return act(engine, call, 'change-plan');
};

function periodEnd(start: Date, interval: Subscription['interval']): Date {
  const end = new Date(start.getTime());
  if (interval === 'month') end.setUTCMonth(end.getUTCMonth() + 1);
  if (interval === 'year') end.setUTCFullYear(end.getUTCFullYear() + 1);
  return end;
}

/**
 * Starts a checkout for one PUBLISHED offering's plan. With `dataSource.startCheckout` the tenant's system answers
 * a URL to go to; without it the engine subscribes the customer itself. The stored subscription's id is derived from
 * (customer, offering), so two checkouts racing (a double click, two tabs) write one row, never two subscriptions.
 */
export async function startCheckout(
  engine: Engine,
  call: SubscriptionCall & { offeringId: unknown; ratePlanId: unknown; returnUrl: unknown },
): Promise<CheckoutAnswer> {
  const scoped = await limitedSession(engine, call);
  const { scope, active } = scoped;
  for (const [name, value] of [['offeringId', call.offeringId], ['ratePlanId', call.ratePlanId]] as const) {
    if (typeof value !== 'string' || value.length === 0 || value.length > 100 || !isCleanString(value)) {
      throw new BridgeError('invalid_request', `${name} must be 1-100 characters of well-formed text`);
    }
  }
  const offeringId = call.offeringId as string;
  const ratePlanId = call.ratePlanId as string;
  const returnUrl = checkReturnUrl(scope, call.returnUrl).href;
  const offerings = await engine.storage.listOfferings(scope.slug, { status: 'PUBLISHED' });
  const plan = offerings.find((o) => o.id === offeringId && o.status === 'PUBLISHED')?.ratePlans.find((p) => p.id === ratePlanId);
  if (!plan) throw new BridgeError('not_found', 'no such published offering and rate plan');
  const now = engine.now();
  const audit = (outcome: string, subscriptionId: string | null) => engine.audit.record('checkout.started', scope.slug, now, call, {
    offeringId, ratePlanId, outcome, customerId: active.customer.id, embedKey: scope.key.id, ...(subscriptionId ? { subscriptionId } : {}),
  });
  const hook = engine.config.subscriptions.startCheckout;
  if (hook) {
    const answer = await upstream(engine, 'startCheckout', () => hook({ tenant: scope.slug, customer: active.customer, offeringId, ratePlanId, returnUrl }), (value) => {
      if (typeof value !== 'object' || value === null) throw new Malformed('startCheckout answered no object');
      if ('url' in value && typeof value.url === 'string') {
        const url = new URL(value.url);
        const secure = url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
        if (!secure) throw new Malformed('startCheckout answered a URL that is not https');
        return checked(CheckoutAnswer, { status: 'redirect' as const, url: url.href });
      }
      if ('status' in value && value.status === 'subscribed') return { status: 'subscribed' as const, url: null };
      throw new Malformed('startCheckout answered neither { url } nor { status: "subscribed" }');
    });
    await audit(answer.status, null);
    return answer;
  }
  const mine = await engine.storage.listSubscriptions(scope.slug, active.customer.id);
  const current = mine.find((s) => s.offeringId === offeringId && s.status !== 'CANCELED');
  if (current && current.ratePlanId !== ratePlanId) throw new BridgeError('conflict', 'already subscribed to this offering on another plan; change plan instead');
  if (current) return { status: 'subscribed', url: null };
  const id = `sub_${createHash('sha256').update(`${active.customer.id}\u0000${offeringId}`).digest('base64url').slice(0, 24)}`;
  // The read above may be stale by now (two tabs checking out two plans at once): the write itself decides, and
  // the checkout that lost reads what won.
  const stored = await engine.storage.subscribe({
    id, tenant: scope.slug, customerId: active.customer.id, offeringId, ratePlanId, status: 'ACTIVE',
    amountCents: plan.amountCents, currency: plan.currency, interval: plan.interval,
    currentPeriodStart: now, currentPeriodEnd: periodEnd(now, plan.interval), cancelAtPeriodEnd: false, createdAt: now, updatedAt: now,
  });
  if (!stored) {
    const winner = await engine.storage.getSubscription(scope.slug, id);
    if (winner && winner.customerId === active.customer.id && winner.offeringId === offeringId && winner.ratePlanId === ratePlanId) {
      return { status: 'subscribed', url: null };
    }
    throw new BridgeError('conflict', 'already subscribed to this offering on another plan; change plan instead');
  }
  await audit('subscribed', id);
  return { status: 'subscribed', url: null };
}
