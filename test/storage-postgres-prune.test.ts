import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { postgresStorage } from '../storage/postgres.js';
import { createTestSchema, POSTGRES_URL, postgresUnavailable, skipOrFail, withPostgres } from './helpers/postgres.js';

const PRUNE_LOCK_ID = 0x61666f726f;

test('postgres prune: one process at a time; a round that finds the advisory lock taken removes nothing', async (t) => {
  const unavailable = await postgresUnavailable();
  if (unavailable !== null) return skipOrFail(t, unavailable);
  const { schema, drop } = await createTestSchema();
  after(drop);
  const storage = postgresStorage({ url: POSTGRES_URL, schema });
  await storage.init();
  const now = new Date('2026-05-01T00:00:00Z');
  await storage.createTenant({ slug: 'prune', name: 'Prune', branding: {}, magicLink: {}, createdAt: now });
  await storage.createEmbedKey({ id: 'ek_test_prune', tenant: 'prune', mode: 'test', allowedOrigins: ['https://a.example.com'], status: 'ACTIVE', createdAt: now });
  for (const [hash, expires] of [['a'.repeat(64), -1000], ['b'.repeat(64), 60_000]] as const) {
    await storage.createMagicLink({
      tokenHash: hash, tenant: 'prune', embedKeyId: 'ek_test_prune', email: 'x@example.com', returnUrl: 'https://a.example.com/',
      createdAt: now, expiresAt: new Date(now.getTime() + expires), usedAt: null,
    });
  }
  const skipped = await withPostgres(async (db) => {
    await db.raw('select pg_advisory_lock(?)', [PRUNE_LOCK_ID]);
    try {
      return await storage.prune({ now, auditBefore: new Date(0) });
    } finally {
      await db.raw('select pg_advisory_unlock(?)', [PRUNE_LOCK_ID]);
    }
  });
  assert.deepEqual(skipped, { magicLinks: 0, jtis: 0, rateLimits: 0, sessions: 0, resumeNonces: 0, audit: 0 });
  assert.ok(await storage.getMagicLink('a'.repeat(64)));
  const done = await storage.prune({ now, auditBefore: new Date(0) });
  assert.equal(done.magicLinks, 1);
  assert.equal(await storage.getMagicLink('a'.repeat(64)), null);
  assert.ok(await storage.getMagicLink('b'.repeat(64)), 'the live link stays');
  await storage.close();
});
