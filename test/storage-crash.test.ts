import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { memoryMailer } from '../adapters/mail.js';
import { createBridge } from '../lib/bridge.js';
import { mintBridgeToken } from '../lib/mint.js';
import { sqliteStorage } from '../storage/sqlite.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ORIGIN = 'https://shop.example.com';

test('crash safety: after SIGKILL mid-burst, every customer and session that got a 200 is in the SQLite file', async () => {
  const dir = join(tmpdir(), `aforo-crash-${randomBytes(6).toString('hex')}`);
  after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'crash.db');

  const seed = createBridge({ storage: sqliteStorage({ path }), mailer: memoryMailer(), issuer: 'https://p.example.com/aforo' });
  await seed.api.admin.createTenant({ slug: 'crash', name: 'Crash' });
  const ek = (await seed.api.admin.createEmbedKey('crash', { allowedOrigins: [ORIGIN] })) as { key: string };
  const sk = (await seed.api.admin.createSigningKey('crash', { alg: 'HS256' })) as { kid: string; secret: string };
  await seed.close();
  const tokens = await Promise.all(Array.from({ length: 300 }, (_, i) =>
    mintBridgeToken({ kid: sk.kid, alg: 'HS256', key: sk.secret, externalCustomerId: `crash-${i}` })));

  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AFORO_')) env[key] = value;
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'aforo-bridge.mjs'), 'serve', '--port', '0', '--host', '127.0.0.1',
    '--storage', `sqlite:${path}`, '--ip-rate-limit', '100000', '--log-level', 'silent'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    void exited.then(() => reject(new Error('serve exited before listening')));
  });

  const succeeded: Array<{ customerId: string; sid: string }> = [];
  let answered = 0;
  const headers = { origin: ORIGIN, 'x-aforo-tenant': 'crash', 'x-aforo-embed-key': ek.key, 'content-type': 'application/json' };
  const exchange = async (bridgeToken: string) => {
    try {
      const response = await fetch(`${url}/aforo/v1/embed/auth/bridge`, { method: 'POST', headers, body: JSON.stringify({ bridgeToken }) });
      const body = (await response.json()) as { sessionJwt: string; customer: { id: string } };
      answered += 1;
      if (response.status === 200) succeeded.push({ customerId: body.customer.id, sid: String(decodeJwt(body.sessionJwt).sid) });
      // Kill in the middle of the burst: requests are still in flight on the other connections.
      if (answered === 60) child.kill('SIGKILL');
    } catch {
      // the connection died with the process: this request got no 200
    }
  };
  const queue = [...tokens];
  await Promise.all(Array.from({ length: 10 }, async () => {
    while (queue.length > 0) await exchange(queue.shift() as string);
  }));
  assert.equal(await exited, 'SIGKILL');
  assert.ok(succeeded.length >= 50 && succeeded.length < tokens.length, `${succeeded.length} succeeded`);

  const storage = sqliteStorage({ path });
  await storage.init();
  for (const { customerId, sid } of succeeded) {
    assert.ok(await storage.getCustomer('crash', customerId), `customer ${customerId} is missing after the crash`);
    const session = await storage.getSession(sid);
    assert.ok(session && session.customerId === customerId, `session ${sid} is missing after the crash`);
  }
  await storage.close();
});
