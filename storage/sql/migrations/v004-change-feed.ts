import { Migration } from '@mikro-orm/migrations';
import type { SqlDialect } from '../dialect.js';
import type { MigrationClass } from './v001-initial.js';

/**
 * The change feed: every committed change to a row that engine processes keep in a read cache (embed keys, signing
 * keys, tenants, a session's revocation, a customer's identity) names its row in a topic, from a trigger, so it holds
 * for every writer — this process, another one, the CLI, a hand-written UPDATE. On SQLite the topics go into
 * `aforo_changes`, which each process reads past the last sequence number it saw; on Postgres the trigger sends them
 * with `pg_notify` on the `aforo_changes` channel, delivered when the writing transaction commits. See
 * storage/sql/change-feed.ts.
 *
 * Topics: `embedKey:<id>`, `signingKey:<tenant> <kid>`, `tenant:<slug>`, `session:<sid>`, `customer:<tenant> <id>`.
 */
export function changeFeedSchema(dialect: SqlDialect): string[] {
  const differs = (column: string): string =>
    dialect === 'sqlite' ? `old.${column} is not new.${column}` : `old.${column} is distinct from new.${column}`;
  const watched: Array<{ table: string; topic: string; when?: string }> = [
    { table: 'embed_keys', topic: `'embedKey:' || new.id` },
    { table: 'signing_keys', topic: `'signingKey:' || new.tenant || ' ' || new.kid` },
    { table: 'tenants', topic: `'tenant:' || new.slug` },
    { table: 'sessions', topic: `'session:' || new.sid`, when: differs('revoked_at') },
    {
      table: 'customers',
      topic: `'customer:' || new.tenant || ' ' || new.id`,
      when: ['email', 'name', 'external_id'].map(differs).join(' or '),
    },
  ];
  const when = (condition?: string): string => (condition ? ` when (${condition})` : '');

  if (dialect === 'sqlite') {
    return [
      `create table aforo_changes (seq integer primary key autoincrement, topic text not null, at integer not null)`,
      `create index aforo_changes_at on aforo_changes (at)`,
      ...watched.map(
        ({ table, topic, when: condition }) =>
          `create trigger ${table}_changed after update on ${table} for each row${when(condition)}
           begin insert into aforo_changes (topic, at)
             values (${topic}, cast((julianday('now') - 2440587.5) * 86400000 as integer)); end`,
      ),
      `update aforo_schema set version = 4 where id = 1`,
    ];
  }
  // One function per table (a row of another table has other columns). The schema leads the payload, so processes
  // on other schemas of one database tell their changes apart: the channel is database-wide.
  return [
    ...watched.flatMap(({ table, topic, when: condition }) => [
      `create function ${table}_notify() returns trigger language plpgsql as $$
       begin perform pg_notify('aforo_changes', TG_TABLE_SCHEMA || ' ' || ${topic}); return null; end $$`,
      `create trigger ${table}_changed after update on ${table} for each row${when(condition)}
       execute function ${table}_notify()`,
    ]),
    `update aforo_schema set version = 4 where id = 1`,
  ];
}

/** Builds the class of migration 4 for one dialect. */
export function v004ChangeFeed(dialect: SqlDialect): MigrationClass {
  return class V004ChangeFeed extends Migration {
    override up(): void {
      for (const sql of changeFeedSchema(dialect)) this.addSql(sql);
    }
  };
}
