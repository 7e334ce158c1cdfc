import type { Static } from '@sinclair/typebox';
import type { Engine } from './engine.js';
import { randomId } from './crypto.js';
import { BridgeError } from './errors.js';
import {
  PutSubscriptionBody, PutUsageBody,
  type AdminSubscriptionAnswer as AdminSubscriptionSchema, type AdminUsageAnswer as AdminUsageSchema,
} from './admin-schemas.js';
import type { Subscription } from './types.js';
import { invalid, isCleanString, parseDateTime, SLUG, validate } from './validate.js';

type AdminSubscriptionAnswer = Static<typeof AdminSubscriptionSchema>;
type AdminUsageAnswer = Static<typeof AdminUsageSchema>;

// Admin verbs of SPEC section 10: what the widget routes read and act on when the tenant passes no hooks.

function param(value: unknown, name: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || !isCleanString(value)) {
    throw invalid(`${name} must be 1-${max} characters of well-formed text`);
  }
  return value;
}

async function tenantSlug(engine: Engine, slug: unknown): Promise<string> {
  if (typeof slug !== 'string' || !SLUG.test(slug)) throw new BridgeError('not_found', 'no such tenant');
  const tenant = await engine.storage.getTenant(slug);
  if (!tenant) throw new BridgeError('not_found', 'no such tenant');
  return tenant.slug;
}

function answer(s: Subscription, externalId: string): AdminSubscriptionAnswer {
  return {
    id: s.id, customerId: s.customerId, externalId, offeringId: s.offeringId, ratePlanId: s.ratePlanId, status: s.status,
    amountCents: s.amountCents, currency: s.currency, interval: s.interval, currentPeriodStart: s.currentPeriodStart.toISOString(),
    currentPeriodEnd: s.currentPeriodEnd.toISOString(), cancelAtPeriodEnd: s.cancelAtPeriodEnd,
  };
}

/** Creates or replaces a subscription of the customer (created if new); another customer's id is 409 `conflict`. */
export async function putSubscription(engine: Engine, slug: unknown, externalId: unknown, id: unknown, input: unknown): Promise<AdminSubscriptionAnswer> {
  const tenant = await tenantSlug(engine, slug);
  const ext = param(externalId, 'externalId', 255);
  const subscriptionId = param(id, 'subscription id', 100);
  const body = validate(PutSubscriptionBody, input, 'body');
  const start = parseDateTime(body.currentPeriodStart, 'currentPeriodStart');
  const end = parseDateTime(body.currentPeriodEnd, 'currentPeriodEnd');
  if (end.getTime() < start.getTime()) throw invalid('currentPeriodEnd must not be before currentPeriodStart');
  const offering = (await engine.storage.listOfferings(tenant, {})).find((o) => o.id === body.offeringId);
  const plan = offering?.ratePlans.find((p) => p.id === body.ratePlanId);
  if (!plan) throw invalid('offeringId and ratePlanId must name a stored offering and one of its rate plans');
  const now = engine.now();
  const upserted = await engine.storage.upsertCustomer({ tenant, externalId: ext, newId: randomId('cus_'), now }, 'keep');
  if (upserted === 'email_taken') throw new BridgeError('internal', 'unexpected email conflict');
  const existing = await engine.storage.getSubscription(tenant, subscriptionId);
  const stored = await engine.storage.putSubscription({
    id: subscriptionId, tenant, customerId: upserted.customer.id, offeringId: body.offeringId, ratePlanId: plan.id, status: body.status,
    amountCents: plan.amountCents, currency: plan.currency, interval: plan.interval, currentPeriodStart: start, currentPeriodEnd: end,
    cancelAtPeriodEnd: body.cancelAtPeriodEnd ?? false, createdAt: existing?.createdAt ?? now, updatedAt: now,
  });
  if (stored === 'other_customer') throw new BridgeError('conflict', 'this subscription id belongs to another customer');
  return answer(stored, ext);
}

/** The customer's subscriptions, as the stored form holds them. */
export async function listCustomerSubscriptions(engine: Engine, slug: unknown, externalId: unknown): Promise<{ subscriptions: AdminSubscriptionAnswer[] }> {
  const tenant = await tenantSlug(engine, slug);
  const ext = param(externalId, 'externalId', 255);
  const customer = await engine.storage.getCustomerByExternalId(tenant, ext);
  if (!customer) throw new BridgeError('not_found', 'no customer with that external id');
  return { subscriptions: (await engine.storage.listSubscriptions(tenant, customer.id)).map((s) => answer(s, ext)) };
}

/** Sets one metered feature's use for a subscription of this customer; an unknown or another customer's id is 404. */
export async function putUsage(
  engine: Engine, slug: unknown, externalId: unknown, id: unknown, feature: unknown, input: unknown,
): Promise<AdminUsageAnswer> {
  const tenant = await tenantSlug(engine, slug);
  const ext = param(externalId, 'externalId', 255);
  const subscriptionId = param(id, 'subscription id', 100);
  const name = param(feature, 'feature', 100);
  const body = validate(PutUsageBody, input, 'body');
  const customer = await engine.storage.getCustomerByExternalId(tenant, ext);
  const subscription = customer ? await engine.storage.getSubscription(tenant, subscriptionId) : null;
  if (!customer || !subscription || subscription.customerId !== customer.id) throw new BridgeError('not_found', 'no such subscription of this customer');
  const periodStart = body.periodStart ? parseDateTime(body.periodStart, 'periodStart') : subscription.currentPeriodStart;
  const periodEnd = body.periodEnd ? parseDateTime(body.periodEnd, 'periodEnd') : subscription.currentPeriodEnd;
  const stored = await engine.storage.putUsage({
    tenant, subscriptionId, feature: name, used: body.used, included: body.included ?? null, overageCents: body.overageCents ?? 0,
    periodStart, periodEnd, updatedAt: engine.now(),
  });
  return {
    subscriptionId, feature: stored.feature, used: stored.used, included: stored.included, overageCents: stored.overageCents,
    periodStart: stored.periodStart.toISOString(), periodEnd: stored.periodEnd.toISOString(),
  };
}
