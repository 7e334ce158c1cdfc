import type { SqlDialect } from './dialect.js';
import type { Row } from './records.js';

/** Runs SQL with `?` placeholders: `all` returns the rows, `run` the number of rows it changed. */
export interface SqlRunner {
  all(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** One statement on one driver connection (a node-sqlite3 `Database` or a node-postgres `Client`). */
export interface ConnectionDriver {
  all(connection: unknown, sql: string, params: readonly unknown[]): Promise<Row[]>;
  run(connection: unknown, sql: string, params: readonly unknown[]): Promise<number>;
  /** Lets go of what the driver keeps for a connection (SQLite: its prepared statements); call before closing it. */
  forget(connection: unknown): Promise<void>;
}

interface SqliteStatement {
  all(params: unknown[], callback: (error: Error | null, rows: Row[]) => void): unknown;
  run(params: unknown[], callback: (this: { changes: number }, error: Error | null) => void): unknown;
  finalize(callback?: (error: Error | null) => void): unknown;
}

interface SqliteHandle {
  prepare(sql: string): SqliteStatement;
}

interface PgClient {
  query(config: { text: string; name?: string; values: unknown[] }): Promise<{ rows: Row[]; rowCount: number | null }>;
}

// Idle prepared statements kept per connection and SQL text: enough for the callers of one hot statement at once.
const IDLE_STATEMENTS = 16;

/**
 * node-sqlite3 prepares, runs and finalizes a one-off statement in three trips to its thread pool; a statement
 * prepared once is one trip per run, and SQLite skips parsing and planning. A prepared statement runs one call at a
 * time, so each connection keeps a few idle ones per SQL text, and concurrent callers take one each. A statement
 * whose run failed is dropped rather than reused, so a failed prepare (a table not there yet) is not kept.
 */
function sqliteDriver(): ConnectionDriver {
  const cache = new WeakMap<object, Map<string, SqliteStatement[]>>();
  const idleFor = (connection: unknown, sql: string): SqliteStatement[] => {
    let bySql = cache.get(connection as object);
    if (!bySql) cache.set(connection as object, (bySql = new Map()));
    let idle = bySql.get(sql);
    if (!idle) bySql.set(sql, (idle = []));
    return idle;
  };
  const settle = (idle: SqliteStatement[], statement: SqliteStatement, failed: boolean): void => {
    if (failed || idle.length >= IDLE_STATEMENTS) statement.finalize();
    else idle.push(statement);
  };
  return {
    all: (connection, sql, params) =>
      new Promise((resolve, reject) => {
        const idle = idleFor(connection, sql);
        const statement = idle.pop() ?? (connection as SqliteHandle).prepare(sql);
        statement.all([...params], (error, rows) => {
          settle(idle, statement, error !== null);
          if (error) reject(error);
          else resolve(rows);
        });
      }),
    run: (connection, sql, params) =>
      new Promise((resolve, reject) => {
        const idle = idleFor(connection, sql);
        const statement = idle.pop() ?? (connection as SqliteHandle).prepare(sql);
        statement.run([...params], function (error) {
          settle(idle, statement, error !== null);
          if (error) reject(error);
          else resolve(this.changes);
        });
      }),
    async forget(connection) {
      const bySql = cache.get(connection as object);
      cache.delete(connection as object);
      const statements = [...(bySql?.values() ?? [])].flat();
      await Promise.all(
        statements.map((statement) => new Promise<void>((resolve) => statement.finalize(() => resolve()))),
      );
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
