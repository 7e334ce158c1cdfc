/**
 * The test Postgres: `AFORO_TEST_POSTGRES_URL`, default postgres://postgres@127.0.0.1:5432/test. Tests that need it
 * ask `postgresUnavailable()` first; when the server cannot be reached, `skipOrFail` fails the test under `CI=true`
 * (a missing database must fail CI) and skips it with the reason printed otherwise.
 */
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { knex, type Knex } from '@mikro-orm/postgresql';

export const POSTGRES_URL = process.env.AFORO_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const adminClient = (): Knex =>
  knex({
    client: 'pg',
    connection: { connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 },
    pool: { min: 0, max: 1 },
    acquireConnectionTimeout: 5000,
  });

/** Runs SQL on the test database outside any storage (schema set-up, inspection, tampering). */
export async function withPostgres<T>(work: (db: Knex) => Promise<T>): Promise<T> {
  const db = adminClient();
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

/** Null when the test Postgres answers; otherwise why not. */
export async function postgresUnavailable(): Promise<string | null> {
  try {
    await withPostgres((db) => db.raw('select 1'));
    return null;
  } catch (error) {
    return `cannot reach ${POSTGRES_URL} (${(error as Error).message}); set AFORO_TEST_POSTGRES_URL`;
  }
}

/** Without a test Postgres: fails the test under CI=true, skips it (saying why) anywhere else. */
export function skipOrFail(t: TestContext, reason: string): void {
  if (process.env.CI === 'true') throw new Error(`Postgres is required under CI: ${reason}`);
  t.skip(`Postgres tests skipped: ${reason}`);
}

/** A fresh, empty schema `aforo_test_<random>` for one test file; `drop()` removes it with everything in it. */
export async function createTestSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `aforo_test_${randomBytes(6).toString('hex')}`;
  await withPostgres((db) => db.raw(`create schema "${schema}"`));
  return {
    schema,
    drop: () => withPostgres(async (db) => void (await db.raw(`drop schema if exists "${schema}" cascade`))),
  };
}
