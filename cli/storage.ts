import type { Storage } from '../lib/storage.js';
import { memoryStorage } from '../storage/memory.js';
// The peer-free module: storage/postgres.js would load the optional Postgres packages.
import { POSTGRES_SCHEMA_NAME } from '../storage/sql/dialect.js';
import { UsageError } from './command.js';

/** Where the CLI and the standalone server keep their data when `--storage` is not given. */
export const DEFAULT_STORAGE = 'sqlite:./aforo.db';

/** Storage that could not be opened or reached; the message never carries a password. */
export class StorageUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageUnavailable';
  }
}

const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:)[^@\s/]+@/gi;

/** Hides the password of every URL in `text`, and each of `secrets` wherever it appears. */
export function maskSecrets(text: string, secrets: Array<string | undefined> = []): string {
  let masked = text.replace(URL_PASSWORD, '$1***@');
  for (const secret of secrets) {
    if (secret && secret.length >= 4) masked = masked.split(secret).join('***');
  }
  return masked;
}

/** `postgres://user:***@host/db`: safe to print. */
export function describeStorage(spec: string): string {
  return maskSecrets(spec);
}

interface SqliteModule {
  sqliteStorage(options: { path: string }): Storage;
}
interface PostgresModule {
  postgresStorage(options: { url: string; schema?: string }): Storage;
}

// The SQL backends load on demand: memory needs neither ORM, and a build without one still runs the rest.
async function optionalModule<T>(relative: string, what: string, driver: string): Promise<T> {
  try {
    return (await import(relative)) as T;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : '';
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      // The driver is an optional peer dependency (Postgres): the user installs it beside aforo-bridge.
      if (message.includes(`'${driver}'`)) throw new StorageUnavailable(`${what} storage needs ${driver}: npm install ${driver}`);
      if (message.includes(relative.replace(/^\.\.\//, '').replace(/\.js$/, ''))) {
        throw new StorageUnavailable(`${what} storage is not available in this installation`);
      }
    }
    throw error;
  }
}

/** The file of `sqlite:FILE`, or null for another storage. */
export function sqlitePath(spec: string): string | null {
  if (!spec.startsWith('sqlite:')) return null;
  const path = spec.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
  if (!path) throw new UsageError('--storage sqlite: needs a file, e.g. sqlite:./aforo.db');
  if (path === ':memory:') throw new UsageError('--storage sqlite::memory: is not supported; --storage memory keeps everything in memory');
  if (/^file:/i.test(path)) throw new UsageError('--storage sqlite: takes a file path, not a file: URI, e.g. sqlite:./aforo.db');
  return path;
}

/**
 * `postgres://…?schema=NAME`, the CLI's way to give `postgresStorage` its `schema`: the URL without that parameter
 * (the others, e.g. `sslmode`, stay as written) and the schema, if one was named.
 */
export function postgresTarget(spec: string): { url: string; schema?: string } {
  const query = spec.indexOf('?');
  if (query < 0) return { url: spec };
  const params = spec.slice(query + 1).split('&');
  const named = params.filter((param) => param.startsWith('schema='));
  if (named.length === 0) return { url: spec };
  let schema = '';
  try {
    schema = decodeURIComponent(named[0].slice('schema='.length));
  } catch {
    // Refused below as not an identifier.
  }
  if (named.length > 1 || !POSTGRES_SCHEMA_NAME.test(schema)) {
    throw new UsageError('--storage postgres://…?schema= takes one plain identifier (letters, digits, underscore)');
  }
  const kept = params.filter((param) => !param.startsWith('schema='));
  return { url: kept.length > 0 ? `${spec.slice(0, query)}?${kept.join('&')}` : spec.slice(0, query), schema };
}

/** The storage module path without its extension; tsx resolves `.js` to the `.ts` source, a build has the `.js`. */
const SQLITE_MODULE = '../storage/sqlite.js';
const POSTGRES_MODULE = '../storage/postgres.js';

/** Builds the storage `--storage` names: `memory`, `sqlite:FILE` or `postgres://…`. Nothing connects yet. */
export async function openStorage(spec: string): Promise<Storage> {
  if (spec === 'memory') return memoryStorage();
  const path = sqlitePath(spec);
  if (path !== null) {
    const mod = await optionalModule<SqliteModule>(SQLITE_MODULE, 'SQLite', '@mikro-orm/sqlite');
    return mod.sqliteStorage({ path });
  }
  if (/^postgres(ql)?:\/\//.test(spec)) {
    const mod = await optionalModule<PostgresModule>(POSTGRES_MODULE, 'Postgres', '@mikro-orm/postgresql');
    return mod.postgresStorage(postgresTarget(spec));
  }
  throw new UsageError(`--storage must be memory, sqlite:FILE or postgres://…, not ${JSON.stringify(describeStorage(spec))}`);
}

/** True when the SQLite backend is part of this installation. */
export async function hasSqlite(): Promise<boolean> {
  try {
    await optionalModule<SqliteModule>(SQLITE_MODULE, 'SQLite', '@mikro-orm/sqlite');
    return true;
  } catch (error) {
    if (error instanceof StorageUnavailable) return false;
    throw error;
  }
}
