// The change feed of the SQL storages: a write made through one storage (another process's, or the CLI's) is named
// to a second storage on the same database; and the engine's read cache, fed by it, never serves a row that another
// writer changed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Storage } from '../lib/storage.js';
import { postgresStorage } from '../storage/postgres.js';
import { sqliteStorage } from '../storage/sqlite.js';
import { createTestSchema, POSTGRES_URL, postgresUnavailable, skipOrFail } from './helpers/postgres.js';

const NOW = new Date('2026-06-01T00:00:00Z');

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function feedCases(name: string, pair: () => Promise<[Storage, Storage]>): void {
  describe(`change feed on ${name}`, () => {
    test('writes through one storage are named to the other, and only changes are', async () => {
      const [writer, reader] = await pair();
      try {
        const feed = reader.changeFeed?.();
        assert.ok(feed, 'the storage has a change feed');
        await until(() => feed.live(), 'the feed to be live');
        const seen: string[] = [];
        feed.subscribe((topic) => seen.push(topic));

        await writer.createTenant({ slug: 'acme', name: 'Acme', branding: {}, magicLink: {}, createdAt: NOW } as never);
        await writer.createEmbedKey({ id: 'ek_1', tenant: 'acme', mode: 'live', allowedOrigins: ['https://a.example'], status: 'ACTIVE', createdAt: NOW });
        await writer.createSigningKey({ tenant: 'acme', kid: 'sk_1', alg: 'HS256', status: 'NEXT', sealedSecret: 'x', publicKeyPem: null, createdAt: NOW, promotedAt: null, revokedAt: null } as never);
        const up = await writer.upsertCustomer({ tenant: 'acme', externalId: 'u1', newId: 'cus_1', email: 'a@example.com', now: NOW }, 'keep');
        assert.notEqual(up, 'email_taken');
        await writer.createSession({
          sid: 'sid_1', tenant: 'acme', customerId: 'cus_1', embedKeyId: 'ek_1', method: 'bridge', signingKid: 'sk_1',
          createdAt: NOW, refreshedAt: NOW, expiresAt: new Date(NOW.getTime() + 3_600_000), revokedAt: null,
        });
        // Inserts name nothing: nothing that was not there can be cached.
        await feed.catchUp();
        assert.deepEqual(seen, []);

        // An upsert that changes nothing names nothing; one that changes the email names the customer.
        await writer.upsertCustomer({ tenant: 'acme', externalId: 'u1', newId: 'cus_x', email: 'a@example.com', now: NOW }, 'keep');
        await writer.touchSession('sid_1', NOW);
        await writer.upsertCustomer({ tenant: 'acme', externalId: 'u1', newId: 'cus_x', email: 'b@example.com', now: NOW }, 'keep');
        await writer.updateEmbedKey('acme', 'ek_1', { status: 'REVOKED' });
        await writer.promoteSigningKey('acme', 'sk_1', NOW);
        await writer.revokeSession('sid_1', NOW);
        const expected = ['customer:acme cus_1', 'embedKey:ek_1', 'signingKey:acme sk_1', 'session:sid_1'];
        await feed.catchUp();
        await until(() => seen.length >= expected.length, 'every change');
        assert.deepEqual(seen, expected);
      } finally {
        await writer.close();
        await reader.close();
      }
    });
  });
}

const dir = join(tmpdir(), `aforo-feed-${randomBytes(6).toString('hex')}`);
after(() => rm(dir, { recursive: true, force: true }));
feedCases('sqlite', async () => {
  const path = join(dir, 'feed.db');
  const writer = sqliteStorage({ path });
  await writer.init();
  const reader = sqliteStorage({ path });
  await reader.init();
  return [writer, reader];
});

const unavailable = await postgresUnavailable();
if (unavailable !== null) {
  test('change feed on postgres', (t) => skipOrFail(t, unavailable));
} else {
  const { schema, drop } = await createTestSchema();
  after(drop);
  feedCases('postgres', async () => {
    const writer = postgresStorage({ url: POSTGRES_URL, schema });
    await writer.init();
    const reader = postgresStorage({ url: POSTGRES_URL, schema });
    await reader.init();
    return [writer, reader];
  });
}
