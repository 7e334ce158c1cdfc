/**
 * Runs one suite on every storage: memory, a fresh SQLite file, and Postgres in a fresh schema. Without a test
 * Postgres the Postgres run fails under CI=true and is skipped (saying why) elsewhere.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Storage } from '../../lib/storage.js';
import { memoryStorage } from '../../storage/memory.js';
import { postgresStorage } from '../../storage/postgres.js';
import { sqliteStorage } from '../../storage/sqlite.js';
import { createTestSchema, POSTGRES_URL, postgresUnavailable, skipOrFail } from './postgres.js';

export async function onEveryStorage(label: string, suite: (name: string, makeStorage: () => Promise<Storage>) => void): Promise<void> {
  suite('memory', async () => memoryStorage());

  const dir = join(tmpdir(), `aforo-${label}-${randomBytes(6).toString('hex')}`);
  after(() => rm(dir, { recursive: true, force: true }));
  let n = 0;
  suite('sqlite', async () => sqliteStorage({ path: join(dir, `${label}-${n++}.db`) }));

  const unavailable = await postgresUnavailable();
  if (unavailable !== null) {
    test(`${label} on postgres`, (t) => skipOrFail(t, unavailable));
    return;
  }
  const { schema, drop } = await createTestSchema();
  after(drop);
  suite('postgres', async () => postgresStorage({ url: POSTGRES_URL, schema }));
}
