import type { EntityDictionary, EntityName, MikroORM, QueryResult } from '@mikro-orm/core';
import type { AbstractSqlDriver, SqlEntityManager } from '@mikro-orm/knex';
import type { SqlDialect } from './dialect.js';
import { delay, isSqliteBusy } from './errors.js';

export type Row = Record<string, unknown>;

/** Runs SQL with `?` placeholders: `all` returns the rows, `run` the number of rows it changed. */
export interface SqlRunner {
  all(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

export type SqlOrm = MikroORM<AbstractSqlDriver, SqlEntityManager>;

/** The part of a node-sqlite3 connection the write transaction uses. */
interface SqliteHandle {
  all(sql: string, params: unknown[], callback: (error: Error | null, rows: Row[]) => void): unknown;
  run(sql: string, params: unknown[], callback: (this: { changes: number }, error: Error | null) => void): unknown;
}

interface ConnectionPool {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
}

// With a 5 s busy_timeout a statement only fails with SQLITE_BUSY under extreme contention; a failed statement
// wrote nothing, so it is simply run again, a bounded number of times.
const BUSY_RETRIES = 8;
const backoff = (attempt: number): number => 10 * 2 ** Math.min(attempt, 6) * (0.5 + Math.random());

/**
 * The ORM plus the few things the storage needs around it: a fresh EntityManager fork per operation (never the
 * global context), raw statements for the atomic steps, and a write transaction that serialises writers on both
 * backends.
 */
export class SqlDatabase implements SqlRunner {
  constructor(
    readonly orm: SqlOrm,
    readonly dialect: SqlDialect,
  ) {}

  /** A fresh fork: no identity map is shared between operations. */
  em(): SqlEntityManager {
    return this.orm.em.fork();
  }

  /** Runs ORM work on a fresh fork. */
  withEm<T>(work: (em: SqlEntityManager) => Promise<T>): Promise<T> {
    return this.retryBusy(() => work(this.em()));
  }

  all(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.retryBusy(() => this.em().execute<Row[]>(sql, [...params], 'all'));
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    const result = await this.retryBusy(() => this.em().execute<QueryResult>(sql, [...params], 'run'));
    return result.affectedRows;
  }

  /** Turns a raw row (snake_case columns, driver types) into the entity, through the entity's column types. */
  map<T extends object>(entity: EntityName<T>, row: Row): T {
    return this.em().map<T>(entity, row as EntityDictionary<T>);
  }

  /**
   * Runs `work` in one transaction that holds the write lock from its first statement. On SQLite it is
   * `BEGIN IMMEDIATE`: the database's single writer lock is taken up front (waiting out busy_timeout), so no
   * other writer can interleave, and no read snapshot can go stale before the first write (a deferred
   * transaction would fail with SQLITE_BUSY there instead of waiting). On Postgres it is an ordinary
   * transaction; `work` takes the row locks it needs with `SELECT … FOR UPDATE` on the same transaction.
   */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    if (this.dialect === 'sqlite') return this.retryBusy(() => this.sqliteTransaction(work));
    return this.em().transactional((em) =>
      work({
        all: (sql, params = []) => em.execute<Row[]>(sql, [...params], 'all'),
        run: async (sql, params = []) => (await em.execute<QueryResult>(sql, [...params], 'run')).affectedRows,
      }),
    );
  }

  private async sqliteTransaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    // The ORM's transactions always say plain `BEGIN`, so this one runs on a connection taken from the pool
    // (SQLite's pool holds one connection: everything else in this process waits until it is released).
    const pool: ConnectionPool = this.orm.em.getKnex().client;
    const handle = (await pool.acquireConnection()) as SqliteHandle;
    const all = (sql: string, params: readonly unknown[] = []): Promise<Row[]> =>
      new Promise((resolve, reject) => {
        handle.all(sql, [...params], (error, rows) => (error ? reject(error) : resolve(rows)));
      });
    const run = (sql: string, params: readonly unknown[] = []): Promise<number> =>
      new Promise((resolve, reject) => {
        handle.run(sql, [...params], function (error) {
          if (error) reject(error);
          else resolve(this.changes);
        });
      });
    let open = false;
    try {
      await run('begin immediate');
      open = true;
      const result = await work({ all, run });
      await run('commit');
      open = false;
      return result;
    } catch (error) {
      if (open) await run('rollback').catch(() => undefined);
      throw error;
    } finally {
      await pool.releaseConnection(handle);
    }
  }

  private async retryBusy<T>(operation: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await operation();
      } catch (error) {
        if (this.dialect !== 'sqlite' || !isSqliteBusy(error) || attempt >= BUSY_RETRIES) throw error;
        await delay(backoff(attempt));
      }
    }
  }
}

export const ms = (date: Date): number => date.getTime();
