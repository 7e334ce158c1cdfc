import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Storage } from '../lib/storage.js';
import { memoryStorage } from '../storage/memory.js';

export const STORAGES = ['memory', 'sqlite', 'postgres'] as const;
export type StorageName = (typeof STORAGES)[number];

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface OpenedStorage {
  storage: Storage;
  /** Removes what the bench created (the SQLite folder, the Postgres schema); runs after the bridge closed. */
  cleanup(): Promise<void>;
}

/** Whether the storage's implementation file is in the tree (SQLite and Postgres are written separately). */
export function hasStorage(name: StorageName): boolean {
  return name === 'memory' || existsSync(new URL(`../storage/${name}.ts`, import.meta.url));
}

export function postgresUrl(): string {
  return process.env.AFORO_TEST_POSTGRES_URL || DEFAULT_POSTGRES_URL;
}

// The SQL storages may not exist when this file is type-checked, so they are imported by a computed specifier
// and their factory checked at run time.
async function factory<Options>(name: StorageName, exported: string): Promise<(options: Options) => Storage> {
  const mod = (await import(new URL(`../storage/${name}.js`, import.meta.url).href)) as Record<string, unknown>;
  const make = mod[exported];
  if (typeof make !== 'function') throw new Error(`storage/${name}.ts does not export ${exported}`);
  return make as (options: Options) => Storage;
}

/**
 * True when `postgresStorage` declares a `schema` option. The options object is not validated for unknown keys,
 * so passing `schema` to a version without it would silently write into `public` of the shared database; the
 * declaration is the only reliable sign.
 */
export async function postgresSupportsSchema(): Promise<boolean> {
  const source = await readFile(new URL('../storage/postgres.ts', import.meta.url), 'utf8');
  return /\bschema\?\s*:/.test(source);
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const { MikroORM, PostgreSqlDriver } = await import('@mikro-orm/postgresql');
  const orm = await MikroORM.init({
    driver: PostgreSqlDriver,
    clientUrl: url,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: true,
  });
  try {
    await orm.em.getConnection().execute(`drop schema if exists "${schema}" cascade`);
  } finally {
    await orm.close(true);
  }
}

/** Opens a fresh, empty storage of the given kind. */
export async function openStorage(name: StorageName): Promise<OpenedStorage> {
  if (name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'aforo-bench-'));
    const path = join(dir, 'bench.db');
    const make = await factory<{ path: string }>('sqlite', 'sqliteStorage');
    return { storage: make({ path }), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (name === 'postgres') {
    const url = postgresUrl();
    const schema = `aforo_bench_${randomBytes(6).toString('hex')}`;
    const make = await factory<{ url: string; schema: string }>('postgres', 'postgresStorage');
    return { storage: make({ url, schema }), cleanup: () => dropSchema(url, schema) };
  }
  return { storage: memoryStorage(), cleanup: async () => {} };
}
