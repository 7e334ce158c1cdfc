import type { Storage } from '../../lib/storage.js';
import type { Subscription, UsageRecord } from '../../lib/types.js';
import type { SqlDatabase } from './database.js';
import { ms } from './database.js';
import type { Row } from './records.js';

type SubscriptionMethods = Pick<
  Storage,
  'putSubscription' | 'subscribe' | 'getSubscription' | 'listSubscriptions' | 'updateSubscription' | 'putUsage' | 'listUsage'
>;

const SUBSCRIPTION_COLUMNS =
  'tenant, id, customer_id, offering_id, rate_plan_id, status, amount_cents, currency, plan_interval, ' +
  'current_period_start, current_period_end, cancel_at_period_end, created_at, updated_at';
const USAGE_COLUMNS = 'tenant, subscription_id, feature, used, included, overage_cents, period_start, period_end, updated_at';

// Dates are epoch milliseconds (node-postgres hands bigint back as a string); the flag is an integer 0 or 1.
const date = (value: unknown): Date => new Date(Number(value));

function subscriptionFrom(row: Row): Subscription {
  return {
    id: row.id as string,
    tenant: row.tenant as string,
    customerId: row.customer_id as string,
    offeringId: row.offering_id as string,
    ratePlanId: row.rate_plan_id as string,
    status: row.status as Subscription['status'],
    amountCents: Number(row.amount_cents),
    currency: row.currency as string,
    interval: row.plan_interval as Subscription['interval'],
    currentPeriodStart: date(row.current_period_start),
    currentPeriodEnd: date(row.current_period_end),
    cancelAtPeriodEnd: Number(row.cancel_at_period_end) === 1,
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
  };
}

function usageFrom(row: Row): UsageRecord {
  return {
    tenant: row.tenant as string,
    subscriptionId: row.subscription_id as string,
    feature: row.feature as string,
    used: Number(row.used),
    included: row.included === null || row.included === undefined ? null : Number(row.included),
    overageCents: Number(row.overage_cents),
    periodStart: date(row.period_start),
    periodEnd: date(row.period_end),
    updatedAt: date(row.updated_at),
  };
}

// Column names of the fields updateSubscription may set, so no caller-chosen text ever becomes SQL.
const SETTABLE: Record<string, { column: string; value: (v: unknown) => unknown }> = {
  cancelAtPeriodEnd: { column: 'cancel_at_period_end', value: (v) => (v ? 1 : 0) },
  ratePlanId: { column: 'rate_plan_id', value: (v) => v },
  amountCents: { column: 'amount_cents', value: (v) => v },
  currency: { column: 'currency', value: (v) => v },
  interval: { column: 'plan_interval', value: (v) => v },
};

// The insert of a whole subscription, and its update half; each caller adds the WHERE that decides when it may replace.
const UPSERT_SUBSCRIPTION = `insert into subscriptions (${SUBSCRIPTION_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  on conflict (tenant, id) do update set offering_id = excluded.offering_id, rate_plan_id = excluded.rate_plan_id,
  status = excluded.status, amount_cents = excluded.amount_cents, currency = excluded.currency,
  plan_interval = excluded.plan_interval, current_period_start = excluded.current_period_start,
  current_period_end = excluded.current_period_end, cancel_at_period_end = excluded.cancel_at_period_end,
  created_at = excluded.created_at, updated_at = excluded.updated_at`;

const subscriptionValues = (s: Subscription): unknown[] => [
  s.tenant, s.id, s.customerId, s.offeringId, s.ratePlanId, s.status, s.amountCents, s.currency, s.interval,
  ms(s.currentPeriodStart), ms(s.currentPeriodEnd), s.cancelAtPeriodEnd ? 1 : 0, ms(s.createdAt), ms(s.updatedAt),
];

/** Subscriptions and their usage records (migration v005). */
export function subscriptionMethods(db: () => SqlDatabase): SubscriptionMethods {
  return {
    // One conditional write, as putInvoice: the update half runs only when the stored row has the same customer. Of
    // racing inserts of one new id the primary key admits one; the others take the update path, fail its WHERE and
    // get no row back: `other_customer`.
    async putSubscription(s) {
      const where = 'where subscriptions.customer_id = excluded.customer_id';
      const rows = await db().all(`${UPSERT_SUBSCRIPTION} ${where} returning ${SUBSCRIPTION_COLUMNS}`, subscriptionValues(s));
      return rows.length === 0 ? 'other_customer' : subscriptionFrom(rows[0]);
    },
    // The same write, whose update half runs only over a CANCELED subscription of the same customer: a live one, or a
    // racing checkout's row committed first, leaves the statement changing nothing.
    async subscribe(s) {
      const where = `where subscriptions.customer_id = excluded.customer_id and subscriptions.status = 'CANCELED'`;
      return (await db().run(`${UPSERT_SUBSCRIPTION} ${where}`, subscriptionValues(s))) === 1;
    },
    async getSubscription(tenant, id) {
      const [row] = await db().read(`select ${SUBSCRIPTION_COLUMNS} from subscriptions where tenant = ? and id = ?`, [tenant, id]);
      return row ? subscriptionFrom(row) : null;
    },
    async listSubscriptions(tenant, customerId) {
      const rows = await db().read(
        `select ${SUBSCRIPTION_COLUMNS} from subscriptions where tenant = ? and customer_id = ? order by created_at, id`,
        [tenant, customerId],
      );
      return rows.map(subscriptionFrom);
    },
    // One UPDATE … RETURNING whose WHERE holds the ownership and status conditions: racing updates serialise on the
    // row, and a subscription of another customer or a CANCELED one is never touched.
    async updateSubscription({ tenant, customerId, id, now, set }) {
      const sets = ['updated_at = ?'];
      const params: unknown[] = [ms(now)];
      for (const [field, value] of Object.entries(set)) {
        const settable = SETTABLE[field];
        if (value === undefined || !settable) continue;
        sets.push(`${settable.column} = ?`);
        params.push(settable.value(value));
      }
      const rows = await db().all(
        `update subscriptions set ${sets.join(', ')}
         where tenant = ? and id = ? and customer_id = ? and status <> 'CANCELED' returning ${SUBSCRIPTION_COLUMNS}`,
        [...params, tenant, id, customerId],
      );
      return rows.length === 0 ? null : subscriptionFrom(rows[0]);
    },
    async putUsage(u) {
      const rows = await db().all(
        `insert into usage_records (${USAGE_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?)
         on conflict (tenant, subscription_id, feature) do update set used = excluded.used, included = excluded.included,
         overage_cents = excluded.overage_cents, period_start = excluded.period_start, period_end = excluded.period_end,
         updated_at = excluded.updated_at
         returning ${USAGE_COLUMNS}`,
        [u.tenant, u.subscriptionId, u.feature, u.used, u.included, u.overageCents, ms(u.periodStart), ms(u.periodEnd), ms(u.updatedAt)],
      );
      return usageFrom(rows[0]);
    },
    async listUsage(tenant, subscriptionId) {
      const rows = await db().read(
        `select ${USAGE_COLUMNS} from usage_records where tenant = ? and subscription_id = ? order by feature`,
        [tenant, subscriptionId],
      );
      return rows.map(usageFrom);
    },
  };
}
