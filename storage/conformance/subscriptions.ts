// Subscriptions and usage records: ownership, conditional updates, ordering, tenant scope.
import assert from 'node:assert/strict';
import type { Subscription, UsageRecord } from '../../lib/types.js';
import type { Section } from './fixtures.js';
import { DAY, HOUR, addCustomer, addTenant, at, ids, times, unique } from './fixtures.js';

export function subscriptionRecord(tenant: string, customerId: string, patch: Partial<Subscription> = {}): Subscription {
  return {
    id: unique('sub_'),
    tenant,
    customerId,
    offeringId: 'off_pro',
    ratePlanId: 'rp_monthly',
    status: 'ACTIVE',
    amountCents: 2900,
    currency: 'USD',
    interval: 'month',
    currentPeriodStart: at(0),
    currentPeriodEnd: at(30 * DAY),
    cancelAtPeriodEnd: false,
    createdAt: at(0),
    updatedAt: at(0),
    ...patch,
  };
}

export function usageRecord(tenant: string, subscriptionId: string, patch: Partial<UsageRecord> = {}): UsageRecord {
  return {
    tenant,
    subscriptionId,
    feature: 'api_calls',
    used: 1200,
    included: 1000,
    overageCents: 400,
    periodStart: at(0),
    periodEnd: at(30 * DAY),
    updatedAt: at(HOUR),
    ...patch,
  };
}

export const subscriptionCases: Section = (it, s) => {
  it('putSubscription: inserts, then replaces for the same customer; getSubscription reads it back', async () => {
    const tenant = await addTenant(s());
    const customer = await addCustomer(s(), tenant);
    const sub = subscriptionRecord(tenant, customer.id);
    assert.deepEqual(await s().putSubscription(sub), sub);
    const replaced = { ...sub, status: 'PAST_DUE' as const, cancelAtPeriodEnd: true, amountCents: 0, updatedAt: at(HOUR) };
    assert.deepEqual(await s().putSubscription(replaced), replaced);
    assert.deepEqual(await s().getSubscription(tenant, sub.id), replaced);
    assert.equal(await s().getSubscription(tenant, unique('sub_')), null);
  });

  it('subscribe: stores a free id or over a CANCELED one of the same customer; refuses a live one and another customer\'s', async () => {
    const tenant = await addTenant(s());
    const a = await addCustomer(s(), tenant);
    const b = await addCustomer(s(), tenant);
    const sub = subscriptionRecord(tenant, a.id);
    assert.equal(await s().subscribe(sub), true);
    assert.deepEqual(await s().getSubscription(tenant, sub.id), sub);
    assert.equal(await s().subscribe({ ...sub, ratePlanId: 'rp_yearly', updatedAt: at(HOUR) }), false);
    assert.deepEqual(await s().getSubscription(tenant, sub.id), sub, 'a live subscription is left as it was');
    assert.equal(await s().subscribe({ ...sub, customerId: b.id }), false);
    await s().putSubscription({ ...sub, status: 'CANCELED' });
    assert.equal(await s().subscribe({ ...sub, customerId: b.id }), false, 'a CANCELED one of another customer stays theirs');
    const again = { ...sub, ratePlanId: 'rp_yearly', createdAt: at(DAY), updatedAt: at(DAY) };
    assert.equal(await s().subscribe(again), true);
    assert.deepEqual(await s().getSubscription(tenant, sub.id), again);
  });

  it('subscribe: of 12 concurrent checkouts of one id on different plans exactly one stores its plan', async () => {
    const tenant = await addTenant(s());
    const customer = await addCustomer(s(), tenant);
    const id = unique('sub_');
    const tries = times(12, (i) => subscriptionRecord(tenant, customer.id, { id, ratePlanId: `rp_${i}`, amountCents: 100 * i }));
    const results = await Promise.all(tries.map((sub) => s().subscribe(sub)));
    assert.equal(results.filter(Boolean).length, 1);
    const winner = tries[results.indexOf(true)];
    assert.deepEqual(await s().getSubscription(tenant, id), winner);
  });

  it('putSubscription: a subscription never moves to another customer, even when puts race', async () => {
    const tenant = await addTenant(s());
    const a = await addCustomer(s(), tenant);
    const b = await addCustomer(s(), tenant);
    const sub = subscriptionRecord(tenant, a.id);
    await s().putSubscription(sub);
    assert.equal(await s().putSubscription({ ...sub, customerId: b.id }), 'other_customer');
    assert.deepEqual(await s().getSubscription(tenant, sub.id), sub);
    const id = unique('sub_');
    const customers = await Promise.all(times(4, () => addCustomer(s(), tenant)));
    const results = await Promise.all(customers.map((c) => s().putSubscription(subscriptionRecord(tenant, c.id, { id }))));
    assert.equal(results.filter((r) => r !== 'other_customer').length, 1);
  });

  it('listSubscriptions: the customer only, in this tenant only, by createdAt then id', async () => {
    const tenant = await addTenant(s());
    const other = await addTenant(s());
    const customer = await addCustomer(s(), tenant);
    const neighbour = await addCustomer(s(), tenant);
    const p = unique('sub_');
    const second = await s().putSubscription(subscriptionRecord(tenant, customer.id, { id: `${p}b`, createdAt: at(HOUR) }));
    const first = await s().putSubscription(subscriptionRecord(tenant, customer.id, { id: `${p}c`, createdAt: at(0) }));
    const third = await s().putSubscription(subscriptionRecord(tenant, customer.id, { id: `${p}a`, createdAt: at(HOUR) }));
    await s().putSubscription(subscriptionRecord(tenant, neighbour.id));
    await s().putSubscription(subscriptionRecord(other, customer.id));
    assert.deepEqual(ids(await s().listSubscriptions(tenant, customer.id)), ids([first, third, second] as Subscription[]));
    assert.equal(await s().getSubscription(other, (first as Subscription).id), null);
  });

  it('updateSubscription: sets the given fields and updatedAt, for the owner only, never on a CANCELED one', async () => {
    const tenant = await addTenant(s());
    const owner = await addCustomer(s(), tenant);
    const stranger = await addCustomer(s(), tenant);
    const sub = subscriptionRecord(tenant, owner.id);
    await s().putSubscription(sub);
    const base = { tenant, id: sub.id, now: at(2 * HOUR) };
    assert.equal(await s().updateSubscription({ ...base, customerId: stranger.id, set: { cancelAtPeriodEnd: true } }), null);
    assert.equal(await s().updateSubscription({ ...base, tenant: await addTenant(s()), customerId: owner.id, set: { cancelAtPeriodEnd: true } }), null);
    const canceled = await s().updateSubscription({ ...base, customerId: owner.id, set: { cancelAtPeriodEnd: true } });
    assert.deepEqual(canceled, { ...sub, cancelAtPeriodEnd: true, updatedAt: at(2 * HOUR) });
    const plan = { ratePlanId: 'rp_yearly', amountCents: 29000, currency: 'EUR', interval: 'year' as const };
    const changed = await s().updateSubscription({ ...base, customerId: owner.id, set: { ...plan, cancelAtPeriodEnd: undefined } });
    assert.deepEqual(changed, { ...sub, ...plan, cancelAtPeriodEnd: true, updatedAt: at(2 * HOUR) });
    await s().putSubscription({ ...sub, status: 'CANCELED' });
    assert.equal(await s().updateSubscription({ ...base, customerId: owner.id, set: { cancelAtPeriodEnd: false } }), null);
    assert.equal((await s().getSubscription(tenant, sub.id))?.status, 'CANCELED');
  });

  it('updateSubscription: racing cancels and resumes each apply whole; the row ends as one of them left it', async () => {
    const tenant = await addTenant(s());
    const owner = await addCustomer(s(), tenant);
    const sub = subscriptionRecord(tenant, owner.id);
    await s().putSubscription(sub);
    const results = await Promise.all(times(10, (i) =>
      s().updateSubscription({ tenant, customerId: owner.id, id: sub.id, now: at(i * 1000), set: { cancelAtPeriodEnd: i % 2 === 0 } })));
    assert.equal(results.every((r) => r !== null), true);
    const final = await s().getSubscription(tenant, sub.id);
    assert.ok(final);
    assert.equal(results.some((r) => r?.cancelAtPeriodEnd === final.cancelAtPeriodEnd && r.updatedAt.getTime() === final.updatedAt.getTime()), true);
  });

  it('putUsage / listUsage: one record per (subscription, feature), replaced in place, ordered by feature', async () => {
    const tenant = await addTenant(s());
    const other = await addTenant(s());
    const subscriptionId = unique('sub_');
    const seats = usageRecord(tenant, subscriptionId, { feature: 'seats', used: 3, included: null, overageCents: 0 });
    const calls = usageRecord(tenant, subscriptionId);
    assert.deepEqual(await s().putUsage(seats), seats);
    assert.deepEqual(await s().putUsage(calls), calls);
    const more = { ...calls, used: 5_000_000_000, overageCents: 123_456, updatedAt: at(2 * HOUR) };
    await s().putUsage(more);
    await s().putUsage(usageRecord(tenant, unique('sub_')));
    await s().putUsage(usageRecord(other, subscriptionId));
    assert.deepEqual(await s().listUsage(tenant, subscriptionId), [more, seats]);
    assert.deepEqual(await s().listUsage(tenant, unique('sub_')), []);
  });
};
