import { Migration } from '@mikro-orm/migrations';
import type { SqlDialect } from '../dialect.js';

/**
 * The first schema. Dates are epoch milliseconds in `bigint` columns. On Postgres every text column sorts by
 * code point (`collate "C"`) so that ordered listings and cursors agree with the memory storage's string order
 * whatever the database's locale.
 */
export function initialSchema(dialect: SqlDialect): string[] {
  const t = dialect === 'postgres' ? 'text collate "C"' : 'text';
  const json = dialect === 'postgres' ? 'jsonb' : 'text';
  return [
    `create table aforo_schema (id integer primary key check (id = 1), version integer not null)`,
    `insert into aforo_schema (id, version) values (1, 1)`,

    `create table tenants (slug ${t} primary key, name ${t} not null, branding ${json} not null,
      magic_link ${json} not null, created_at bigint not null)`,

    `create table embed_keys (id ${t} primary key, tenant ${t} not null, mode ${t} not null,
      allowed_origins ${json} not null, status ${t} not null, created_at bigint not null)`,
    `create index embed_keys_tenant on embed_keys (tenant, created_at, id)`,
    // The allowlist again, one row per origin, so that a CORS preflight is one index probe, not a scan of keys.
    `create table embed_key_origins (embed_key_id ${t} not null references embed_keys (id) on delete cascade,
      origin ${t} not null, primary key (embed_key_id, origin))`,
    `create index embed_key_origins_origin on embed_key_origins (origin)`,

    `create table signing_keys (tenant ${t} not null, kid ${t} not null, alg ${t} not null, status ${t} not null,
      sealed_secret ${t}, public_key_pem ${t}, created_at bigint not null, promoted_at bigint, revoked_at bigint,
      primary key (tenant, kid))`,

    `create table customers (tenant ${t} not null, id ${t} not null, external_id ${t} not null, email ${t},
      email_key ${t}, name ${t}, created_at bigint not null, updated_at bigint not null, primary key (tenant, id))`,
    `create unique index customers_external_id on customers (tenant, external_id)`,
    // email_key is the email lower-cased by the engine (JavaScript's toLowerCase), not by SQL lower(): SQLite's
    // lower() folds ASCII only, and both backends must agree with the memory storage on what "the same" means.
    `create unique index customers_email_key on customers (tenant, email_key)`,
    `create index customers_created on customers (tenant, created_at, id)`,

    `create table offerings (tenant ${t} not null, id ${t} not null, name ${t} not null, description ${t} not null,
      status ${t} not null, rate_plans ${json} not null, updated_at bigint not null, primary key (tenant, id))`,

    `create table invoices (tenant ${t} not null, id ${t} not null, customer_id ${t} not null, number ${t} not null,
      status ${t} not null, amount_due_cents bigint not null, amount_paid_cents bigint not null,
      currency ${t} not null, issued_at bigint not null, due_at bigint, pdf_url ${t}, hosted_url ${t},
      primary key (tenant, id))`,
    `create index invoices_customer on invoices (tenant, customer_id, issued_at, id)`,

    `create table sessions (sid ${t} primary key, tenant ${t} not null, customer_id ${t} not null,
      embed_key_id ${t} not null, method ${t} not null, signing_kid ${t}, created_at bigint not null,
      refreshed_at bigint not null, expires_at bigint not null, revoked_at bigint)`,
    `create index sessions_signing_key on sessions (tenant, signing_kid)`,
    `create index sessions_expires on sessions (expires_at)`,

    `create table jtis (tenant ${t} not null, kid ${t} not null, jti ${t} not null, expires_at bigint not null,
      primary key (tenant, kid, jti))`,
    `create index jtis_expires on jtis (expires_at)`,

    `create table rate_limits (bucket ${t} not null, window_start bigint not null, window_end bigint not null,
      hits integer not null, primary key (bucket, window_start))`,
    `create index rate_limits_window_end on rate_limits (window_end)`,

    `create table magic_links (token_hash ${t} primary key, tenant ${t} not null, embed_key_id ${t} not null,
      email ${t} not null, return_url ${t} not null, created_at bigint not null, expires_at bigint not null,
      used_at bigint)`,
    `create index magic_links_expires on magic_links (expires_at)`,

    `create table engine_key (id integer primary key check (id = 1), kid ${t} not null, alg ${t} not null,
      sealed_private_key ${t} not null, public_jwk ${json} not null, created_at bigint not null)`,

    `create table audit_events (tenant ${t} not null, id ${t} not null, type ${t} not null, at bigint not null,
      ip ${t}, user_agent ${t}, data ${json} not null, primary key (tenant, id))`,
    `create index audit_events_tenant_at on audit_events (tenant, at, id)`,
    `create index audit_events_at on audit_events (at)`,
  ];
}

/** A concrete migration class, as the migrator instantiates it. */
export type MigrationClass = new (...args: ConstructorParameters<typeof Migration>) => Migration;

/** Builds the class of migration 1 for one dialect (the migrator instantiates it with its own arguments). */
export function v001Initial(dialect: SqlDialect): MigrationClass {
  return class V001Initial extends Migration {
    override up(): void {
      for (const sql of initialSchema(dialect)) this.addSql(sql);
    }
  };
}
