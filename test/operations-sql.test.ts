import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { postgresStorage } from '../storage/postgres.js';
import { sqliteStorage } from '../storage/sqlite.js';
import { createTestSchema, POSTGRES_URL, postgresUnavailable, skipOrFail } from './helpers/postgres.js';
import { operationsFlow } from './operations/flow.js';

const dir = join(tmpdir(), `aforo-ops-${randomBytes(6).toString('hex')}`);
after(() => rm(dir, { recursive: true, force: true }));
operationsFlow('sqlite', async () => sqliteStorage({ path: join(dir, 'ops.db') }));

const unavailable = await postgresUnavailable();
if (unavailable !== null) {
  test('postgres: audit trail, hooks and logs over a full flow', (t) => skipOrFail(t, unavailable));
} else {
  const { schema, drop } = await createTestSchema();
  after(drop);
  operationsFlow('postgres', async () => postgresStorage({ url: POSTGRES_URL, schema }));
}
