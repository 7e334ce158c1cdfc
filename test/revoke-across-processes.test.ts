// A session revoked in one engine process is refused at once by another process on the same database, while that
// other process is under load and holds the session in its read cache (SQLite file and Postgres).
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { memoryMailer } from '../adapters/mail.js';
import { createBridge, type Bridge } from '../lib/bridge.js';
import { mintBridgeToken } from '../lib/mint.js';
import type { Storage } from '../lib/storage.js';
import { postgresStorage } from '../storage/postgres.js';
import { sqliteStorage } from '../storage/sqlite.js';
import { createTestSchema, POSTGRES_URL, postgresUnavailable, skipOrFail } from './helpers/postgres.js';

const SERVER = fileURLToPath(new URL('./fixtures/engine-server.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ORIGIN = 'https://portal.example.com';
const LOAD_LOOPS = 16;
const TARGETS = 12;

const dir = await mkdtemp(join(tmpdir(), 'aforo-revoke-'));
after(() => rm(dir, { recursive: true, force: true }));

async function startServer(spec: string): Promise<{ port: number; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', SERVER, spec], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(Number(line)));
    child.once('exit', (code) => reject(new Error(`the engine process exited with ${code} before it listened`)));
  });
  return {
    port,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.stdin!.end();
      }),
  };
}

interface World {
  bridge: Bridge;
  tenant: string;
  embedKey: string;
  sessions: string[];
}

/** Process A: the test's own engine on the shared database, with a tenant, a key and `count` sessions. */
async function seed(storage: Storage, count: number): Promise<World> {
  const bridge = createBridge({ storage, mailer: memoryMailer(), issuer: `${ORIGIN}/aforo`, housekeeping: { intervalSeconds: 0 } });
  await bridge.ready();
  const tenant = `t-${randomBytes(4).toString('hex')}`;
  const { admin } = bridge.api;
  await admin.createTenant({ slug: tenant, name: 'Revoke Co' });
  const { key: embedKey } = await admin.createEmbedKey(tenant, { allowedOrigins: [ORIGIN] });
  const minted = await admin.createSigningKey(tenant, { alg: 'HS256' });
  await admin.promoteSigningKey(tenant, minted.kid);
  const sessions: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const bridgeToken = await mintBridgeToken({
      kid: minted.kid, alg: 'HS256', key: minted.secret!, externalCustomerId: `cust-${i % 3}`, ttlSeconds: 300,
    });
    sessions.push((await bridge.api.exchangeBridgeToken({ tenant, embedKey, bridgeToken })).sessionJwt);
  }
  return { bridge, tenant, embedKey, sessions };
}

function me(port: number, world: World, sessionJwt: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/aforo/v1/embed/me`, {
    headers: { origin: ORIGIN, 'x-aforo-tenant': world.tenant, 'x-aforo-embed-key': world.embedKey, authorization: `Bearer ${sessionJwt}` },
  });
}

function revokeCases(name: string, open: () => { storage: Storage; spec: string }): void {
  describe(`revocation across processes on ${name}`, () => {
    it(`a session revoked in process A is refused by process B on its next call, under load (${TARGETS} sessions)`, async () => {
      const { storage, spec } = open();
      const world = await seed(storage, TARGETS + 1);
      const b = await startServer(spec);
      const [loadSession, ...targets] = world.sessions;
      let stop = false;
      let served = 0;
      const failures: number[] = [];
      const load = Array.from({ length: LOAD_LOOPS }, async () => {
        while (!stop) {
          const response = await me(b.port, world, loadSession);
          await response.arrayBuffer();
          if (response.status === 200) served += 1;
          else failures.push(response.status);
        }
      });
      try {
        for (const [i, sessionJwt] of targets.entries()) {
          // B has served it (and so holds it in its cache) before A revokes it.
          const before = await me(b.port, world, sessionJwt);
          assert.equal(before.status, 200, await before.text());
          const servedBefore = served;
          if (i % 2 === 0) {
            await world.bridge.api.logout({ tenant: world.tenant, embedKey: world.embedKey, sessionJwt });
          } else {
            const { sid } = JSON.parse(Buffer.from(sessionJwt.split('.')[1], 'base64url').toString()) as { sid: string };
            assert.equal(await storage.revokeSession(sid, new Date()), true);
          }
          const refused = await me(b.port, world, sessionJwt);
          assert.equal(refused.status, 401, `session ${i} was still served by process B after its revocation`);
          assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'session_invalid');
          // B kept serving the load while the revocation went through.
          assert.ok(served > servedBefore || i > 0, 'process B served no load request around the revocation');
        }
      } finally {
        stop = true;
        await Promise.all(load);
        await b.stop();
        await world.bridge.close();
      }
      assert.deepEqual(failures, []);
      assert.ok(served >= TARGETS, `process B served only ${served} load requests`);
    });
  });
}

describe('revocation by another process during a synchronous wait, on sqlite', () => {
  it('a session revoked while this process waits synchronously (execFileSync) is refused by its very next call', async () => {
    const path = join(dir, `revoke-sync-${randomBytes(4).toString('hex')}.db`);
    const world = await seed(sqliteStorage({ path }), 1);
    const call = { tenant: world.tenant, embedKey: world.embedKey, sessionJwt: world.sessions[0] };
    try {
      assert.equal((await world.bridge.api.getMe(call)).customer.externalId, 'cust-0');
      // No turn of the event loop passes between the answer above, the other process's revoke and the call below.
      const { sid } = JSON.parse(Buffer.from(call.sessionJwt.split('.')[1], 'base64url').toString()) as { sid: string };
      const revoke = `const db = new (require('better-sqlite3'))(process.argv[1]); db.pragma('busy_timeout = 5000');
        if (db.prepare('update sessions set revoked_at = ? where sid = ?').run(Date.now(), process.argv[2]).changes !== 1) process.exit(3);`;
      execFileSync(process.execPath, ['-e', revoke, path, sid], { cwd: ROOT });
      await assert.rejects(world.bridge.api.getMe(call), (error: unknown) => (error as { code?: string }).code === 'session_invalid');
    } finally {
      await world.bridge.close();
    }
  });
});

revokeCases('sqlite', () => {
  const path = join(dir, `revoke-${randomBytes(4).toString('hex')}.db`);
  return { storage: sqliteStorage({ path }), spec: `sqlite:${path}` };
});

const unavailable = await postgresUnavailable();
if (unavailable !== null) {
  it('revocation across processes on postgres', (t) => skipOrFail(t, unavailable));
} else {
  const { schema, drop } = await createTestSchema();
  after(drop);
  revokeCases('postgres', () => ({ storage: postgresStorage({ url: POSTGRES_URL, schema }), spec: `postgres:${schema}` }));
}
