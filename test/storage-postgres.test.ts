import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, describe, it, test } from 'node:test';
import { storageConformance } from '../storage/conformance.js';
import { postgresStorage } from '../storage/postgres.js';
import { createTestSchema, POSTGRES_URL, postgresUnavailable, skipOrFail, withPostgres } from './helpers/postgres.js';
import { sqlStorageCases } from './helpers/sql-storage-cases.js';
import { addWorld, startSessionsInTurns } from '../storage/conformance/fixtures.js';

describe('postgresStorage: an unreachable database', () => {
  it('init() rejects with an error naming the URL with its password masked', async () => {
    // A port that was just free and is closed again: nothing listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const storage = postgresStorage({ url: `postgres://aforo:s3cret-pw@127.0.0.1:${port}/aforo` });
    const error = await storage.init().then(
      () => assert.fail('init() succeeded against a closed port'),
      (caught: unknown) => caught as Error,
    );
    assert.ok(error.message.includes(`postgres://aforo:***@127.0.0.1:${port}/aforo`), error.message);
    assert.ok(!error.message.includes('s3cret-pw'), error.message);
    await storage.close();
  });

  it('options are checked when the storage is made', () => {
    assert.throws(() => postgresStorage({ url: 'mysql://x@y/z' }), /url must be a postgres:\/\//);
    assert.throws(() => postgresStorage({ url: POSTGRES_URL, schema: 'x"; drop' }), /schema must be a plain identifier/);
    assert.throws(() => postgresStorage({ url: POSTGRES_URL, pool: { min: 3, max: 2 } }), /pool/);
  });
});

const unavailable = await postgresUnavailable();
if (unavailable !== null) {
  test('postgres storage conformance', (t) => skipOrFail(t, unavailable));
} else {
  const main = await createTestSchema();
  const extra: Array<() => Promise<void>> = [];
  after(async () => {
    for (const drop of [main.drop, ...extra]) await drop();
  });

  storageConformance('postgres', async () => postgresStorage({ url: POSTGRES_URL, schema: main.schema }));

  describe('postgresStorage: batched exchanges', () => {
    it('batches holding the same jtis in opposite orders do not deadlock (pg_stat_database.deadlocks stays put)', async () => {
      const { schema, drop } = await createTestSchema();
      extra.push(drop);
      const deadlocks = () =>
        withPostgres(async (db) => {
          const result = await db.raw('select deadlocks from pg_stat_database where datname = current_database()');
          return Number((result as { rows: Array<{ deadlocks: string }> }).rows[0].deadlocks);
        });
      const before = await deadlocks();
      const storage = postgresStorage({ url: POSTGRES_URL, schema, pool: { max: 4 } });
      await storage.init();
      const world = await addWorld(storage);
      // Replays reaching the storage in consecutive turns, forward and reversed: batches side by side on four
      // connections. A batch that locked its jtis in its own order waited on the one beside it, which waited back.
      for (let round = 0; round < 10; round += 1) await startSessionsInTurns(storage, world, 60);
      // A backend that detected a deadlock counts it in its pending statistics, which it writes out when it exits.
      await storage.close();
      let counted = await deadlocks();
      for (let look = 0; look < 20 && counted === before; look += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        counted = await deadlocks();
      }
      assert.equal(counted - before, 0, 'deadlocks detected while the batches ran');
    });
  });

  sqlStorageCases('postgres', async () => {
    const { schema, drop } = await createTestSchema();
    extra.push(drop);
    await withPostgres((db) => db.raw(`drop schema "${schema}"`));
    return {
      storage: (options = {}) => postgresStorage({ url: POSTGRES_URL, schema, pool: { max: 2 }, ...options }),
      exec: (sql) =>
        withPostgres(async (db) => {
          // The admin pool holds one connection, so the search path set here applies to the statement after it.
          await db.raw(`set search_path to "${schema}"`);
          return ((await db.raw(sql)) as { rows: unknown[] }).rows;
        }),
    };
  });
}
