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
}

interface SqliteHandle {
  all(sql: string, params: unknown[], callback: (error: Error | null, rows: Row[]) => void): unknown;
  run(sql: string, params: unknown[], callback: (this: { changes: number }, error: Error | null) => void): unknown;
}

interface PgClient {
  query(config: { text: string; values: unknown[] }): Promise<{ rows: Row[]; rowCount: number | null }>;
}

const sqliteDriver: ConnectionDriver = {
  all: (connection, sql, params) =>
    new Promise((resolve, reject) => {
      (connection as SqliteHandle).all(sql, [...params], (error, rows) => (error ? reject(error) : resolve(rows)));
    }),
  run: (connection, sql, params) =>
    new Promise((resolve, reject) => {
      (connection as SqliteHandle).run(sql, [...params], function (error) {
        if (error) reject(error);
        else resolve(this.changes);
      });
    }),
};

// Statements are written once with `?`; Postgres numbers its parameters. The statements are a fixed set of
// strings (a few variants each), so the translation is done once per string and kept.
const numbered = new Map<string, string>();
const PLACEHOLDER_OR_QUOTED = /'(?:[^']|'')*'|"(?:[^"]|"")*"|\?/g;

function numberPlaceholders(sql: string): string {
  let text = numbered.get(sql);
  if (text === undefined) {
    let index = 0;
    text = sql.replace(PLACEHOLDER_OR_QUOTED, (match) => (match === '?' ? `$${(index += 1)}` : match));
    numbered.set(sql, text);
  }
  return text;
}

const postgresDriver: ConnectionDriver = {
  all: async (connection, sql, params) =>
    (await (connection as PgClient).query({ text: numberPlaceholders(sql), values: [...params] })).rows,
  run: async (connection, sql, params) =>
    (await (connection as PgClient).query({ text: numberPlaceholders(sql), values: [...params] })).rowCount ?? 0,
};

/**
 * Statements go straight to the driver with bound parameters: no query builder, no entity hydration, no
 * formatting of values into the SQL text. Every statement of the storage is a fixed string written by hand.
 */
export function connectionDriver(dialect: SqlDialect): ConnectionDriver {
  return dialect === 'sqlite' ? sqliteDriver : postgresDriver;
}
