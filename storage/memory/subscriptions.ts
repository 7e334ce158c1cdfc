// Subscriptions and usage records held in this process.
import type { Storage } from '../../lib/storage.js';
import type { Subscription, UsageRecord } from '../../lib/types.js';
import { compare, copy, scoped } from './shared.js';

type SubscriptionMethods = Pick<
  Storage,
  'putSubscription' | 'subscribe' | 'getSubscription' | 'listSubscriptions' | 'updateSubscription' | 'putUsage' | 'listUsage'
>;

/** The subscription half of the memory storage; like the rest, no await between a read and its write. */
export function memorySubscriptions(): SubscriptionMethods {
  const subscriptions = new Map<string, Subscription>();
  const usage = new Map<string, UsageRecord>();
  return {
    async putSubscription(subscription) {
      const key = scoped(subscription.tenant, subscription.id);
      const stored = subscriptions.get(key);
      if (stored && stored.customerId !== subscription.customerId) return 'other_customer';
      subscriptions.set(key, copy(subscription));
      return copy(subscription);
    },
    async subscribe(subscription) {
      const key = scoped(subscription.tenant, subscription.id);
      const stored = subscriptions.get(key);
      if (stored && (stored.customerId !== subscription.customerId || stored.status !== 'CANCELED')) return false;
      subscriptions.set(key, copy(subscription));
      return true;
    },
    async getSubscription(tenant, id) {
      return copy(subscriptions.get(scoped(tenant, id)) ?? null);
    },
    async listSubscriptions(tenant, customerId) {
      return [...subscriptions.values()]
        .filter((s) => s.tenant === tenant && s.customerId === customerId)
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compare(a.id, b.id))
        .map(copy);
    },
    async updateSubscription({ tenant, customerId, id, now, set }) {
      const stored = subscriptions.get(scoped(tenant, id));
      if (!stored || stored.customerId !== customerId || stored.status === 'CANCELED') return null;
      const defined = Object.fromEntries(Object.entries(set).filter(([, value]) => value !== undefined));
      const updated: Subscription = { ...stored, ...copy(defined), updatedAt: new Date(now.getTime()) };
      subscriptions.set(scoped(tenant, id), updated);
      return copy(updated);
    },
    async putUsage(record) {
      usage.set(scoped(record.tenant, `${record.subscriptionId}\u0000${record.feature}`), copy(record));
      return copy(record);
    },
    async listUsage(tenant, subscriptionId) {
      return [...usage.values()]
        .filter((u) => u.tenant === tenant && u.subscriptionId === subscriptionId)
        .sort((a, b) => compare(a.feature, b.feature))
        .map(copy);
    },
  };
}
