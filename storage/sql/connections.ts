import type { ConnectionDriver, SqlRunner } from './drivers.js';
import type { Row } from './records.js';

let writesInProcess = 0;

/**
 * Counts the SQLite writes of this process that have answered, on any database: a change feed that looked at
 * `data_version` earlier in this turn looks again once this moved (another storage of this process on the same file).
 */
export function sqliteWritesInProcess(): number {
  return writesInProcess;
}

/** Where a database's statements run. */
export interface Connections extends SqlRunner {
  /** One statement that only reads: it needs no write lock and may run beside writes. */
  read(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs `work` on one connection that nothing else uses until `work` settles (for a transaction). */
  exclusive<T>(work: (connection: SqlRunner) => Promise<T>): Promise<T>;
  /** SQLite only: a read run synchronously on a read connection (the change feed's per-request check). */
  readSync?(sql: string, params?: readonly unknown[]): Row[];
  /**
   * SQLite only: `PRAGMA data_version` of the writer connection, read synchronously. It changes when another
   * connection commits, not when this one does: this process's own writes are not news to its change feed.
   */
  writerDataVersion?(): unknown;
  /** Closes what these connections opened themselves (not the ORM's pool, which the ORM closes). */
  close(): Promise<void>;
}

/** A pool that lends driver connections. */
export interface ConnectionPool {
  acquireConnection(): Promise<unknown>;
  /** `error`: what the work on it threw, if anything (a pool may then discard the connection). */
  releaseConnection(connection: unknown, error?: unknown): Promise<unknown>;
}

const runnerOn = (driver: ConnectionDriver, connection: unknown): SqlRunner => ({
  all: (sql, params = []) => driver.all(connection, sql, params),
  run: (sql, params = []) => driver.run(connection, sql, params),
});

/** Every statement borrows a connection from a pool for just that statement (Postgres). */
export function pooledConnections(pool: ConnectionPool, driver: ConnectionDriver, closePool: () => Promise<void> = async () => {}): Connections {
  const withConnection = async <T>(work: (connection: unknown) => Promise<T>): Promise<T> => {
    const connection = await pool.acquireConnection();
    let failure: unknown;
    try {
      return await work(connection);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      await pool.releaseConnection(connection, failure);
    }
  };
  const all = (sql: string, params: readonly unknown[] = []): Promise<Row[]> =>
    withConnection((connection) => driver.all(connection, sql, params));
  return {
    all,
    read: all,
    run: (sql, params = []) => withConnection((connection) => driver.run(connection, sql, params)),
    exclusive: (work) => withConnection((connection) => work(runnerOn(driver, connection))),
    close: closePool,
  };
}

/**
 * One SQLite writer connection and a read connection, held for the life of the storage.
 *
 * SQLite has one writer per database, so this process writes through one connection. A transaction needs the
 * connection to itself: statements that come while it runs (between its awaits) wait until it ends, so none of them
 * can land inside its BEGIN … COMMIT.
 *
 * WAL lets readers run beside the writer, each on the last committed state: a read never waits for a write in
 * progress, and a read issued after a write has answered sees it (the write committed before it answered).
 */
export function sqliteConnections(
  driver: ConnectionDriver,
  writer: unknown,
  readers: readonly unknown[],
  closeAll: () => Promise<void>,
): Connections {
  const writes = runnerOn(driver, writer);
  let unanswered = 0;
  let transaction: Promise<void> | null = null;
  let drained: (() => void) | null = null;

  const statement = async <T>(send: () => Promise<T>): Promise<T> => {
    while (transaction) await transaction;
    unanswered += 1;
    try {
      return await send();
    } finally {
      writesInProcess += 1;
      unanswered -= 1;
      if (unanswered === 0) drained?.();
    }
  };

  let nextReader = 0;
  const reader = (): unknown => {
    nextReader = (nextReader + 1) % readers.length;
    return readers[nextReader];
  };

  return {
    all: (sql, params = []) => statement(() => writes.all(sql, params)),
    run: (sql, params = []) => statement(() => writes.run(sql, params)),
    read: (sql, params = []) => driver.all(reader(), sql, params),
    readSync: (sql, params = []) => driver.allSync!(reader(), sql, params),
    // Outside the statement queue on purpose: inside a transaction of this writer no other connection can commit,
    // so the value read there is the one the transaction will end with.
    writerDataVersion: () => driver.allSync!(writer, 'pragma data_version', [])[0].data_version,
    async exclusive(work) {
      while (transaction) await transaction;
      let end!: () => void;
      transaction = new Promise((resolve) => (end = resolve));
      try {
        if (unanswered > 0) await new Promise<void>((resolve) => (drained = resolve));
        drained = null;
        return await work(writes);
      } finally {
        writesInProcess += 1;
        transaction = null;
        end();
      }
    },
    close: closeAll,
  };
}
