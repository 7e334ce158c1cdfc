import type { Options } from '@mikro-orm/core';
import type { ChangeFeed, Storage } from '../../lib/storage.js';
import type { Connections } from './connections.js';
import { customerMethods } from './customers.js';
import type { SqlOrm } from './database.js';
import { SqlDatabase } from './database.js';
import type { SqlDialect } from './dialect.js';
import type { ConnectionDriver } from './drivers.js';
import { connectionDriver } from './drivers.js';
import { engineAuditMethods } from './engine-audit.js';
import { errorMessage } from './errors.js';
import type { MigrationReport } from './migrate.js';
import { migrateSchema, requireCurrentSchema } from './migrate.js';
import { oneTimeMethods } from './one-time.js';
import { resumeMethods } from './resume.js';
import { subscriptionMethods } from './subscriptions.js';
import { tenantKeyMethods } from './tenant-keys.js';

export type { MigrationReport } from './migrate.js';

/** A SQL storage: the Storage contract plus schema migration for the CLI. */
export interface SqlStorage extends Storage {
  /**
   * Connects if needed and brings the schema to the version this release knows, creating it on an empty database.
   * `init()` does the same unless the storage was made with `migrate: false`; `aforo-bridge migrate` calls this.
   */
  migrate(): Promise<MigrationReport>;
}

/** What a driver entry point (storage/sqlite.ts, storage/postgres.ts) supplies. */
export interface SqlStorageSetup {
  dialect: SqlDialect;
  /** Where the database is, for messages: a file path, or a URL with its password masked. */
  location: string;
  migrate: boolean;
  /** Builds the ORM with the driver, from `sqlOrmOptions` plus the driver's own options. */
  createOrm(): Promise<SqlOrm>;
  /** Opens the connections the storage's statements run on, once the ORM is connected. */
  openConnections(orm: SqlOrm, driver: ConnectionDriver): Promise<Connections>;
  /** Runs once connected and before migrations (Postgres: creates the schema). */
  prepare?(db: SqlDatabase): Promise<void>;
  /** Opens the feed of committed changes once the schema is current (see change-feed.ts). */
  openChangeFeed(db: SqlDatabase): Promise<ChangeFeed>;
}

export type SharedOrmOptions = Pick<
  Options,
  'entities' | 'discovery' | 'migrations' | 'connect' | 'ensureDatabase' | 'allowGlobalContext' | 'debug'
>;

/**
 * The ORM options both drivers share: the migration settings (the list of migrations is added by migrate.ts when
 * there is one to run), and no surprises at start.
 */
export function sqlOrmOptions(): SharedOrmOptions {
  return {
    // The storage's statements are hand-written and its rows mapped by hand (records.ts): the ORM opens the
    // database, pools its connections and migrates it, and has no entities to discover.
    entities: [],
    discovery: { warnWhenNoEntities: false },
    migrations: {
      tableName: 'aforo_migrations',
      transactional: true,
      allOrNothing: true,
      // MikroORM would otherwise switch foreign keys off around migrations, which on Postgres needs a superuser.
      disableForeignKeys: false,
      snapshot: false,
      silent: true,
    },
    // Connecting, and creating what is missing, is done by init() so that failures carry a masked location.
    connect: false,
    ensureDatabase: false,
    allowGlobalContext: false,
    debug: false,
  };
}

/** The one SQL implementation of Storage; the driver entry points only build its ORM. */
export function createSqlStorage(setup: SqlStorageSetup): SqlStorage {
  let opening: Promise<SqlDatabase> | null = null;
  let initializing: Promise<void> | null = null;
  let ready: SqlDatabase | null = null;
  let feed: ChangeFeed | null = null;

  const db = (): SqlDatabase => {
    if (!ready) throw new Error(`The storage at ${setup.location} is not initialised: call init() first.`);
    return ready;
  };

  const openDatabase = async (): Promise<SqlDatabase> => {
    let orm: SqlOrm;
    try {
      orm = await setup.createOrm();
    } catch (error) {
      throw new Error(`Cannot open the database at ${setup.location}: ${errorMessage(error)}`, { cause: error });
    }
    let connections: Connections | null = null;
    try {
      await orm.connect();
      const check = await orm.checkConnection();
      if (!check.ok) throw check.error ?? new Error(check.reason);
      const driver = connectionDriver(setup.dialect);
      connections = await setup.openConnections(orm, driver);
      const database = new SqlDatabase(orm, setup.dialect, connections);
      await setup.prepare?.(database);
      return database;
    } catch (error) {
      await connections?.close().catch(() => undefined);
      await orm.close(true).catch(() => undefined);
      throw new Error(`Cannot reach the database at ${setup.location}: ${errorMessage(error)}`, { cause: error });
    }
  };

  // Every start-up failure names the database (with its password masked), whichever step failed.
  const located = (error: unknown): Error =>
    error instanceof Error && error.message.includes(setup.location)
      ? error
      : new Error(`The database at ${setup.location} failed: ${errorMessage(error)}`, { cause: error });

  const open = (): Promise<SqlDatabase> => {
    opening ??= openDatabase().catch((error: unknown) => {
      opening = null;
      throw error;
    });
    return opening;
  };

  const shutdown = async (): Promise<void> => {
    const pending = opening;
    opening = null;
    initializing = null;
    ready = null;
    const openFeed = feed;
    feed = null;
    await openFeed?.close();
    const database = await pending?.catch(() => null);
    await database?.close();
  };

  return {
    init() {
      initializing ??= (async () => {
        const database = await open();
        try {
          if (setup.migrate) await migrateSchema(database, setup.location);
          else await requireCurrentSchema(database, setup.location);
          feed = await setup.openChangeFeed(database);
        } catch (error) {
          await shutdown();
          throw located(error);
        }
        ready = database;
      })().catch((error: unknown) => {
        initializing = null;
        throw error;
      });
      return initializing;
    },
    close: shutdown,
    changeFeed: () => feed,
    async ping() {
      await db().all('select 1 as ok');
    },
    async migrate() {
      const database = await open();
      return migrateSchema(database, setup.location).catch((error: unknown) => {
        throw located(error);
      });
    },
    ...tenantKeyMethods(db),
    ...customerMethods(db),
    ...oneTimeMethods(db),
    ...resumeMethods(db),
    ...subscriptionMethods(db),
    ...engineAuditMethods(db),
  };
}
