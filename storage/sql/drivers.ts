import type { SqlDialect } from './dialect.js';
import type { Row } from './records.js';

/** Runs SQL with `?` placeholders: `all` returns the rows, `run` the number of rows it changed. */
export interface SqlRunner {
  all(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** One statement on one driver connection (a better-sqlite3 `Database` or a node-postgres `Client`). */
export interface ConnectionDriver {
  /** SQLite only: the statement run synchronously, for the change feed's per-request check. */
  allSync?(connection: unknown, sql: string, params: readonly unknown[]): Row[];
  all(connection: unknown, sql: string, params: readonly unknown[]): Promise<Row[]>;
  run(connection: unknown, sql: string, params: readonly unknown[]): Promise<number>;
  /** Lets go of what the driver keeps for a connection (SQLite: its prepared statements); call before closing it. */
  forget(connection: unknown): Promise<void>;
}

interface SqliteStatement {
  readonly reader: boolean;
  all(params: unknown[]): Row[];
  run(params: unknown[]): { changes: number };
}

/** A better-sqlite3 `Database`: statements run synchronously on the calling thread. */
export interface SqliteHandle {
  prepare(sql: string): SqliteStatement;
  close(): void;
}

interface PgClient {
  query(config: { text: string; name?: string; values: unknown[] }): Promise<{ rows: Row[]; rowCount: number | null }>;
}

/**
 * better-sqlite3 runs a statement on the calling thread: an indexed lookup is a few microseconds, with no trip to a
 * thread pool and back (node-sqlite3's model, which cost more than the lookup itself on the hot routes). Each SQL
 * text is prepared once per connection and kept; a statement runs to completion before the call returns, so one
 * prepared statement serves every caller.
 */
function sqliteDriver(): ConnectionDriver {
  const cache = new WeakMap<object, Map<string, SqliteStatement>>();
  const prepared = (connection: unknown, sql: string): SqliteStatement => {
    let bySql = cache.get(connection as object);
    if (!bySql) cache.set(connection as object, (bySql = new Map()));
    let statement = bySql.get(sql);
    if (!statement) bySql.set(sql, (statement = (connection as SqliteHandle).prepare(sql)));
    return statement;
  };
  return {
    allSync: (connection, sql, params) => {
      const statement = prepared(connection, sql);
      if (statement.reader) return statement.all([...params]);
      statement.run([...params]);
      return [];
    },
    all(connection, sql, params) {
      try {
        return Promise.resolve(this.allSync!(connection, sql, params));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    run(connection, sql, params) {
      try {
        return Promise.resolve(prepared(connection, sql).run([...params]).changes);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async forget(connection) {
      cache.delete(connection as object);
    },
  };
}

// Statements are written once with `?`; Postgres numbers its parameters. The statements are a fixed set of
// strings (a few variants each), so each is translated once and kept, with a name: node-postgres prepares a named
// statement once per connection and then only binds and executes it, so the server parses and plans it once.
// Statements without parameters (BEGIN, COMMIT, set-up) go unnamed.
interface PgStatement {
  text: string;
  name?: string;
}
const statements = new Map<string, PgStatement>();
const PLACEHOLDER_OR_QUOTED = /'(?:[^']|'')*'|"(?:[^"]|"")*"|\?/g;

function pgStatement(sql: string, params: readonly unknown[]): { text: string; name?: string; values: unknown[] } {
  let statement = statements.get(sql);
  if (statement === undefined) {
    let index = 0;
    const text = sql.replace(PLACEHOLDER_OR_QUOTED, (match) => (match === '?' ? `$${(index += 1)}` : match));
    statement = index === 0 ? { text } : { text, name: `aforo_${statements.size + 1}` };
    statements.set(sql, statement);
  }
  return { ...statement, values: [...params] };
}
const postgresDriver: ConnectionDriver = {
  all: async (connection, sql, params) => (await (connection as PgClient).query(pgStatement(sql, params))).rows,
  run: async (connection, sql, params) =>
    (await (connection as PgClient).query(pgStatement(sql, params))).rowCount ?? 0,
  forget: async () => {},
};

/**
 * Statements go straight to the driver with bound parameters: no query builder, no entity hydration, no
 * formatting of values into the SQL text. Every statement of the storage is a fixed string written by hand.
 * Each SQLite storage gets a driver of its own, holding its connections' prepared statements.
 */
export function connectionDriver(dialect: SqlDialect): ConnectionDriver {
  return dialect === 'sqlite' ? sqliteDriver() : postgresDriver;
}
