import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { BetterSqliteDriver, MikroORM } from '@mikro-orm/better-sqlite';
import Database from 'better-sqlite3';
import { sqliteChangeFeed } from './sql/change-feed.js';
import { startCheckpointer, type Checkpointer } from './sql/checkpointer.js';
import type { Connections } from './sql/connections.js';
import type { SqliteHandle } from './sql/drivers.js';
import { sqliteConnections } from './sql/connections.js';
import type { SqlOrm } from './sql/database.js';
import { delay, isSqliteBusy } from './sql/errors.js';
import type { SqlStorage } from './sql/sql-storage.js';
import { createSqlStorage, sqlOrmOptions } from './sql/sql-storage.js';

export type { MigrationReport, SqlStorage } from './sql/sql-storage.js';

export interface SqliteStorageOptions {
  /** The database file; created (with its folder) on first start. */
  path: string;
  /** Apply pending schema migrations in `init()` (default true). With false, an outdated schema is refused. */
  migrate?: boolean;
  /** How long a statement waits for another process's write lock before it fails (default 5000 ms). */
  busyTimeoutMs?: number;
}

/** A better-sqlite3 connection, as the ORM's pool hands it to `afterCreate` and as this file opens them. */
interface SqliteConnection {
  exec(sql: string): unknown;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;
const PRAGMA_ATTEMPTS = 10;

const PRIVATE_FILE = 0o600;

/**
 * Creates the database file readable and writable by its owner only, when it does not exist yet: it holds the
 * engine key and, without a master key, signing secrets as they are. SQLite gives its -wal and -shm files the mode
 * of the database file. Returns whether this call created the file; an existing file keeps the mode it has.
 */
function createPrivateFile(path: string): boolean {
  mkdirSync(dirname(path), { recursive: true });
  let fd: number;
  try {
    // `wx` creates or fails: of processes starting together on a new path, one creates it, the others open it.
    fd = openSync(path, 'wx', PRIVATE_FILE);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EEXIST') return false;
    throw error;
  }
  try {
    // The mode given to open is narrowed by the umask; the file must still be writable by its owner.
    fchmodSync(fd, PRIVATE_FILE);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The -wal and -shm files of a database this process created: made 0600 whatever the umask did to them. */
function restrictCompanions(path: string): void {
  for (const suffix of ['-wal', '-shm']) {
    try {
      chmodSync(`${path}${suffix}`, PRIVATE_FILE);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
    }
  }
}

/**
 * Storage in one SQLite file, shared safely by several processes on one machine: WAL journal, a busy timeout so
 * writers wait for each other instead of failing, foreign keys on. Write-heavy multi-host deployments want
 * `postgresStorage`. A database file it creates, and its -wal and -shm files, are readable by their owner only (0600).
 *
 * @example
 * const bridge = createBridge({ storage: sqliteStorage({ path: './data/aforo.db' }), mailer, issuer });
 */
export function sqliteStorage(options: SqliteStorageOptions): SqlStorage {
  if (typeof options?.path !== 'string' || options.path.trim() === '') {
    throw new TypeError('sqliteStorage: path must be the database file path');
  }
  // The storage opens several connections, and each would get a database of its own; use memoryStorage() instead.
  if (options.path === ':memory:') {
    throw new TypeError('sqliteStorage: an in-memory database is not supported (each connection would have its own); use memoryStorage()');
  }
  // better-sqlite3 takes no URI filenames: `file:/tmp/a.db` would be a folder named `file:` in the current one.
  if (/^file:/i.test(options.path)) {
    throw new TypeError('sqliteStorage: path must be a file path, not a file: URI');
  }
  const busyTimeout = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (!Number.isInteger(busyTimeout) || busyTimeout < 0) {
    throw new TypeError('sqliteStorage: busyTimeoutMs must be a non-negative integer');
  }
  const pragmas =
    `pragma busy_timeout = ${busyTimeout}; pragma foreign_keys = on; ` +
    `pragma journal_mode = wal; pragma synchronous = normal; ` +
    // An exchange appends a few B-tree pages to the WAL, which a worker thread copies into the database every
    // 100 ms (sql/checkpointer.ts). The commit that crosses 10,000 pages (not SQLite's 1,000) checkpoints what that
    // thread has not copied yet; the WAL starts over at a write that finds it copied to its end, and is cut back to
    // 64 MB when it does. A 16 MB page cache keeps the indexes the writes touch.
    `pragma cache_size = -16000; pragma wal_autocheckpoint = 10000; pragma journal_size_limit = 67108864;`;
  // The file is in WAL mode by the time readers open (the writer switched it); query_only makes sure a read
  // connection can never take the write lock.
  const readerPragmas = `pragma busy_timeout = ${busyTimeout}; pragma query_only = on;`;

  // Switching a fresh file to WAL needs an exclusive lock for a moment, which a process starting at the same
  // time may hold; the busy timeout does not cover that switch, so it is retried.
  const prepareConnection = async (connection: SqliteConnection, settings = pragmas): Promise<void> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        connection.exec(settings);
        return;
      } catch (error) {
        if (!isSqliteBusy(error) || attempt >= PRAGMA_ATTEMPTS) throw error;
        await delay(20 * attempt);
      }
    }
  };

  let created = false;
  return createSqlStorage({
    dialect: 'sqlite',
    location: `sqlite:${options.path}`,
    migrate: options.migrate ?? true,
    createOrm: async (): Promise<SqlOrm> => {
      created = createPrivateFile(options.path) || created;
      return MikroORM.init<BetterSqliteDriver>({
        ...sqlOrmOptions(),
        driver: BetterSqliteDriver,
        dbName: options.path,
        pool: {
          // The ORM's own connection runs the migrations; the storage's statements run on the connections below.
          min: 1,
          max: 1,
          afterCreate: (connection: SqliteConnection, done: (error: Error | null, connection: unknown) => void) => {
            prepareConnection(connection).then(
              () => done(null, connection),
              (error: Error) => done(error, connection),
            );
          },
        },
      });
    },
    openChangeFeed: async (db) => {
      const feed = sqliteChangeFeed(db);
      await feed.start();
      return feed;
    },
    openConnections: async (_orm, driver): Promise<Connections> => {
      // The ORM's own connection only migrates. The statements run on two connections opened here with
      // better-sqlite3's public API, because they are run synchronously (drivers.ts), which the ORM's asynchronous
      // query API cannot do: one writer (SQLite has one writer at a time anyway) and one reader, which WAL lets
      // read the last committed state while the writer is inside a transaction.
      const opened: SqliteHandle[] = [];
      let checkpointer: Checkpointer | null = null;
      const closeAll = async (): Promise<void> => {
        await checkpointer?.stop();
        checkpointer = null;
        for (const connection of opened.splice(0)) {
          await driver.forget(connection);
          connection.close();
        }
      };
      const open = async (settings: string): Promise<SqliteHandle> => {
        const connection = new Database(options.path, { timeout: busyTimeout }) as unknown as SqliteHandle & SqliteConnection;
        opened.push(connection);
        await prepareConnection(connection, settings);
        return connection;
      };
      try {
        const writer = await open(pragmas);
        const reader = await open(readerPragmas);
        // The writer switched the file to WAL, so both companion files exist by now.
        if (created) restrictCompanions(options.path);
        checkpointer = startCheckpointer(options.path);
        return sqliteConnections(driver, writer, [reader], closeAll);
      } catch (error) {
        await closeAll().catch(() => undefined);
        throw error;
      }
    },
  });
}
