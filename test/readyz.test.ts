import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { memoryMailer } from '../adapters/mail.js';
import { createBridge } from '../lib/bridge.js';
import { postgresStorage } from '../storage/postgres.js';
import { createTestSchema, POSTGRES_URL, postgresUnavailable, skipOrFail } from './helpers/postgres.js';

/** A TCP proxy to Postgres that the test can cut and restore, as if the database went away and came back. */
function pgProxy(target: URL) {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  const open = () => new Promise<void>((resolve) => {
    server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    server.listen(port, '127.0.0.1', () => {
      port = (server?.address() as AddressInfo).port;
      resolve();
    });
  });
  const cut = () => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server?.close(() => resolve());
  });
  return { open, cut, url: () => { const u = new URL(target.href); u.hostname = '127.0.0.1'; u.port = String(port); return u.href; } };
}

const probe = (bridge: ReturnType<typeof createBridge>) =>
  bridge.handle({ method: 'GET', path: '/readyz', query: {}, headers: {}, ip: '127.0.0.1' }).then((r) => r?.status);

test('readyz: 503 while Postgres refuses connections, 200 again when it is back; healthz stays 200', async (t) => {
  const unavailable = await postgresUnavailable();
  if (unavailable !== null) return skipOrFail(t, unavailable);
  const { schema, drop } = await createTestSchema();
  after(drop);
  const proxy = pgProxy(new URL(POSTGRES_URL));
  await proxy.open();
  const bridge = createBridge({
    storage: postgresStorage({ url: proxy.url(), schema, pool: { min: 0, max: 2 } }),
    mailer: memoryMailer(),
    issuer: 'https://p.example.com/aforo',
  });
  await bridge.ready();
  assert.equal(await probe(bridge), 200);
  await proxy.cut();
  assert.equal(await probe(bridge), 503);
  const health = await bridge.handle({ method: 'GET', path: '/healthz', query: {}, headers: {}, ip: '127.0.0.1' });
  assert.equal(health?.status, 200);
  await proxy.open();
  let status = await probe(bridge);
  // The pool may hand out one connection that died with the cut before it reconnects.
  for (let attempt = 0; status !== 200 && attempt < 5; attempt++) status = await probe(bridge);
  assert.equal(status, 200);
  await bridge.close();
  await proxy.cut();
});
