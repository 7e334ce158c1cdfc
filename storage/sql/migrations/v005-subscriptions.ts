import { Migration } from '@mikro-orm/migrations';
import type { SqlDialect } from '../dialect.js';
import type { MigrationClass } from './v001-initial.js';

/**
 * Subscriptions and usage records (SPEC section 10), as the admin API stores them when the tenant passes no
 * `dataSource` hooks. Dates are epoch milliseconds; `cancel_at_period_end` is 0 or 1 on both dialects. Usage numbers
 * are `bigint` so metered counts never overflow.
 */
export function subscriptionsSchema(dialect: SqlDialect): string[] {
  const t = dialect === 'postgres' ? 'text collate "C"' : 'text';
  return [
    `create table subscriptions (tenant ${t} not null, id ${t} not null, customer_id ${t} not null,
      offering_id ${t} not null, rate_plan_id ${t} not null, status ${t} not null, amount_cents bigint not null,
      currency ${t} not null, plan_interval ${t} not null, current_period_start bigint not null,
      current_period_end bigint not null, cancel_at_period_end integer not null, created_at bigint not null,
      updated_at bigint not null, primary key (tenant, id))`,
    `create index subscriptions_customer on subscriptions (tenant, customer_id, created_at, id)`,
    `create table usage_records (tenant ${t} not null, subscription_id ${t} not null, feature ${t} not null,
      used bigint not null, included bigint, overage_cents bigint not null, period_start bigint not null,
      period_end bigint not null, updated_at bigint not null, primary key (tenant, subscription_id, feature))`,
    `update aforo_schema set version = 5 where id = 1`,
  ];
}

/** Builds the class of migration 5 for one dialect. */
export function v005Subscriptions(dialect: SqlDialect): MigrationClass {
  return class V005Subscriptions extends Migration {
    override up(): void {
      for (const sql of subscriptionsSchema(dialect)) this.addSql(sql);
    }
  };
}
