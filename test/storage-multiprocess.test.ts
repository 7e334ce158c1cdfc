import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Storage } from '../lib/storage.js';
import { postgresStorage } from '../storage/postgres.js';
import { sqliteStorage } from '../storage/sqlite.js';
import type {
  FirstStartConfig,
  FirstStartResult,
  RaceBackend,
  RaceWorkerConfig,
  RaceWorkerResult,
} from './fixtures/storage-race-worker.js';
import { createTestSchema, POSTGRES_URL, postgresUnavailable, skipOrFail, withPostgres } from './helpers/postgres.js';

const WORKER = fileURLToPath(new URL('./fixtures/storage-race-worker.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PROCESSES = 4;
const ATTEMPTS = 10;
const TOTAL = PROCESSES * ATTEMPTS;
const NOW = Date.parse('2026-01-01T00:00:30.000Z');

const dir = await mkdtemp(join(tmpdir(), 'aforo-race-'));
after(() => rm(dir, { recursive: true, force: true }));

const hex = (): string => randomBytes(6).toString('hex');

/** Seeds the race's records, starts the workers, lets them go at once, and returns what each one got. */
async function race(storage: Storage, backend: RaceBackend): Promise<{
  results: RaceWorkerResult[];
  config: Omit<RaceWorkerConfig, 'worker'>;
}> {
  const tenant = `t-${hex()}`;
  const config = {
    mode: 'race' as const,
    backend,
    goFile: join(dir, `go-${hex()}`),
    attempts: ATTEMPTS,
    now: NOW,
    tenant,
    embedKeyId: `ek_test_${hex()}`,
    tokenHash: randomBytes(32).toString('hex'),
    kid: `sk_${hex()}`,
    nextKids: Array.from({ length: PROCESSES }, () => `sk_${hex()}`),
    jti: `jti-${hex()}`,
    externalId: `ext-${hex()}`,
    email: `Racer-${hex()}@Example.com`,
    rateKey: `rl:ip:${hex()}`,
  };
  const createdAt = new Date(NOW - 1000);
  await storage.createTenant({ slug: tenant, name: 'Race', branding: {}, magicLink: {}, createdAt });
  await storage.createEmbedKey({
    id: config.embedKeyId,
    tenant,
    mode: 'test',
    allowedOrigins: ['https://race.example'],
    status: 'ACTIVE',
    createdAt,
  });
  for (const kid of config.nextKids) {
    await storage.createSigningKey({
      kid,
      tenant,
      alg: 'HS256',
      status: 'NEXT',
      sealedSecret: `plain:${hex()}`,
      publicKeyPem: null,
      createdAt,
      promotedAt: null,
      revokedAt: null,
    });
  }
  await storage.createMagicLink({
    tokenHash: config.tokenHash,
    tenant,
    embedKeyId: config.embedKeyId,
    email: 'racer@example.com',
    returnUrl: 'https://race.example/back',
    createdAt,
    expiresAt: new Date(NOW + 15 * 60_000),
    usedAt: null,
  });

  return { results: await startTogether<RaceWorkerResult>((worker) => ({ ...config, worker })), config };
}

/** Spawns the workers, writes the go file once every one is ready, and returns their results. */
async function startTogether<T>(configFor: (worker: number) => RaceWorkerConfig | FirstStartConfig): Promise<T[]> {
  const configs = Array.from({ length: PROCESSES }, (_, worker) => configFor(worker));
  const workers = configs.map((config) => runWorker<T>(config));
  try {
    await Promise.all(workers.map((w) => w.ready));
    await writeFile(configs[0].goFile, 'go');
    return await Promise.all(workers.map((w) => w.done));
  } finally {
    // A worker that failed leaves the others waiting for a go file or a database; none may outlive the test.
    for (const w of workers) w.stop();
  }
}

interface RunningWorker<T> {
  ready: Promise<void>;
  done: Promise<T>;
  stop(): void;
}

function runWorker<T>(config: RaceWorkerConfig | FirstStartConfig): RunningWorker<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(config)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<T>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = stdout.trim().split('\n');
      if (code === 0) resolve(JSON.parse(lines[lines.length - 1]) as T);
      else reject(new Error(`race worker ${config.worker} exited with ${code}:\n${stderr}`));
    });
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('{"ready":true}')) resolve();
    });
    done.catch(reject);
  });
  done.catch(() => undefined);
  return {
    ready,
    done,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}

async function assertRace(storage: Storage, backend: RaceBackend): Promise<void> {
  const { results, config } = await race(storage, backend);
  const sum = (pick: (result: RaceWorkerResult) => number): number =>
    results.reduce((total, result) => total + pick(result), 0);

  assert.equal(sum((r) => r.consumed), 1, 'magic link redeemed exactly once');
  assert.notEqual((await storage.getMagicLink(config.tokenHash))?.usedAt ?? null, null);

  assert.equal(sum((r) => r.reserved), 1, 'jti reserved exactly once');

  assert.equal(sum((r) => r.created), 1, 'customer created exactly once');
  const rows = await storage.listCustomers(config.tenant, {});
  assert.equal(rows.length, 1, 'exactly one customer row');
  assert.deepEqual([...new Set(results.flatMap((r) => r.customerIds))], [rows[0].id], 'every racer got that row');
  assert.equal(rows[0].email, config.email);

  assert.equal(sum((r) => (r.promoted ? 1 : 0)), PROCESSES, 'every racing promotion of a NEXT key succeeded');
  const statuses = (await storage.listSigningKeys(config.tenant)).map((key) => key.status).sort();
  assert.deepEqual(statuses, ['ACTIVE', ...Array.from({ length: PROCESSES - 1 }, () => 'RETIRING')], 'one ACTIVE key');

  const counts = results.flatMap((r) => r.counts).sort((a, b) => a - b);
  assert.deepEqual(counts, Array.from({ length: TOTAL }, (_, i) => i + 1), 'rate-limit counts 1..40, no duplicates');
}

/** Processes starting together on an empty database all come up, and all end with the same engine key. */
async function assertFirstStart(backend: RaceBackend, check: Storage): Promise<void> {
  const goFile = join(dir, `go-${hex()}`);
  const results = await startTogether<FirstStartResult>((worker) => ({ mode: 'first-start', backend, goFile, worker }));
  await check.init();
  const stored = await check.getEngineKey();
  assert.ok(stored);
  assert.deepEqual(
    results.map((r) => r.engineKid),
    Array.from({ length: PROCESSES }, () => stored.kid),
  );
}

// The timeout only stops a hung worker from hanging the run; nothing here measures time.
describe(`SQL storage shared by ${PROCESSES} processes, ${ATTEMPTS} attempts each`, { timeout: 120_000 }, () => {
  it('sqlite: one redemption, one jti, one customer, counts 1..40, one ACTIVE key', async () => {
    const path = join(dir, 'race.db');
    const storage = sqliteStorage({ path });
    await storage.init();
    try {
      await assertRace(storage, { kind: 'sqlite', path });
    } finally {
      await storage.close();
    }
  });

  it('sqlite: processes starting together on a new file migrate it once and share one engine key', async () => {
    const path = join(dir, `first-${hex()}.db`);
    const check = sqliteStorage({ path, migrate: false });
    try {
      await assertFirstStart({ kind: 'sqlite', path }, check);
    } finally {
      await check.close();
    }
  });

  it('postgres: processes starting together on a missing schema create and migrate it once and share one engine key', async (t) => {
    const unavailable = await postgresUnavailable();
    if (unavailable !== null) return skipOrFail(t, unavailable);
    const { schema, drop } = await createTestSchema();
    await withPostgres((db) => db.raw(`drop schema "${schema}"`));
    const check = postgresStorage({ url: POSTGRES_URL, schema, migrate: false });
    try {
      await assertFirstStart({ kind: 'postgres', url: POSTGRES_URL, schema }, check);
    } finally {
      await check.close();
      await drop();
    }
  });

  it('postgres: one redemption, one jti, one customer, counts 1..40, one ACTIVE key', async (t) => {
    const unavailable = await postgresUnavailable();
    if (unavailable !== null) return skipOrFail(t, unavailable);
    const { schema, drop } = await createTestSchema();
    const storage = postgresStorage({ url: POSTGRES_URL, schema });
    try {
      await storage.init();
      await assertRace(storage, { kind: 'postgres', url: POSTGRES_URL, schema });
    } finally {
      await storage.close();
      await drop();
    }
  });
});
