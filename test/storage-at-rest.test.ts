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
import { mintBridgeToken } from '../lib/mint.js';
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

/**
 * A database a key-less process filled first (a CLI command run before the server, say) holds its engine key and
 * HS256 secrets as `plain:…`; the first start with a master key seals them, and a key-less process then refuses to
 * start on it, as on a database a keyed server created.
 */
async function sealedOnFirstKeyedStart(openStorage: () => Storage): Promise<void> {
  // Every storage opened is closed, also when an assertion fails half-way (an open pool would hold the process).
  const opened: Storage[] = [];
  const open = (): Storage => {
    const storage = openStorage();
    opened.push(storage);
    return storage;
  };
  try {
    await sealedOnFirstKeyedStartWith(open);
  } finally {
    await Promise.all(opened.map((storage) => storage.close().catch(() => undefined)));
  }
}

async function sealedOnFirstKeyedStartWith(open: () => Storage): Promise<void> {
  const issuer = 'https://p.example.com/aforo';
  const masterKey = randomBytes(32).toString('base64');
  const keyless = createBridge({ storage: open(), mailer: memoryMailer(), issuer });
  await keyless.api.admin.createTenant({ slug: 'late', name: 'Sealed late' });
  const ek = (await keyless.api.admin.createEmbedKey('late', { allowedOrigins: [ORIGIN] })) as { key: string };
  const hs = (await keyless.api.admin.createSigningKey('late', { alg: 'HS256' })) as { kid: string; secret: string };
  await keyless.api.admin.promoteSigningKey('late', hs.kid);
  await keyless.close();

  const raw = open();
  await raw.init();
  assert.match((await raw.getEngineKey())?.sealedPrivateKey ?? '', /^plain:/, 'the key-less process stored its engine key plain');
  assert.match((await raw.getSigningKey('late', hs.kid))?.sealedSecret ?? '', /^plain:/);
  await raw.close();

  const keyed = createBridge({ storage: open(), mailer: memoryMailer(), issuer, masterKey });
  await keyed.ready();
  const check = open();
  await check.init();
  assert.match((await check.getEngineKey())?.sealedPrivateKey ?? '', /^enc:v1:/);
  assert.match((await check.getSigningKey('late', hs.kid))?.sealedSecret ?? '', /^enc:v1:/);
  await check.close();
  // The sealed secret is the same secret: a token signed with it still exchanges.
  const bridgeToken = await mintBridgeToken({ kid: hs.kid, alg: 'HS256', key: hs.secret, externalCustomerId: 'late-1' });
  const answer = await keyed.api.exchangeBridgeToken({ tenant: 'late', embedKey: ek.key, origin: ORIGIN, ip: '127.0.0.1', bridgeToken });
  assert.equal(answer.customer.externalId, 'late-1');
  await keyed.close();

  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const lateKeyless = createBridge({ storage: open(), mailer: memoryMailer(), issuer, logger: quiet });
  await assert.rejects(lateKeyless.ready(), /no masterKey is configured/);
  await lateKeyless.close().catch(() => undefined);
}

describe('secrets stored before a master key was set', () => {
  it('sqlite: the first start with a master key seals the engine key and HS256 secrets; a key-less start is then refused', async () => {
    const dir = join(tmpdir(), `aforo-late-${randomBytes(6).toString('hex')}`);
    after(() => rm(dir, { recursive: true, force: true }));
    await sealedOnFirstKeyedStart(() => sqliteStorage({ path: join(dir, 'late.db') }));
  });

  it('postgres: the first start with a master key seals the engine key and HS256 secrets; a key-less start is then refused', async (t) => {
    const unavailable = await postgresUnavailable();
    if (unavailable !== null) return skipOrFail(t, unavailable);
    const { schema, drop } = await createTestSchema();
    after(drop);
    await sealedOnFirstKeyedStart(() => postgresStorage({ url: POSTGRES_URL, schema }));
  });
});
