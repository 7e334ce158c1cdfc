import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { memoryMailer } from '../adapters/mail.js';
import { createBridge } from '../lib/bridge.js';
import type { Storage } from '../lib/storage.js';
import { postgresStorage } from '../storage/postgres.js';
import { sqliteStorage } from '../storage/sqlite.js';
import { createTestSchema, POSTGRES_URL, postgresUnavailable, skipOrFail } from './helpers/postgres.js';

const run = promisify(execFile);
const ORIGIN = 'https://shop.example.com';

/** Puts every kind of secret the engine handles through it and returns them, in the forms a dump could show. */
async function fillWithSecrets(storage: Storage): Promise<string[]> {
  const mailer = memoryMailer();
  const bridge = createBridge({ storage, mailer, issuer: 'https://p.example.com/aforo', masterKey: randomBytes(32).toString('base64') });
  const { admin } = bridge.api;
  await admin.createTenant({ slug: 'rest', name: 'At rest' });
  const ek = (await admin.createEmbedKey('rest', { allowedOrigins: [ORIGIN] })) as { key: string };
  const hs = (await admin.createSigningKey('rest', { alg: 'HS256' })) as { secret: string };
  const rs = (await admin.createSigningKey('rest', { alg: 'RS256' })) as { privateKeyPem: string };
  await admin.putCustomer('rest', 'c-1', { email: 'rest@example.com' });
  await bridge.api.requestMagicLink({ tenant: 'rest', embedKey: ek.key, email: 'rest@example.com', returnUrl: `${ORIGIN}/a` });
  await bridge.drain();
  const token = /aforo_magic_token=([A-Za-z0-9_-]+)/.exec(mailer.outbox[0].text)?.[1];
  assert.ok(token);
  const privateBody = rs.privateKeyPem.split('\n').filter((line) => line && !line.startsWith('-----'));
  await bridge.close();
  // The HS256 secret as given, the token, and long slices of the private key's base64 (a dump wraps lines differently).
  return [hs.secret, token, ...privateBody.slice(0, 3), 'PRIVATE KEY'];
}

describe('secrets at rest in SQL storage', () => {
  it('sqlite: the database files hold no magic token, no clear HS256 secret and no private key', async () => {
    const dir = join(tmpdir(), `aforo-rest-${randomBytes(6).toString('hex')}`);
    after(() => rm(dir, { recursive: true, force: true }));
    const secrets = await fillWithSecrets(sqliteStorage({ path: join(dir, 'rest.db') }));
    let bytes = '';
    for (const name of await readdir(dir)) bytes += (await readFile(join(dir, name))).toString('latin1');
    assert.ok(bytes.includes('rest@example.com'), 'the dump is readable (sanity check)');
    for (const secret of secrets) assert.ok(!bytes.includes(secret), `found ${secret.slice(0, 12)}…`);
  });

  it('postgres: pg_dump of the schema holds no magic token, no clear HS256 secret and no private key', async (t) => {
    const unavailable = await postgresUnavailable();
    if (unavailable !== null) return skipOrFail(t, unavailable);
    const { schema, drop } = await createTestSchema();
    after(drop);
    const secrets = await fillWithSecrets(postgresStorage({ url: POSTGRES_URL, schema }));
    const { stdout } = await run('pg_dump', ['--dbname', POSTGRES_URL, '--schema', schema], { maxBuffer: 64 * 1024 * 1024 });
    assert.ok(stdout.includes('rest@example.com'), 'the dump is readable (sanity check)');
    for (const secret of secrets) assert.ok(!stdout.includes(secret), `found ${secret.slice(0, 12)}…`);
  });
});
