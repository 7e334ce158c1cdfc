import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { mintBridgeToken } from '../lib/mint.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// The source, not the bin: the bin prefers a build in dist/, which may be older than the code whose log is checked.
const MAIN = join(ROOT, 'cli', 'main.ts');
const ADMIN_TOKEN = 'logs-test-admin-token-8c2e1f77';
const ORIGIN = 'http://localhost:5173';

/** Starts `serve` on memory storage with a debug log; `log()` is what it wrote to stderr so far. */
async function startServe(): Promise<{ url: string; log: () => string; stdout: () => string; stop: () => Promise<number | null> }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AFORO_')) env[key] = value;
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--port', '0', '--host', '127.0.0.1', '--storage', 'memory', '--admin-token', ADMIN_TOKEN, '--smtp', 'console'], {
    cwd: ROOT, env: { ...env, AFORO_LOG_LEVEL: 'debug' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
  return {
    url,
    log: () => stderr,
    stdout: () => stdout,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

test('serve: the JSON log lines of a full flow hold no token, secret, JWT or plain email', async () => {
  const serve = await startServe();
  const { url } = serve;
  const base = `${url}/aforo`;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(base + path, {
      method, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers }, body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const secrets: string[] = [ADMIN_TOKEN];
  try {
    await call('POST', '/v1/admin/tenants', { slug: 'logs', name: 'Logs' }, admin);
    const ek = await call('POST', '/v1/admin/tenants/logs/embed-keys', { allowedOrigins: [ORIGIN] }, admin);
    const sk = await call('POST', '/v1/admin/tenants/logs/signing-keys', { alg: 'HS256' }, admin);
    secrets.push(sk.body.secret);
    await call('PUT', '/v1/admin/tenants/logs/customers/c-1', { email: 'Known.Person@example.com' }, admin);
    const embed = { origin: ORIGIN, 'x-aforo-tenant': 'logs', 'x-aforo-embed-key': ek.body.key };
    const token = await mintBridgeToken({ kid: sk.body.kid, alg: 'HS256', key: sk.body.secret, externalCustomerId: 'c-1', email: 'known.person@example.com' });
    secrets.push(token);
    const session = await call('POST', '/v1/embed/auth/bridge', { bridgeToken: token }, embed);
    assert.equal(session.status, 200);
    secrets.push(session.body.sessionJwt);
    assert.equal((await call('POST', '/v1/embed/auth/bridge', { bridgeToken: token }, embed)).body.error.code, 'bridge_token_replayed');
    const bearer = { ...embed, authorization: `Bearer ${session.body.sessionJwt}` };
    assert.equal((await call('GET', '/v1/embed/me', undefined, bearer)).status, 200);
    await call('POST', '/v1/embed/auth/logout', undefined, bearer);
    for (const email of ['known.person@example.com', 'someone.else@example.com']) {
      assert.equal((await call('POST', '/v1/embed/auth/magic-link', { email, returnUrl: `${ORIGIN}/account` }, embed)).status, 202);
    }
    const bad = await call('POST', '/v1/embed/auth/magic-link/exchange', { token: 'A'.repeat(43) }, embed);
    assert.equal(bad.body.error.code, 'magic_link_invalid');
    await call('GET', '/v1/admin/tenants/logs', undefined, { authorization: 'Bearer wrong' });
    const foreign = { ...embed, origin: 'https://shop.other.test' };
    assert.equal((await call('GET', '/v1/embed/config', undefined, foreign)).body.error.code, 'origin_not_allowed');
    assert.equal((await call('GET', '/v1/embed/config', undefined, { ...embed, origin: 'https://person:pw@shop.other.test' })).status, 403);
  } finally {
    assert.equal(await serve.stop(), 0);
  }
  const stdout = serve.stdout();
  const stderr = serve.log();
  const magic = /aforo_magic_token=([A-Za-z0-9_-]+)/.exec(stdout)?.[1];
  assert.ok(magic, 'the console mailer printed the link on stdout');
  secrets.push(magic);

  const lines = stderr.split('\n').filter((line) => line.startsWith('{'));
  const parsed = lines.map((line) => JSON.parse(line) as { level: number; msg: string; code?: string; path?: string });
  assert.ok(parsed.some((l) => l.msg === 'request' && l.path === '/v1/embed/me'), 'one debug line per request');
  assert.ok(parsed.some((l) => l.msg === 'refused' && l.code === 'bridge_token_replayed'), 'refusals at info with their code');
  assert.ok(parsed.some((l) => l.msg === 'refused' && l.code === 'unauthorized'));
  const origins = parsed.filter((l) => l.code === 'origin_not_allowed').map((l) => (l as { origin?: unknown }).origin);
  assert.deepEqual(origins, ['https://shop.other.test', 'malformed'], 'an origin refusal names the refused origin, a malformed one is not echoed');
  assert.doesNotMatch(stderr, /person:pw/);
  for (const secret of secrets) assert.ok(!stderr.includes(secret), `the log holds ${secret.slice(0, 10)}…`);
  assert.doesNotMatch(stderr, /eyJ[A-Za-z0-9_-]{10,}/);
  assert.doesNotMatch(stderr, /known\.person@|someone\.else@/i);
});

test('serve: a request cut off while its body is read is logged with its path masked', async () => {
  const serve = await startServe();
  const { hostname, port } = new URL(serve.url);
  // The body is read before routing, so any path below the prefix gets this far; its segments are the client's.
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
  const path = `/aforo/v1/embed/x/jane.doe@example.com/${jwt}/customers/c-secret-id`;
  try {
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(`POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":`);
        setTimeout(() => socket.destroy(), 200);
      });
      socket.once('close', () => resolve());
      socket.once('error', reject);
    });
    // The server notices the reset and logs it; wait for the line rather than for a fixed time.
    for (let i = 0; i < 100 && !serve.log().includes('request aborted'); i += 1) await new Promise((r) => setTimeout(r, 20));
  } finally {
    assert.equal(await serve.stop(), 0);
  }
  const aborted = serve.log().split('\n').filter((line) => line.includes('request aborted')).map((line) => JSON.parse(line) as { path?: string });
  assert.equal(aborted.length, 1, serve.log());
  assert.equal(aborted[0].path, '/aforo/v1/embed/x/[email]/[jwt]/customers/:externalId');
  assert.doesNotMatch(serve.log(), /jane\.doe|c-secret-id|eyJhbGciOi/);
});
