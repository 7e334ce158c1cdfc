import { parseArgs } from 'node:util';
import { memoryMailer } from '../adapters/mail.js';
import { createBridge, type Bridge } from '../lib/bridge.js';
import { createFloor } from './floor.js';
import { FRAMEWORKS, mount, type Framework } from './frameworks.js';
import { ISSUER, KNOWN_CUSTOMERS, RETURNING_CUSTOMER, BENCH_ORIGIN, magicToken, type ServerInfo } from './shared.js';
import type { Storage } from '../lib/storage.js';
import { createHash, randomBytes } from 'node:crypto';
import { openStorage, STORAGES, type StorageName } from './storages.js';

// The server under test, run by bench/run.ts as a child process so that the load generator and the server each
// have a core: `node --import tsx bench/server.ts --framework koa --storage memory`. It prints one JSON line with
// what the load generator needs, then serves until its stdin closes.

function field(record: Record<string, unknown>, name: string): string {
  const value = record[name];
  if (typeof value !== 'string') throw new Error(`seeding: the admin answer has no ${name}`);
  return value;
}

async function seed(bridge: Bridge): Promise<Omit<ServerInfo, 'port' | 'storage' | 'framework' | 'magicLinks' | 'magicSeed'>> {
  const admin = bridge.api.admin;
  const tenant = 'bench';
  await admin.createTenant({ slug: tenant, name: 'Bench Co', branding: { primaryColor: '#0055aa' } });
  const embedKey = field(await admin.createEmbedKey(tenant, { allowedOrigins: [BENCH_ORIGIN] }), 'key');
  const minted = await admin.createSigningKey(tenant, { alg: 'HS256' });
  const kid = field(minted, 'kid');
  const secret = field(minted, 'secret');
  await admin.promoteSigningKey(tenant, kid);

  const { externalId, email, name } = RETURNING_CUSTOMER;
  await admin.putCustomer(tenant, externalId, { email, name });
  for (let i = 1; i <= 5; i += 1) {
    await admin.putInvoice(tenant, externalId, `inv_${i}`, {
      number: `B-000${i}`,
      status: i === 5 ? 'OPEN' : 'PAID',
      amountDueCents: 4900,
      amountPaidCents: i === 5 ? 0 : 4900,
      currency: 'EUR',
      issuedAt: new Date(Date.UTC(2026, i - 1, 1)).toISOString(),
    });
  }
  const knownEmails: string[] = [];
  for (let i = 0; i < KNOWN_CUSTOMERS; i += 1) {
    const email = `known-${i}@bench.example.com`;
    await admin.putCustomer(tenant, `known-${i}`, { email, name: `Known ${i}` });
    knownEmails.push(email);
  }
  return { tenant, embedKey, kid, secret, knownEmails };
}

/**
 * Unused sign-in links for the returning customer, stored as the engine would store them (the hash of the token), so
 * the load generator can redeem one per request without a mailbox.
 */
async function seedMagicLinks(storage: Storage, tenant: string, embedKeyId: string, seed: string, count: number): Promise<void> {
  const now = Date.now();
  for (let i = 0; i < count; i += 1) {
    await storage.createMagicLink({
      tokenHash: createHash('sha256').update(magicToken(seed, i)).digest('hex'),
      tenant,
      embedKeyId,
      email: RETURNING_CUSTOMER.email,
      returnUrl: `${BENCH_ORIGIN}/account`,
      createdAt: new Date(now),
      expiresAt: new Date(now + 3_600_000),
      usedAt: null,
    });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      framework: { type: 'string', default: 'koa' },
      storage: { type: 'string', default: 'memory' },
      'magic-links': { type: 'string', default: '0' },
    },
  });
  const framework = values.framework as Framework;
  const storageName = values.storage as StorageName;
  if (!FRAMEWORKS.includes(framework)) throw new Error(`--framework must be one of ${FRAMEWORKS.join(', ')}`);
  if (!STORAGES.includes(storageName)) throw new Error(`--storage must be one of ${STORAGES.join(', ')}`);

  const opened = await openStorage(storageName);
  const magicLinks = Number(values['magic-links']);
  if (!Number.isInteger(magicLinks) || magicLinks < 0) throw new Error('--magic-links must be a whole number');
  const bridge = createBridge({
    storage: opened.storage,
    mailer: memoryMailer(),
    issuer: ISSUER,
    // Every request of the bench comes from 127.0.0.1: the per-IP limits would measure the 429 path instead.
    ipRateLimit: 1_000_000,
    magicLink: { perIpPerMinute: 100_000, perEmailPerHour: 100_000 },
  });
  await bridge.ready();
  const seeded = await seed(bridge);
  const magicSeed = randomBytes(16).toString('hex');
  await seedMagicLinks(opened.storage, seeded.tenant, seeded.embedKey, magicSeed, magicLinks);
  const floor = await createFloor({ secret: seeded.secret, issuer: ISSUER, tenant: seeded.tenant, embedKey: seeded.embedKey });
  const server = await mount(framework, bridge, floor);
  const info: ServerInfo = { port: server.port, storage: storageName, framework, ...seeded, magicLinks, magicSeed };
  process.stdout.write(`${JSON.stringify(info)}\n`);

  // The parent closes stdin to stop the server; so does its exit, so no server outlives a crashed bench.
  process.stdin.resume();
  process.stdin.once('end', () => {
    const stop = async () => {
      await server.close();
      await bridge.close();
      await opened.cleanup();
    };
    const deadline = setTimeout(() => {
      console.error('bench server: shutdown took over 10 s');
      process.exit(1);
    }, 10_000);
    deadline.unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('bench server: shutdown failed', error);
        process.exit(1);
      },
    );
  });
}

main().catch((error: unknown) => {
  console.error('bench server:', error);
  process.exit(1);
});
