import type { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlDriver, SqlEntityManager } from '@mikro-orm/knex';
import type { Connections } from './connections.js';
import type { SqlDialect } from './dialect.js';
import type { SqlRunner } from './drivers.js';
import { delay, isSqliteBusy } from './errors.js';
import { perTurn } from './per-turn.js';
import type { RecordReader, Row } from './records.js';
import { recordReader } from './records.js';

export type { SqlRunner } from './drivers.js';
export type { Row } from './records.js';

export type SqlOrm = MikroORM<AbstractSqlDriver, SqlEntityManager>;

// With a 5 s busy_timeout a statement only fails with SQLITE_BUSY under extreme contention; a failed statement
// wrote nothing, so it is simply run again, a bounded number of times.
const BUSY_RETRIES = 8;
const backoff = (attempt: number): number => 10 * 2 ** Math.min(attempt, 6) * (0.5 + Math.random());

/**
 * What the storage runs its statements on. The ORM opens the database and applies the migrations; each storage
 * step is one or a few hand-written statements sent to a driver connection (see connections.ts and drivers.ts),
 * and rows become domain records through `records`. A write transaction serialises writers on both backends.
 */
export class SqlDatabase implements SqlRunner {
  readonly records: RecordReader;
  private readonly grouped = perTurn((steps: Array<(tx: SqlRunner) => Promise<unknown>>) => this.commitGroup(steps));

  constructor(
    readonly orm: SqlOrm,
    readonly dialect: SqlDialect,
    private readonly connections: Connections,
  ) {
    this.records = recordReader(dialect);
  }

  all(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.retryBusy(() => this.connections.all(sql, params));
  }

  run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.retryBusy(() => this.connections.run(sql, params));
  }

  /**
   * A lookup that writes nothing and needs no lock: on SQLite it runs on a read connection, beside the writes.
   * It sees every write that answered before it was issued.
   */
  read(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.retryBusy(() => this.connections.read(sql, params));
  }

  /** SQLite only: a read run synchronously on a read connection; it sees every write that answered before it. */
  readSync(sql: string, params: readonly unknown[] = []): Row[] {
    if (!this.connections.readSync) throw new Error('synchronous reads are a SQLite feature');
    return this.connections.readSync(sql, params);
  }

  /** SQLite only: the writer connection's `PRAGMA data_version` (see Connections.writerDataVersion). */
  writerDataVersion(): unknown {
    if (!this.connections.writerDataVersion) throw new Error('data_version is a SQLite feature');
    return this.connections.writerDataVersion();
  }

  /**
   * Runs `work` in one transaction on one connection that holds the write lock from its first statement. On
   * SQLite it is `BEGIN IMMEDIATE`: the database's single writer lock is taken up front (waiting out
   * busy_timeout), so no other writer can interleave, and no read snapshot can go stale before the first write
   * (a deferred transaction would fail with SQLITE_BUSY there instead of waiting). On Postgres it is an ordinary
   * transaction; `work` takes the row locks it needs with `SELECT … FOR UPDATE` on the same transaction.
   */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const begin = this.dialect === 'sqlite' ? 'begin immediate' : 'begin';
    return this.retryBusy(() =>
      this.connections.exclusive(async (tx) => {
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

  /**
   * Runs `work` in a transaction, on SQLite shared with the other grouped writes that arrive in the same turn of the
   * event loop (group commit). A commit is the expensive part of a SQLite write (each page it dirtied is appended
   * to the WAL, one frame each). An exchange writes three rows whose keys are mostly time-ordered, so the exchanges
   * of one commit dirty the same last pages of each index, and one commit for several costs little more than one. A
   * step that throws is undone alone and rejects alone, the others commit (see commitGroup). A step may run more
   * than once, so it must only write through `tx`.
   * Nothing answers before the shared COMMIT, so a step that resolved is durable as with `transaction`. Postgres
   * commits each on its own (its steps are single statements already).
   */
  groupedTransaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    if (this.dialect !== 'sqlite') return this.transaction(work);
    return this.grouped(work) as Promise<T>;
  }

  private async commitGroup(steps: Array<(tx: SqlRunner) => Promise<unknown>>): Promise<unknown[]> {
    if (steps.length === 1) return [await this.transaction(steps[0])];
    // Steps almost never fail, and two savepoint statements per step cost about a fifth of an exchange's writes
    // (measured in a loop of better-sqlite3 batches): the steps run bare first. If one throws, that transaction is
    // rolled back whole and the group runs again with a savepoint per step, so the failing step still fails alone.
    try {
      return await this.transaction(async (tx) => {
        const values: unknown[] = [];
        for (const step of steps) values.push(await step(tx));
        return values;
      });
    } catch {
      return this.commitGroupStepByStep(steps);
    }
  }

  private async commitGroupStepByStep(steps: Array<(tx: SqlRunner) => Promise<unknown>>): Promise<unknown[]> {
    const outcomes = await this.transaction(async (tx) => {
      // A transaction retried after SQLITE_BUSY runs every step again from the start, with fresh outcomes.
      const each: Array<{ value: unknown } | { error: unknown }> = [];
      for (const step of steps) {
        await tx.run('savepoint aforo_step');
        try {
          each.push({ value: await step(tx) });
          await tx.run('release aforo_step');
        } catch (error) {
          await tx.run('rollback to aforo_step');
          await tx.run('release aforo_step');
          each.push({ error });
        }
      }
      return each;
    });
    return outcomes.map((outcome) => ('error' in outcome ? Promise.reject(outcome.error) : outcome.value));
  }

  /** Closes the storage's own connections, then the ORM and its pool. */
  async close(): Promise<void> {
    try {
      await this.connections.close();
    } finally {
      await this.orm.close(true);
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
