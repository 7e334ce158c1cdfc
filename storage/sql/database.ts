import type { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlDriver, SqlEntityManager } from '@mikro-orm/knex';
import type { SqlDialect } from './dialect.js';
import type { ConnectionDriver, SqlRunner } from './drivers.js';
import { connectionDriver } from './drivers.js';
import { delay, isSqliteBusy } from './errors.js';
import type { RecordReader, Row } from './records.js';
import { recordReader } from './records.js';

export type { SqlRunner } from './drivers.js';
export type { Row } from './records.js';

export type SqlOrm = MikroORM<AbstractSqlDriver, SqlEntityManager>;

/** The ORM's connection pool (knex's client): the storage borrows driver connections from it. */
interface ConnectionPool {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
}

// With a 5 s busy_timeout a statement only fails with SQLITE_BUSY under extreme contention; a failed statement
// wrote nothing, so it is simply run again, a bounded number of times.
const BUSY_RETRIES = 8;
const backoff = (attempt: number): number => 10 * 2 ** Math.min(attempt, 6) * (0.5 + Math.random());

/**
 * What the storage runs its statements on. The ORM opens the database, owns the connection pool and applies the
 * migrations; each storage step is one or a few hand-written statements sent to a pooled driver connection
 * (see drivers.ts), and rows become domain records through `records`. A write transaction serialises writers on
 * both backends.
 */
export class SqlDatabase implements SqlRunner {
  readonly records: RecordReader;
  private readonly driver: ConnectionDriver;
  private readonly pool: ConnectionPool;

  constructor(
    readonly orm: SqlOrm,
    readonly dialect: SqlDialect,
  ) {
    this.records = recordReader(dialect);
    this.driver = connectionDriver(dialect);
    this.pool = orm.em.getKnex().client as ConnectionPool;
  }

  all(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.retryBusy(() => this.withConnection((connection) => this.driver.all(connection, sql, params)));
  }

  run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.retryBusy(() => this.withConnection((connection) => this.driver.run(connection, sql, params)));
  }

  /**
   * Runs `work` in one transaction on one connection that holds the write lock from its first statement. On
   * SQLite it is `BEGIN IMMEDIATE`: the database's single writer lock is taken up front (waiting out
   * busy_timeout), so no other writer can interleave, and no read snapshot can go stale before the first write
   * (a deferred transaction would fail with SQLITE_BUSY there instead of waiting). SQLite's pool holds one
   * connection, so everything else in this process waits until the transaction ends. On Postgres it is an
   * ordinary transaction; `work` takes the row locks it needs with `SELECT … FOR UPDATE` on the same transaction.
   */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const begin = this.dialect === 'sqlite' ? 'begin immediate' : 'begin';
    return this.retryBusy(() =>
      this.withConnection(async (connection) => {
        const tx: SqlRunner = {
          all: (sql, params = []) => this.driver.all(connection, sql, params),
          run: (sql, params = []) => this.driver.run(connection, sql, params),
        };
        await tx.run(begin);
        try {
          const result = await work(tx);
          await tx.run('commit');
          return result;
        } catch (error) {
          // A rollback only fails when the transaction is already gone (SQLite ended it on a hard error, or the
          // Postgres connection broke, which the pool then discards): either way nothing is left open.
          await tx.run('rollback').catch(() => undefined);
          throw error;
        }
      }),
    );
  }

  private async withConnection<T>(work: (connection: unknown) => Promise<T>): Promise<T> {
    const connection = await this.pool.acquireConnection();
    try {
      return await work(connection);
    } finally {
      await this.pool.releaseConnection(connection);
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
export const nullableMs = (date: Date | null): number | null => (date === null ? null : date.getTime());
