import type { SqlDatabase } from './database.js';
import { delay, errorMessage } from './errors.js';
import { SCHEMA_VERSION } from './migrations/version.js';

/** What a migration run did: the schema version found and the one left behind. */
export interface MigrationReport {
  from: number;
  to: number;
}

// Several processes may start on one empty database together. Their migrators then race; the losers fail
// (a table already exists, a lock is busy) and their transaction rolls back whole. Each loser looks again and is
// done once the winner's schema is in place.
const MIGRATE_ATTEMPTS = 6;

// Migrations are named `v<NNN>_<what>`; the number is the schema version they bring the database to.
const MIGRATION_NAME = /^v(\d{3})_/;

/**
 * The schema version of the database: the highest migration number in the migrator's ledger (`aforo_migrations`,
 * which the migrator writes in the same transaction as the migration), or 0 for a database with no aforo-bridge
 * schema yet.
 */
export async function readSchemaVersion(db: SqlDatabase): Promise<number> {
  const present =
    db.dialect === 'sqlite'
      ? await db.all(`select 1 as found from sqlite_master where type = 'table' and name = 'aforo_migrations'`)
      : await db.all(`select 1 as found where to_regclass('aforo_migrations') is not null`);
  if (present.length === 0) return 0;
  let version = 0;
  for (const { name } of await db.all('select name from aforo_migrations')) {
    const number = MIGRATION_NAME.exec(String(name))?.[1];
    if (number) version = Math.max(version, Number(number));
  }
  return version;
}

function refuseNewer(version: number, location: string): void {
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `The database at ${location} has aforo-bridge schema version ${version}, newer than this release knows ` +
        `(${SCHEMA_VERSION}). It was written by a newer aforo-bridge; upgrade this one instead of running it there.`,
    );
  }
}

/** Refuses a database this code cannot use as it is (for `migrate: false`). */
export async function requireCurrentSchema(db: SqlDatabase, location: string): Promise<void> {
  const version = await readSchemaVersion(db);
  refuseNewer(version, location);
  if (version < SCHEMA_VERSION) {
    throw new Error(
      `The database at ${location} has aforo-bridge schema version ${version}; this release needs ` +
        `${SCHEMA_VERSION}. Run \`aforo-bridge migrate\` or start the storage with migrate: true.`,
    );
  }
}

// The migrator (with umzug and its command-line parser) and the migration classes are loaded only when there is
// something to migrate: a start on a current schema, which is every start but the first and every CLI command,
// does without them.
async function loadMigrator(db: SqlDatabase): Promise<{ up(): Promise<unknown> }> {
  const [{ Migrator }, { migrationsFor }] = await Promise.all([
    import('@mikro-orm/migrations'),
    import('./migrations/index.js'),
  ]);
  const options = db.orm.config.get('migrations');
  db.orm.config.set('migrations', { ...options, migrationsList: migrationsFor(db.dialect) });
  return new Migrator(db.orm.em);
}

/** Applies the pending migrations (none when the schema is current). Refuses a database from a newer release. */
export async function migrateSchema(db: SqlDatabase, location: string): Promise<MigrationReport> {
  const from = await readSchemaVersion(db);
  refuseNewer(from, location);
  if (from === SCHEMA_VERSION) return { from, to: from };
  const migrator = await loadMigrator(db);
  for (let attempt = 1; ; attempt += 1) {
    try {
      await migrator.up();
      break;
    } catch (error) {
      const now = await readSchemaVersion(db).catch(() => from);
      if (now >= SCHEMA_VERSION) break;
      if (attempt >= MIGRATE_ATTEMPTS) {
        throw new Error(`Migrating the database at ${location} failed: ${errorMessage(error)}`, { cause: error });
      }
      await delay(50 * attempt * (0.5 + Math.random()));
    }
  }
  const to = await readSchemaVersion(db);
  refuseNewer(to, location);
  if (to !== SCHEMA_VERSION) {
    throw new Error(`Migrating the database at ${location} left schema version ${to}, expected ${SCHEMA_VERSION}.`);
  }
  return { from, to };
}
