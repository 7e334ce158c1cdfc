import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { memoryMailer } from '../adapters/mail.js';
import { createBridge } from '../lib/bridge.js';
import { mintBridgeToken } from '../lib/mint.js';
import { sqliteStorage } from '../storage/sqlite.js';
import { cleanEnv, spawnCaptured } from './helpers/child.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// The source, not the bin: the bin prefers a build in dist/, which may be older than the code under test.
const MAIN = join(ROOT, 'cli', 'main.ts');
const ADMIN_TOKEN = 'hardening-admin-token-4d91c0e2b7';
const ORIGIN = 'http://localhost:5173';
const EMAIL = 'alice.hardening@example.com';
// Guards against a hung child or socket, never a timing assertion of the engine.
const HANG_GUARD_MS = 30_000;

const work = mkdtempSync(join(tmpdir(), 'aforo-hardening-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Served {
  child: ChildProcess;
  url: string;
  port: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function spawnCli(args: string[], env: Record<string, string> = {}): Omit<Served, 'url' | 'port'> {
  return spawnCaptured(['--import', 'tsx', MAIN, ...args], ROOT, env);
}

async function serve(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const started = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--smtp', 'console', ...args], env);
  const url = await new Promise<string>((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error(`serve did not start: ${started.stderr()}`)), HANG_GUARD_MS);
    const look = (): void => {
      const match = /listening on (http:\/\/\S+)/.exec(started.stdout());
      if (match) {
        clearTimeout(guard);
        resolve(match[1]);
      }
    };
    started.child.stdout?.on('data', look);
    void started.exited.then((code) => {
      clearTimeout(guard);
      reject(new Error(`serve exited with ${code}: ${started.stderr()}`));
    });
  });
  return { ...started, url, port: Number(new URL(url).port) };
}

async function stop(served: Served): Promise<void> {
  served.child.kill('SIGTERM');
  const guard = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no exit after SIGTERM')), HANG_GUARD_MS).unref());
  assert.equal(await Promise.race([served.exited, guard]), 0);
}

async function call(served: Served, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${served.url}/aforo${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> & { error?: { code: string } } };
}

const asAdmin = (token = ADMIN_TOKEN) => ({ authorization: `Bearer ${token}` });

/** Writes raw bytes on a fresh connection; resolves with what came back once the server closed it (or the guard cut it). */
function rawExchange(port: number, data: string | Buffer): Promise<{ answer: string; closedByServer: boolean; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => socket.write(data));
    let answer = '';
    let guarded = false;
    const guard = setTimeout(() => {
      guarded = true;
      socket.destroy();
    }, 10_000);
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(guard);
      resolve({ answer, closedByServer: !guarded, ms: Date.now() - started });
    });
  });
}

function logLines(stderr: string): Array<Record<string, unknown> & { level: number; msg: string }> {
  return stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { level: number; msg: string });
}

test('serve: a full flow plus hostile raw requests leave no token, JWT, email or raw packet in the log', async () => {
  const served = await serve(['--storage', 'memory', '--admin-token', ADMIN_TOKEN], { AFORO_LOG_LEVEL: 'debug' });
  const secrets = [ADMIN_TOKEN];
  let sessionJwt = '';
  let bridgeToken = '';
  try {
    assert.equal((await call(served, 'POST', '/v1/admin/tenants', { slug: 'acme', name: 'Acme' }, asAdmin())).status, 201);
    const ek = await call(served, 'POST', '/v1/admin/tenants/acme/embed-keys', { allowedOrigins: [ORIGIN] }, asAdmin());
    const sk = await call(served, 'POST', '/v1/admin/tenants/acme/signing-keys', { alg: 'HS256' }, asAdmin());
    secrets.push(String(sk.body.secret));
    // The externalId is the email itself, so the path carries it percent-encoded.
    const encoded = encodeURIComponent(EMAIL);
    assert.equal((await call(served, 'PUT', `/v1/admin/tenants/acme/customers/${encoded}`, { email: EMAIL }, asAdmin())).status, 200);
    assert.equal((await call(served, 'GET', `/v1/admin/tenants/acme/customers/${encoded}`, undefined, asAdmin())).status, 404);
    assert.equal((await call(served, 'GET', `/v1/admin/${encoded}`, undefined, asAdmin())).status, 404);
    const embed = { origin: ORIGIN, 'x-aforo-tenant': 'acme', 'x-aforo-embed-key': String(ek.body.key) };
    bridgeToken = await mintBridgeToken({ kid: String(sk.body.kid), alg: 'HS256', key: String(sk.body.secret), externalCustomerId: EMAIL, email: EMAIL });
    const session = await call(served, 'POST', '/v1/embed/auth/bridge', { bridgeToken }, embed);
    assert.equal(session.status, 200);
    sessionJwt = String(session.body.sessionJwt);
    secrets.push(bridgeToken, sessionJwt);
    assert.equal((await call(served, 'GET', '/v1/embed/me', undefined, { ...embed, authorization: `Bearer ${sessionJwt}` })).status, 200);
    assert.equal((await call(served, 'POST', '/v1/embed/auth/magic-link', { email: EMAIL, returnUrl: `${ORIGIN}/a` }, embed)).status, 202);

    const loot = `Authorization: Bearer ${ADMIN_TOKEN} ${sessionJwt} ${bridgeToken} ${EMAIL} ${encoded}`;
    // A body longer than its Content-Length: the rest is parsed as a next request and fails.
    const longBody = await rawExchange(served.port, [
      'POST /aforo/v1/embed/auth/magic-link HTTP/1.1', 'Host: 127.0.0.1', `Authorization: Bearer ${ADMIN_TOKEN}`,
      'Content-Type: application/json', 'Content-Length: 2', '', `{}${JSON.stringify({ email: EMAIL, token: sessionJwt })} ${loot}\r\n\r\n`,
    ].join('\r\n'));
    assert.match(longBody.answer, /^HTTP\/1\.1 400 /m);
    // A good request, then garbage on the same keep-alive connection.
    const pipelined = await rawExchange(served.port, [
      'GET /aforo/healthz HTTP/1.1', 'Host: 127.0.0.1', `Authorization: Bearer ${ADMIN_TOKEN}`, '', `\u0001GARBAGE ${loot}\r\n\r\n`,
    ].join('\r\n'));
    // Node parses the garbage before the first answer is written, so the connection gets the 400 and is closed.
    assert.match(pipelined.answer, /HTTP\/1\.1 400 Bad Request/);
    // A malformed header line after credential-bearing ones.
    const badHeader = await rawExchange(served.port, [
      `GET /aforo/v1/embed/me?bridge=${bridgeToken} HTTP/1.1`, 'Host: 127.0.0.1', `Authorization: Bearer ${sessionJwt}`,
      `X-Email: ${EMAIL}`, `not a header ${ADMIN_TOKEN}`, '', '',
    ].join('\r\n'));
    assert.match(badHeader.answer, /^HTTP\/1\.1 400 /);
    // The envelope, and nothing of the request in it.
    const envelope = badHeader.answer.slice(badHeader.answer.indexOf('\r\n\r\n') + 4);
    assert.deepEqual(JSON.parse(envelope), { error: { code: 'invalid_request', message: 'the request is not well-formed HTTP' } });
    const envelopeOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    // An Expect the server cannot meet: the envelope with its code's status (Node's own 417 has no body).
    const expect = await rawExchange(served.port, [
      'POST /aforo/v1/embed/auth/bridge HTTP/1.1', 'Host: 127.0.0.1', `Expect: ${bridgeToken}`, 'Content-Type: application/json',
      'Content-Length: 2', '', '{}',
    ].join('\r\n'));
    assert.match(expect.answer, /^HTTP\/1\.1 400 /);
    assert.deepEqual(envelopeOf(expect.answer), { error: { code: 'invalid_request', message: 'only Expect: 100-continue is supported' } });
    // No Host on HTTP/1.1: the envelope, where Node's own 400 had an empty body.
    const hostless = await rawExchange(served.port, ['GET /aforo/healthz HTTP/1.1', `Authorization: Bearer ${ADMIN_TOKEN}`, '', ''].join('\r\n'));
    assert.match(hostless.answer, /^HTTP\/1\.1 400 /);
    assert.equal(envelopeOf(hostless.answer).error.code, 'invalid_request');
    // 100-continue with a declared body over the cap: the final 413 at once, no invitation to send the body.
    const invited = await rawExchange(served.port, [
      'POST /aforo/v1/embed/auth/bridge HTTP/1.1', 'Host: 127.0.0.1', 'Expect: 100-continue', 'Content-Type: application/json',
      'Content-Length: 100000', '', '',
    ].join('\r\n'));
    assert.doesNotMatch(invited.answer, /100 Continue/);
    assert.match(invited.answer, /^HTTP\/1\.1 413 /);
    assert.ok(invited.closedByServer);
    // A small declared body is still invited and served.
    const small = await rawExchange(served.port, [
      'POST /aforo/v1/embed/auth/bridge HTTP/1.1', 'Host: 127.0.0.1', 'Expect: 100-continue', 'Content-Type: application/json',
      'Content-Length: 2', 'Connection: close', '', '{}',
    ].join('\r\n'));
    assert.match(small.answer, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 401 /);
    // A body over the cap is never taken in, whatever refuses it first: a wrong admin token (401), an unknown path
    // (404). The server answers and closes; it does not read the 20 MB announced.
    for (const [path, status] of [['/aforo/v1/admin/tenants', 401], ['/aforo/nowhere', 404]] as const) {
      const flood = await rawExchange(served.port, [
        `POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Authorization: Bearer wrong-token-wrong-token', 'Content-Type: application/json',
        `Content-Length: ${20 * 1024 * 1024}`, '', '{"pad":"',
      ].join('\r\n'));
      assert.match(flood.answer, new RegExp(`^HTTP/1\\.1 ${status} `), path);
      assert.match(flood.answer, /\r\nconnection: close\r\n/i, path);
      assert.ok(flood.closedByServer, `${path}: the server closed the connection`);
    }
    // Still serving after all of it.
    assert.equal((await call(served, 'GET', '/healthz')).status, 200);
  } finally {
    await stop(served);
  }

  const log = served.stderr();
  const lines = logLines(log);
  const clientErrors = lines.filter((line) => line.msg === 'client error');
  assert.ok(clientErrors.length >= 3, 'each hostile request has its line');
  for (const line of clientErrors) {
    const err = line.err as Record<string, unknown>;
    assert.deepEqual(Object.keys(err).sort(), ['code', 'message', 'name'], 'an error is logged by chosen fields only');
    assert.match(String(err.code), /^HPE_/);
  }
  assert.ok(lines.some((line) => line.path === '/v1/admin/tenants/acme/customers/:externalId'));
  for (const secret of secrets) assert.ok(!log.includes(secret), `the log holds ${secret.slice(0, 10)}…`);
  assert.doesNotMatch(log, /eyJ[A-Za-z0-9_-]{6,}/);
  assert.ok(!log.toLowerCase().includes(EMAIL), 'no plain email');
  assert.doesNotMatch(log, /alice\.hardening(%40|%2540|@)/i);
  assert.ok(!log.includes('rawPacket') && !log.includes('"data":['), 'no raw packet, no byte array');
});

test('serve logger: an err field from any caller keeps name, code and message only; bytes under other keys are dropped', async () => {
  const script = `
    import { serveLogger } from ${JSON.stringify(join(ROOT, 'cli', 'logger.ts'))};
    import { loggableError } from ${JSON.stringify(join(ROOT, 'lib', 'errors.ts'))};
    const logger = serveLogger('info', ['${ADMIN_TOKEN}']);
    const parse = Object.assign(new Error('Parse Error: Invalid method'), { code: 'HPE_INVALID_METHOD', rawPacket: Buffer.from('Bearer ${ADMIN_TOKEN} ${EMAIL}'), bytesParsed: 9 });
    logger.error({ err: parse }, 'engine style');
    logger.error({ err: loggableError(parse), method: 'GET' }, 'lib style');
    logger.error({ cause: parse, nested: { error: parse, bytes: new Uint8Array([1, 2, 3]) } }, 'other keys');
    logger.error({ err: new Error('failed for ${EMAIL} and ${encodeURIComponent(EMAIL)} with ${ADMIN_TOKEN}') }, 'message');
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, env: cleanEnv({}), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  assert.equal(await new Promise((resolve) => child.once('exit', resolve)), 0, stderr);
  const lines = logLines(stderr);
  assert.equal(lines.length, 4, stderr);
  assert.deepEqual(lines[0].err, { name: 'Error', code: 'HPE_INVALID_METHOD', message: 'Parse Error: Invalid method' });
  assert.deepEqual(lines[1].err, { name: 'Error', code: 'HPE_INVALID_METHOD', message: 'Parse Error: Invalid method' });
  assert.deepEqual(lines[2].cause, { name: 'Error', code: 'HPE_INVALID_METHOD', message: 'Parse Error: Invalid method' });
  assert.deepEqual(lines[2].nested, { error: { name: 'Error', code: 'HPE_INVALID_METHOD', message: 'Parse Error: Invalid method' }, bytes: '[bytes]' });
  assert.equal((lines[3].err as { message: string }).message, 'failed for ***@example.com and ***@example.com with [redacted]');
  assert.ok(!stderr.includes('rawPacket') && !stderr.includes('stack') && !stderr.includes(ADMIN_TOKEN));
});

test('serve: a request whose body never comes is answered 400 invalid_request (the status of its SPEC code, not 408) and closed after --request-timeout', async () => {
  const served = await serve(['--storage', 'memory', '--admin-token', ADMIN_TOKEN, '--request-timeout', '1']);
  try {
    const slowBody = await rawExchange(served.port, [
      'POST /aforo/v1/embed/auth/magic-link HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 100', '', '',
    ].join('\r\n'));
    assert.ok(slowBody.closedByServer, 'the server closed the socket');
    assert.match(slowBody.answer, /^HTTP\/1\.1 400 /);
    // The SPEC's envelope, as every other answer has it.
    assert.match(slowBody.answer, /\r\ncontent-type: application\/json; charset=utf-8\r\n/i);
    assert.deepEqual(JSON.parse(slowBody.answer.slice(slowBody.answer.indexOf('\r\n\r\n') + 4)).error.code, 'invalid_request');
    assert.ok(slowBody.ms < 5_000, `cut after ${slowBody.ms} ms`);
    const slowHeaders = await rawExchange(served.port, 'GET /aforo/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    assert.ok(slowHeaders.closedByServer);
    assert.match(slowHeaders.answer, /^HTTP\/1\.1 400 /);
    assert.ok(slowHeaders.ms < 5_000, `cut after ${slowHeaders.ms} ms`);
    assert.equal((await call(served, 'GET', '/healthz')).status, 200);
  } finally {
    await stop(served);
  }
  assert.ok(logLines(served.stderr()).some((line) => line.msg === 'client error' && (line.err as { code?: string }).code === 'ERR_HTTP_REQUEST_TIMEOUT'));
});

test('serve --request-timeout: not a number of seconds between 1 and 3600 is a usage error', async () => {
  for (const value of ['0', 'abc', '3601']) {
    const run = spawnCli(['serve', '--storage', 'memory', '--request-timeout', value]);
    assert.equal(await run.exited, 2, value);
    assert.match(run.stderr(), /--request-timeout must be an integer between 1 and 3600/);
  }
});

test('serve: without a master key one warning line at start; with --master-key-file none; SQLite files are 0600', async () => {
  const plainDb = join(work, 'plain', 'aforo.db');
  const plain = await serve(['--storage', `sqlite:${plainDb}`, '--admin-token', ADMIN_TOKEN]);
  try {
    assert.equal((await call(plain, 'POST', '/v1/admin/tenants', { slug: 'modes', name: 'Modes' }, asAdmin())).status, 201);
    for (const file of [plainDb, `${plainDb}-wal`, `${plainDb}-shm`]) {
      if (file === plainDb) assert.ok(existsSync(file));
      if (existsSync(file)) assert.equal((statSync(file).mode & 0o777).toString(8), '600', file);
    }
  } finally {
    await stop(plain);
  }
  const warnings = logLines(plain.stderr()).filter((line) => line.level === 40);
  assert.equal(warnings.length, 1, plain.stderr());
  assert.match(warnings[0].msg, /no master key: .*unencrypted/);
  assert.equal(plain.stderr().split('\n').filter((line) => /master key/i.test(line)).length, 1);

  const keyFile = join(work, 'master.key');
  writeFileSync(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  const sealedDb = join(work, 'sealed.db');
  const sealed = await serve(['--storage', `sqlite:${sealedDb}`, '--admin-token', ADMIN_TOKEN, '--master-key-file', keyFile]);
  try {
    assert.equal((await call(sealed, 'POST', '/v1/admin/tenants', { slug: 'modes', name: 'Modes' }, asAdmin())).status, 201);
    for (const file of [sealedDb, `${sealedDb}-wal`, `${sealedDb}-shm`]) {
      if (existsSync(file)) assert.equal((statSync(file).mode & 0o777).toString(8), '600', file);
    }
  } finally {
    await stop(sealed);
  }
  assert.equal(logLines(sealed.stderr()).filter((line) => line.level === 40).length, 0, sealed.stderr());
  assert.doesNotMatch(sealed.stderr(), /master key/i);
});

test('sqliteStorage: a database file it creates, with its -wal and -shm, is 0600 whatever the umask', async () => {
  const path = join(work, 'direct', 'nested', 'a.db');
  const previous = process.umask(0o000);
  let storage;
  try {
    storage = sqliteStorage({ path });
    await storage.init();
  } finally {
    process.umask(previous);
  }
  try {
    for (const file of [path, `${path}-wal`, `${path}-shm`]) {
      assert.ok(existsSync(file), file);
      assert.equal((statSync(file).mode & 0o777).toString(8), '600', file);
    }
  } finally {
    await storage.close();
  }
});

test('serve --admin-token-file: the token is read from the file (trailing newline dropped); value and file together is a usage error', async () => {
  const tokenFile = join(work, 'admin.token');
  writeFileSync(tokenFile, `${ADMIN_TOKEN}\n`, { mode: 0o600 });
  const served = await serve(['--storage', 'memory', '--admin-token-file', tokenFile]);
  try {
    assert.equal((await call(served, 'POST', '/v1/admin/tenants', { slug: 'filed', name: 'Filed' }, asAdmin())).status, 201);
    assert.equal((await call(served, 'GET', '/v1/admin/tenants/filed', undefined, asAdmin(`${ADMIN_TOKEN}x`))).status, 401);
  } finally {
    await stop(served);
  }
  assert.ok(!served.stderr().includes(ADMIN_TOKEN) && !served.stdout().includes(ADMIN_TOKEN));

  const fromEnv = await serve(['--storage', 'memory'], { AFORO_ADMIN_TOKEN_FILE: tokenFile });
  try {
    assert.equal((await call(fromEnv, 'GET', '/v1/admin/tenants/none', undefined, asAdmin())).status, 404);
  } finally {
    await stop(fromEnv);
  }

  const cases: Array<{ args: string[]; env?: Record<string, string>; message: RegExp }> = [
    { args: ['--admin-token', ADMIN_TOKEN, '--admin-token-file', tokenFile], message: /give --admin-token or --admin-token-file, not both/ },
    { args: ['--admin-token-file', tokenFile], env: { AFORO_ADMIN_TOKEN: ADMIN_TOKEN }, message: /not both/ },
    { args: ['--master-key', randomBytes(32).toString('base64'), '--master-key-file', tokenFile], message: /give --master-key or --master-key-file, not both/ },
    { args: ['--admin-token-file', join(work, 'missing.token')], message: /--admin-token-file: cannot read .*ENOENT/ },
    { args: ['--master-key-file', tokenFile], message: /--master-key-file must hold base64 of exactly 32 bytes/ },
  ];
  for (const { args, env, message } of cases) {
    const run = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--storage', 'memory', ...args], env);
    assert.equal(await run.exited, 2, args.join(' '));
    assert.match(run.stderr(), message);
    assert.ok(!run.stderr().includes(ADMIN_TOKEN), 'the usage error does not print the secret');
  }
});

test('serve --help: names the file options, --request-timeout and the advice about secrets on the command line', async () => {
  const run = spawnCli(['serve', '--help']);
  assert.equal(await run.exited, 0);
  for (const text of ['--admin-token-file <file>', 'AFORO_ADMIN_TOKEN_FILE', '--master-key-file <file>', 'AFORO_MASTER_KEY_FILE', '--request-timeout <seconds>', 'AFORO_REQUEST_TIMEOUT', 'default 30', '(ps)']) {
    assert.ok(run.stdout().includes(text), text);
  }
});

async function requestedHash(path: string, masterKey?: string): Promise<string> {
  const bridge = createBridge({ storage: sqliteStorage({ path }), mailer: memoryMailer(), issuer: 'https://p.example.com/aforo', ...(masterKey ? { masterKey } : {}) });
  try {
    const { admin } = bridge.api;
    await admin.getTenant('hash').catch(() => admin.createTenant({ slug: 'hash', name: 'Hash' }));
    const ek = (await admin.createEmbedKey('hash', { allowedOrigins: [ORIGIN] })) as { key: string };
    await bridge.api.requestMagicLink({ tenant: 'hash', embedKey: ek.key, email: EMAIL, returnUrl: `${ORIGIN}/a` });
    await bridge.drain();
    const { events } = await admin.listAudit('hash', { type: 'magic_link.requested', limit: '1' });
    const event = events[0] as Record<string, unknown>;
    const hash = event.emailHash ?? (event.data as { emailHash?: unknown } | undefined)?.emailHash;
    assert.equal(typeof hash, 'string', JSON.stringify(event));
    return hash as string;
  } finally {
    await bridge.close();
  }
}

test('audit emailHash: without a master key it is keyed by a per-install secret, stable across restarts of one install', async () => {
  const first = await requestedHash(join(work, 'hash-a.db'));
  const again = await requestedHash(join(work, 'hash-a.db'));
  const other = await requestedHash(join(work, 'hash-b.db'));
  assert.equal(first, again, 'one install, one key');
  assert.notEqual(first, other, 'two installs, two keys');
  const publicKey = createHash('sha256').update('aforo-bridge audit email v1').digest();
  const constantKeyed = createHmac('sha256', publicKey).update(EMAIL).digest('base64url').slice(0, 22);
  assert.notEqual(first, constantKeyed);
  assert.notEqual(other, constantKeyed);

  // With a master key the hash is the one earlier releases recorded, so old audit rows still match.
  const masterKey = randomBytes(32).toString('base64');
  const keyed = createHash('sha256').update('aforo-bridge audit email v1').update(Buffer.from(masterKey, 'base64')).digest();
  assert.equal(await requestedHash(join(work, 'hash-c.db'), masterKey), createHmac('sha256', keyed).update(EMAIL).digest('base64url').slice(0, 22));
});

test('serve --admin-rate-limit: past that many wrong-token admin calls a minute from one IP the answer is 429 with Retry-After', async () => {
  const served = await serve(['--storage', 'memory', '--admin-rate-limit', '3'], { AFORO_ADMIN_TOKEN: ADMIN_TOKEN });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await call(served, 'GET', '/v1/admin/tenants/none', undefined, asAdmin('wrong-token-0123456789'))).status);
    assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
    assert.equal((await call(served, 'GET', '/v1/admin/tenants/none', undefined, asAdmin())).status, 404);
  } finally {
    await stop(served);
  }
});
