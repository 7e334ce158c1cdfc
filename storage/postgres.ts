import { MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { postgresChangeFeed } from './sql/change-feed.js';
import { pooledConnections } from './sql/connections.js';
import { POSTGRES_SCHEMA_NAME } from './sql/dialect.js';
import { nodePostgres, type PgPoolClient } from './sql/node-postgres.js';
import type { SqlDatabase, SqlOrm } from './sql/database.js';
import { maskUrl } from './sql/errors.js';
import type { SqlStorage } from './sql/sql-storage.js';
import { createSqlStorage, sqlOrmOptions } from './sql/sql-storage.js';

export type { MigrationReport, SqlStorage } from './sql/sql-storage.js';

export interface PostgresStorageOptions {
  /** `postgres://user:password@host:5432/database` (libpq-style query parameters such as `sslmode` apply). */
  url: string;
  /** Connection pool bounds (default min 0, max 10). */
  pool?: { min?: number; max?: number };
  /** The schema that holds the tables (default `public`); created when missing. */
  schema?: string;
  /** Apply pending schema migrations in `init()` (default true). With false, an outdated schema is refused. */
  migrate?: boolean;
  /** Told when the change feed's listening connection fails or cannot reconnect (the engine then reads through). */
  onChangeFeedError?: (message: string) => void;
}

interface PgConnection {
  query(sql: string, callback: (error: Error | null) => void): unknown;
}

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Storage in PostgreSQL, for several engine processes or hosts sharing one database.
 *
 * Statements are prepared once per connection (named prepared statements). Behind PgBouncer in transaction
 * pooling mode that needs PgBouncer 1.21 or later with `max_prepared_statements` set; session pooling and direct
 * connections need nothing.
 *
 * @example
 * const bridge = createBridge({ storage: postgresStorage({ url: process.env.DATABASE_URL! }), mailer, issuer });
 */
export function postgresStorage(options: PostgresStorageOptions): SqlStorage {
  if (typeof options?.url !== 'string' || !/^postgres(ql)?:\/\//.test(options.url)) {
    throw new TypeError('postgresStorage: url must be a postgres:// or postgresql:// URL');
  }
  const { schema } = options;
  if (schema !== undefined && !POSTGRES_SCHEMA_NAME.test(schema)) {
    throw new TypeError('postgresStorage: schema must be a plain identifier (letters, digits, underscore)');
  }
  const min = options.pool?.min ?? 0;
  const max = options.pool?.max ?? 10;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < 1 || min > max) {
    throw new TypeError('postgresStorage: pool needs integers with 0 <= min <= max and max >= 1');
  }

  return createSqlStorage({
    dialect: 'postgres',
    location: maskUrl(options.url),
    migrate: options.migrate ?? true,
    createOrm: async (): Promise<SqlOrm> =>
      MikroORM.init<PostgreSqlDriver>({
        ...sqlOrmOptions(),
        driver: PostgreSqlDriver,
        clientUrl: options.url,
        ...(schema === undefined ? {} : { schema }),
        pool: {
          min: 0,
          max: Math.min(max, 2),
          // The ORM names the schema in its own queries; the storage's hand-written statements and the
          // migrations rely on the search path instead, set on every pooled connection.
          ...(schema === undefined
            ? {}
            : {
                afterCreate: (connection: PgConnection, done: (error: Error | null, connection: unknown) => void) => {
                  connection.query(`set search_path to "${schema}"`, (error) => done(error, connection));
                },
              }),
        },
        driverOptions: {
          connection: { connectionString: options.url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS },
          acquireConnectionTimeout: CONNECT_TIMEOUT_MS,
        },
      }),
    prepare: schema === undefined ? undefined : (db) => createSchema(db, schema),
    // The ORM connects, checks the connection and migrates. The statements run on a pool of node-postgres's own
    // (its public API), not on the ORM's: the ORM's public API has no way to lend a raw driver connection, and
    // prepared named statements need one. The ORM's pool keeps no idle connection (min 0) once migrations are done.
    openConnections: async (_orm, driver) => {
      const { Pool } = nodePostgres();
      const pool = new Pool({
        connectionString: options.url,
        min,
        max,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        ...(schema === undefined ? {} : { options: `-c search_path="${schema}"` }),
      });
      // A connection the server drops is taken out of the pool. Its 'error' event, idle (on the pool) or lent out (on
      // the client, where the failing statement also rejects), must not crash the process.
      pool.on('error', () => undefined);
      const watched = new WeakSet<object>();
      return pooledConnections(
        {
          acquireConnection: async () => {
            const client = await pool.connect();
            if (!watched.has(client)) {
              watched.add(client);
              client.on('error', () => undefined);
            }
            return client;
          },
          // A connection whose statement failed for a reason other than SQL (no SQLSTATE: it broke) is destroyed.
          releaseConnection: async (client, error) => (client as PgPoolClient).release(isBroken(error) ? (error as Error) : undefined),
        },
        driver,
        () => pool.end(),
      );
    },
    openChangeFeed: async (db) => {
      // The triggers name the schema their table is in; without a schema option that is the search path's first,
      // which the URL may set (`options=-c search_path=…`), so it is asked rather than assumed to be public.
      const [row] = schema === undefined ? await db.all('select current_schema() as name') : [{ name: schema }];
      const feed = postgresChangeFeed({
        url: options.url,
        schema: String(row?.name ?? 'public'),
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        onError: options.onChangeFeedError,
      });
      await feed.start();
      return feed;
    },
  });
}

/** An error with no SQLSTATE came from the connection, not from the statement. */
function isBroken(error: unknown): boolean {
  return error instanceof Error && typeof (error as { code?: unknown }).code !== 'string';
}

async function createSchema(db: SqlDatabase, schema: string): Promise<void> {
  const exists = async (): Promise<boolean> =>
    (await db.all('select 1 as found from pg_namespace where nspname = ?', [schema])).length > 0;
  // Looked up first: CREATE SCHEMA checks the CREATE privilege even when the schema exists, and a runtime role
  // need not have it once the schema is there.
  if (await exists()) return;
  try {
    await db.run(`create schema if not exists "${schema}"`);
  } catch (error) {
    // Two processes creating the schema at the same moment: the loser's IF NOT EXISTS can still fail on the
    // catalog's unique index. The schema is there either way.
    if (!(await exists())) throw error;
  }
}
