import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../cli/main.js';
import { postgresTarget } from '../cli/storage.js';
import { POSTGRES_URL, postgresUnavailable, skipOrFail, withPostgres } from './helpers/postgres.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'aforo-bridge.mjs');
const DIR = mkdtempSync(join(tmpdir(), 'aforo-cli-'));
const DB = join(DIR, 'aforo.db');
const MASTER_KEY = randomBytes(32).toString('base64');
const ADMIN_TOKEN = 'cli-test-admin-token-77a1c3';
const ORIGIN = 'http://localhost:5173';
// Guards against a hung child, never a timing assertion.
const HANG_GUARD_MS = 60_000;
// Every command of this file works on one SQLite file, with a master key so secrets are sealed at rest.
const ENV = { AFORO_STORAGE: `sqlite:${DB}`, AFORO_MASTER_KEY: MASTER_KEY };

after(() => rmSync(DIR, { recursive: true, force: true }));

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AFORO_')) env[key] = value;
  return { ...env, ...extra };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function spawnCli(args: string[], env: Record<string, string>): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: DIR, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Run>((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error(`aforo-bridge ${args.join(' ')} hung`)), HANG_GUARD_MS);
    child.once('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, done };
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return spawnCli(args, { ...ENV, ...env }).done;
}

/** Runs a command that must succeed with `--json` and returns its parsed output. */
async function json<T = Record<string, unknown>>(args: string[], env: Record<string, string> = {}): Promise<T> {
  const run = await cli([...args, '--json'], env);
  assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

async function fails(args: string[], exit: number, pattern: RegExp, env: Record<string, string> = {}): Promise<Run> {
  const run = await cli(args, env);
  assert.equal(run.code, exit, `${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  assert.match(run.stderr, pattern, args.join(' '));
  return run;
}

const state = { embedKey: '', otherKey: '', hsKid: '', hsSecret: '', rsMintedKid: '', rsRegisteredKid: '' };
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPrivateFile = join(DIR, 'rsa-private.pem');
const rsaPublicFile = join(DIR, 'rsa-public.pem');
writeFileSync(rsaPrivateFile, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
writeFileSync(rsaPublicFile, rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString());

test('help: every command and group answers --help with its usage and exit 0; no command is a usage error', async () => {
  const groups = ['tenants', 'embed-keys', 'signing-keys', 'offerings', 'customers', 'invoices', 'subscriptions'];
  const commands = [
    'serve', 'migrate', 'mint-token', 'audit', 'prune', 'tenants create', 'tenants show', 'embed-keys create', 'embed-keys list',
    'embed-keys allow', 'embed-keys revoke', 'signing-keys mint', 'signing-keys register', 'signing-keys list',
    'signing-keys promote', 'signing-keys revoke', 'offerings put', 'offerings publish', 'offerings archive', 'offerings list',
    'customers put', 'customers list', 'invoices put', 'invoices list', 'subscriptions put', 'subscriptions list', 'subscriptions usage',
  ];
  for (const name of [...groups, ...commands]) {
    const out: string[] = [];
    const code = await main([...name.split(' '), '--help'], { out: (l) => out.push(l), err: (l) => out.push(l), env: {} });
    assert.equal(code, 0, name);
    assert.match(out.join('\n'), new RegExp(`^Usage: aforo-bridge ${name} `), name);
  }
  const serveHelp: string[] = [];
  await main(['serve', '--help'], { out: (l) => serveHelp.push(l), err: () => undefined, env: {} });
  for (const env of ['AFORO_STORAGE', 'AFORO_ADMIN_TOKEN', 'AFORO_MASTER_KEY', 'AFORO_ISSUER', 'AFORO_SMTP', 'AFORO_HOST', 'AFORO_PORT', 'AFORO_PREFIX', 'AFORO_TRUST_PROXY', 'AFORO_IP_RATE_LIMIT']) {
    assert.ok(serveHelp.join('\n').includes(env), env);
  }

  const [top, none, unknown, unknownSub] = await Promise.all([cli(['--help']), cli([]), cli(['frobnicate']), cli(['tenants', 'frobnicate'])]);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /Usage: aforo-bridge <command>/);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /Usage: aforo-bridge <command>/);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /error: unknown command "frobnicate"/);
  assert.equal(unknownSub.code, 2);
});

test('migrate: creates the schema on a new SQLite file, then finds nothing to do', async () => {
  const first = await json<{ from: number; to: number }>(['migrate']);
  assert.equal(first.from, 0);
  assert.ok(first.to >= 1);
  const second = await json<{ from: number; to: number }>(['migrate']);
  assert.deepEqual(second, { ...second, from: first.to, to: first.to });
  const human = await cli(['migrate']);
  assert.match(human.stdout, new RegExp(`schema version ${first.to} -> ${first.to}`));
});

test('tenants create / show: human and JSON output; a duplicate slug is a conflict, an unknown one not found', async () => {
  const created = await cli(['tenants', 'create', 'acme', '--name', 'Acme Cloud', '--primary-color', '#4f46e5', '--mail-from', 'billing@acme.test']);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /created tenant acme/);
  assert.match(created.stdout, /name: +Acme Cloud/);
  const shown = await json(['tenants', 'show', 'acme']);
  assert.deepEqual([shown.slug, shown.name, shown.branding, shown.magicLink], ['acme', 'Acme Cloud', { primaryColor: '#4f46e5' }, { from: 'billing@acme.test' }]);
  await Promise.all([
    fails(['tenants', 'create', 'acme', '--name', 'Again'], 1, /^error: conflict: /m),
    fails(['tenants', 'show', 'nobody'], 1, /^error: not_found: no tenant with that slug/m),
    fails(['tenants', 'create', 'Bad!', '--name', 'Bad'], 1, /^error: invalid_request: slug/m),
    fails(['tenants', 'create', 'beta'], 2, /^error: --name is required/m),
    fails(['tenants', 'create', 'beta', '--name', 'B', '--colour', 'red'], 2, /^error: Unknown option '--colour'/m),
  ]);
});

test('embed-keys create / list / allow / revoke: origins are normalised, malformed or insecure ones refused', async () => {
  const key = await json(['embed-keys', 'create', '--tenant', 'acme', '--origin', ORIGIN, '--origin', 'https://Shop.Example.com:443']);
  assert.match(String(key.id), /^ek_live_/);
  assert.deepEqual(key.allowedOrigins, [ORIGIN, 'https://shop.example.com']);
  state.embedKey = String(key.id);
  const other = await json(['embed-keys', 'create', '--tenant', 'acme', '--origin', 'https://other.example.com', '--mode', 'test']);
  assert.match(String(other.id), /^ek_test_/);
  state.otherKey = String(other.id);

  const added = await json(['embed-keys', 'allow', state.embedKey, '--tenant', 'acme', '--origin', 'https://b.example.com']);
  assert.deepEqual(added.allowedOrigins, [ORIGIN, 'https://shop.example.com', 'https://b.example.com']);
  const removed = await json(['embed-keys', 'allow', state.embedKey, '--tenant', 'acme', '--remove', 'https://SHOP.example.com']);
  assert.deepEqual(removed.allowedOrigins, [ORIGIN, 'https://b.example.com']);

  const revoked = await cli(['embed-keys', 'revoke', state.otherKey, '--tenant', 'acme']);
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.match(revoked.stdout, new RegExp(`revoked embed key ${state.otherKey}`));
  const list = await json<{ embedKeys: Array<{ id: string; status: string }> }>(['embed-keys', 'list', '--tenant', 'acme']);
  assert.deepEqual(list.embedKeys.map((k) => [k.id, k.status]), [[state.embedKey, 'ACTIVE'], [state.otherKey, 'REVOKED']]);
  const table = await cli(['embed-keys', 'list', '--tenant', 'acme']);
  assert.match(table.stdout, /^id +mode +status +allowedOrigins +createdAt$/m);

  await Promise.all([
    fails(['embed-keys', 'create', '--tenant', 'acme', '--origin', 'https://x.example.com/path'], 1, /^error: invalid_request: allowedOrigins/m),
    fails(['embed-keys', 'create', '--tenant', 'acme', '--origin', 'http://evil.example.com'], 1, /^error: invalid_request: allowedOrigins/m),
    fails(['embed-keys', 'create', '--tenant', 'nobody', '--origin', ORIGIN], 1, /^error: not_found: /m),
    fails(['embed-keys', 'allow', 'ek_live_missing', '--tenant', 'acme', '--origin', ORIGIN], 1, /^error: not_found: /m),
    fails(['embed-keys', 'list'], 2, /^error: --tenant is required/m),
  ]);
});

test('signing-keys mint: the secret is printed once to stdout with a warning on stderr, never listed, sealed at rest', async () => {
  const run = await cli(['signing-keys', 'mint', '--tenant', 'acme', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const minted = JSON.parse(run.stdout) as Record<string, string>;
  assert.equal(minted.alg, 'HS256');
  assert.equal(minted.status, 'NEXT');
  assert.ok(minted.secret.length >= 43);
  assert.match(run.stderr, /warning: store the secret below now/);
  assert.ok(!run.stderr.includes(minted.secret));
  state.hsKid = minted.kid;
  state.hsSecret = minted.secret;

  const list = await cli(['signing-keys', 'list', '--tenant', 'acme', '--json']);
  const human = await cli(['signing-keys', 'list', '--tenant', 'acme']);
  for (const output of [list.stdout, list.stderr, human.stdout, human.stderr]) assert.ok(!output.includes(minted.secret));
  assert.match(human.stdout, new RegExp(`${state.hsKid} +HS256 +NEXT`));
  for (const file of [DB, `${DB}-wal`]) {
    if (existsSync(file)) assert.ok(!readFileSync(file).includes(minted.secret), `${file} holds the plain secret`);
  }

  const rs = await cli(['signing-keys', 'mint', '--tenant', 'acme', '--alg', 'RS256']);
  assert.equal(rs.code, 0, rs.stderr);
  assert.match(rs.stdout, /privateKeyPem:\n-----BEGIN PRIVATE KEY-----/);
  assert.match(rs.stderr, /warning: store the privateKeyPem below now/);
  state.rsMintedKid = /^kid: +(sk_\S+)$/m.exec(rs.stdout)?.[1] ?? '';
  assert.ok(state.rsMintedKid);

  await Promise.all([
    fails(['signing-keys', 'mint', '--tenant', 'acme', '--alg', 'HS512'], 1, /^error: invalid_request: alg must be one of/m),
    fails(['signing-keys', 'mint', '--tenant', 'nobody'], 1, /^error: not_found: /m),
  ]);
});

test('signing-keys register / promote: a tenant RSA public key is registered; short RSA keys and HS256 are refused', async () => {
  const registered = await json(['signing-keys', 'register', '--tenant', 'acme', '--alg', 'RS256', '--public-key', rsaPublicFile]);
  assert.equal(registered.status, 'NEXT');
  assert.ok(!('privateKeyPem' in registered));
  state.rsRegisteredKid = String(registered.kid);

  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const weakFile = join(DIR, 'weak.pem');
  writeFileSync(weakFile, weak.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  await Promise.all([
    fails(['signing-keys', 'register', '--tenant', 'acme', '--alg', 'RS256', '--public-key', weakFile], 1, /^error: invalid_request: RSA keys must be at least 2048 bits/m),
    fails(['signing-keys', 'register', '--tenant', 'acme', '--alg', 'HS256', '--public-key', rsaPublicFile], 1, /^error: invalid_request: /m),
    fails(['signing-keys', 'register', '--tenant', 'acme', '--alg', 'RS256', '--public-key', join(DIR, 'missing.pem')], 2, /cannot read --public-key/),
  ]);

  const promoted = await cli(['signing-keys', 'promote', state.hsKid, '--tenant', 'acme']);
  assert.equal(promoted.code, 0, promoted.stderr);
  assert.match(promoted.stdout, /promoted signing key .* to ACTIVE/);
  await fails(['signing-keys', 'promote', state.hsKid, '--tenant', 'acme'], 1, /^error: conflict: only a NEXT key can be promoted/m);
});

test('offerings put / publish / archive / list', async () => {
  const starter = await json(['offerings', 'put', 'starter', '--tenant', 'acme', '--name', 'Starter', '--status', 'published', '--position', '3',
    '--plan', 'starter-m:Starter monthly:900:usd:month:1 seat|Email support']);
  assert.equal(starter.status, 'PUBLISHED');
  assert.deepEqual(starter.ratePlans, [{ id: 'starter-m', name: 'Starter monthly', currency: 'USD', amountCents: 900, interval: 'month', features: ['1 seat', 'Email support'] }]);
  assert.equal(starter.position, 3);
  const pro = await json(['offerings', 'put', 'pro', '--tenant', 'acme', '--name', 'Pro', '--description', 'For teams', '--position', '1',
    '--plan', JSON.stringify({ id: 'pro-y', name: 'Pro yearly', currency: 'EUR', amountCents: 29000, interval: 'year', features: [] })]);
  assert.equal(pro.status, 'DRAFT');
  const file = join(DIR, 'enterprise.json');
  writeFileSync(file, JSON.stringify({ name: 'Enterprise', status: 'DRAFT', ratePlans: [] }));
  assert.equal((await json(['offerings', 'put', 'enterprise', '--tenant', 'acme', '--file', file])).name, 'Enterprise');

  assert.equal(pro.position, 1);
  const republished = await json(['offerings', 'publish', 'pro', '--tenant', 'acme']);
  assert.equal(republished.status, 'PUBLISHED');
  assert.equal(republished.position, 1, 'publishing keeps the position');
  const archived = await cli(['offerings', 'archive', 'starter', '--tenant', 'acme']);
  assert.match(archived.stdout, /offering starter is ARCHIVED/);
  const list = await json<{ offerings: Array<{ id: string; status: string; ratePlans: unknown[] }> }>(['offerings', 'list', '--tenant', 'acme']);
  assert.deepEqual(list.offerings.map((o) => o.id), ['enterprise', 'pro', 'starter'], 'by position');
  assert.deepEqual(
    Object.fromEntries(list.offerings.map((o) => [o.id, o.status])),
    { enterprise: 'DRAFT', pro: 'PUBLISHED', starter: 'ARCHIVED' },
  );
  assert.equal(list.offerings.find((o) => o.id === 'starter')?.ratePlans.length, 1, 'archiving keeps the rate plans');
  const published = await json<{ offerings: Array<{ id: string }> }>(['offerings', 'list', '--tenant', 'acme', '--status', 'PUBLISHED']);
  assert.deepEqual(published.offerings.map((o) => o.id), ['pro']);

  await Promise.all([
    fails(['offerings', 'publish', 'missing', '--tenant', 'acme'], 1, /^error: not_found: no offering with that id/m),
    fails(['offerings', 'put', 'x', '--tenant', 'acme'], 2, /--name is required/),
    fails(['offerings', 'put', 'x', '--tenant', 'acme', '--name', 'X', '--status', 'LIVE'], 1, /^error: invalid_request: status must be one of/m),
    fails(['offerings', 'put', 'x', '--tenant', 'acme', '--name', 'X', '--plan', 'only:two'], 2, /--plan must be/),
    fails(['offerings', 'put', 'x', '--tenant', 'acme', '--name', 'X', '--position', '1.5'], 2, /--position must be a whole number/),
    fails(['offerings', 'put', 'x', '--tenant', 'acme', '--name', 'X', '--position', '9999999'], 1, /^error: invalid_request: /m),
  ]);
});

test('customers put / list and invoices put / list', async () => {
  const alice = await json(['customers', 'put', 'user-alice', '--tenant', 'acme', '--email', 'alice@example.com', '--name', 'Alice']);
  assert.match(String(alice.id), /^cus_/);
  await json(['customers', 'put', 'user-bob', '--tenant', 'acme', '--email', 'bob@example.com']);
  const all = await json<{ customers: Array<{ externalId: string }> }>(['customers', 'list', '--tenant', 'acme']);
  assert.deepEqual(all.customers.map((c) => c.externalId).sort(), ['user-alice', 'user-bob']);
  const byEmail = await json<{ customers: Array<{ externalId: string }> }>(['customers', 'list', '--tenant', 'acme', '--email', 'ALICE@example.com']);
  assert.deepEqual(byEmail.customers.map((c) => c.externalId), ['user-alice']);

  const paid = await json(['invoices', 'put', 'inv_1', '--tenant', 'acme', '--customer', 'user-alice', '--number', 'INV-1001', '--status', 'paid',
    '--amount-due', '1900', '--amount-paid', '1900', '--currency', 'usd', '--issued-at', '2030-01-01T00:00:00Z']);
  assert.deepEqual([paid.status, paid.currency, paid.externalId], ['PAID', 'USD', 'user-alice']);
  await json(['invoices', 'put', 'inv_2', '--tenant', 'acme', '--customer', 'user-alice', '--number', 'INV-1002', '--status', 'OPEN',
    '--amount-due', '2900', '--currency', 'USD', '--issued-at', '2030-02-01T00:00:00Z', '--due-at', '2030-03-01T00:00:00Z']);
  const invoices = await json<{ invoices: Array<{ number: string }> }>(['invoices', 'list', '--tenant', 'acme', '--customer', 'user-alice']);
  assert.deepEqual(invoices.invoices.map((i) => i.number).sort(), ['INV-1001', 'INV-1002']);
  const open = await json<{ invoices: Array<{ number: string }> }>(['invoices', 'list', '--tenant', 'acme', '--customer', 'user-alice', '--status', 'open']);
  assert.deepEqual(open.invoices.map((i) => i.number), ['INV-1002']);

  await Promise.all([
    fails(['customers', 'put', 'user-carol', '--tenant', 'acme', '--email', 'alice@example.com'], 1, /^error: conflict: /m),
    fails(['customers', 'put', 'user-carol', '--tenant', 'acme', '--email', 'not-an-email'], 1, /^error: invalid_request: email is malformed/m),
    fails(['invoices', 'put', 'inv_3', '--tenant', 'acme', '--customer', 'user-alice', '--number', 'X', '--status', 'LOST', '--amount-due', '1', '--currency', 'USD'], 1, /^error: invalid_request: status/m),
    fails(['invoices', 'put', 'inv_3', '--tenant', 'acme', '--customer', 'user-alice', '--amount-due', '1.5'], 2, /--amount-due must be a whole number/),
    fails(['invoices', 'list', '--tenant', 'acme', '--customer', 'nobody'], 1, /^error: not_found: /m),
  ]);
});

test('subscriptions put / list / usage', async () => {
  const sub = await json(['subscriptions', 'put', 'sub_1', '--tenant', 'acme', '--customer', 'user-alice', '--offering', 'starter', '--plan', 'starter-m',
    '--period-start', '2030-01-01T00:00:00Z', '--period-end', '2030-02-01T00:00:00Z']);
  assert.deepEqual([sub.status, sub.amountCents, sub.currency, sub.interval, sub.cancelAtPeriodEnd], ['ACTIVE', 900, 'USD', 'month', false]);
  const listed = await json<{ subscriptions: Array<{ id: string }> }>(['subscriptions', 'list', '--tenant', 'acme', '--customer', 'user-alice']);
  assert.deepEqual(listed.subscriptions.map((s) => s.id), ['sub_1']);
  const usage = await json(['subscriptions', 'usage', 'sub_1', '--tenant', 'acme', '--customer', 'user-alice', '--feature', 'seats', '--used', '3', '--included', '5']);
  assert.deepEqual([usage.feature, usage.used, usage.included, usage.overageCents, usage.periodEnd], ['seats', 3, 5, 0, '2030-02-01T00:00:00.000Z']);
  await Promise.all([
    fails(['subscriptions', 'put', 'sub_1', '--tenant', 'acme', '--customer', 'user-bob', '--offering', 'starter', '--plan', 'starter-m', '--period-end', '2030-02-01T00:00:00Z'], 1, /^error: conflict: /m),
    fails(['subscriptions', 'put', 'sub_2', '--tenant', 'acme', '--customer', 'user-bob', '--offering', 'starter', '--plan', 'nope', '--period-end', '2030-02-01T00:00:00Z'], 1, /^error: invalid_request: /m),
    fails(['subscriptions', 'usage', 'sub_1', '--tenant', 'acme', '--customer', 'user-bob', '--feature', 'seats', '--used', '1'], 1, /^error: not_found: /m),
    fails(['subscriptions', 'usage', 'sub_1', '--tenant', 'acme', '--customer', 'user-alice', '--feature', 'seats', '--used', '1.5'], 2, /--used must be a whole number/),
  ]);
});

test('mint-token: HS256 and RS256 tokens exchange against serve on the same database; a replay is refused', async (t) => {
  const serve = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1'], { ...ENV, AFORO_ADMIN_TOKEN: ADMIN_TOKEN });
  let stdout = '';
  serve.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    serve.child.stdout?.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) resolve(match[1]);
    });
    void serve.done.then((run) => reject(new Error(`serve exited: ${run.stderr}`)));
  });
  t.after(async () => {
    serve.child.kill('SIGTERM');
    assert.equal((await serve.done).code, 0);
  });
  const headers = { origin: ORIGIN, 'content-type': 'application/json', 'x-aforo-tenant': 'acme', 'x-aforo-embed-key': state.embedKey };
  const exchange = (bridgeToken: string) =>
    fetch(`${url}/aforo/v1/embed/auth/bridge`, { method: 'POST', headers, body: JSON.stringify({ bridgeToken }) });

  const config = (await (await fetch(`${url}/aforo/v1/embed/config`, { headers })).json()) as { offerings: Array<{ id: string }> };
  assert.deepEqual(config.offerings.map((o) => o.id), ['pro'], 'only published offerings leave the engine');

  const minted = await cli(['mint-token', '--kid', state.hsKid, '--customer', 'user-alice', '--email', 'alice@example.com'], { AFORO_SECRET: state.hsSecret });
  assert.equal(minted.code, 0, minted.stderr);
  const token = minted.stdout.trim();
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const session = await exchange(token);
  assert.equal(session.status, 200);
  const { sessionJwt } = (await session.json()) as { sessionJwt: string };
  const invoices = await fetch(`${url}/aforo/v1/embed/invoices`, { headers: { ...headers, authorization: `Bearer ${sessionJwt}` } });
  const listed = (await invoices.json()) as { invoices: Array<{ number: string }> };
  assert.deepEqual(listed.invoices.map((i) => i.number).sort(), ['INV-1001', 'INV-1002']);
  const replay = await exchange(token);
  assert.equal(replay.status, 401);
  assert.equal(((await replay.json()) as { error: { code: string } }).error.code, 'bridge_token_replayed');

  const promoted = await cli(['signing-keys', 'promote', state.rsRegisteredKid, '--tenant', 'acme']);
  assert.equal(promoted.code, 0, promoted.stderr);
  const rsToken = await json<{ bridgeToken: string; alg: string }>(['mint-token', '--kid', state.rsRegisteredKid, '--private-key', rsaPrivateFile, '--customer', 'user-bob']);
  assert.equal(rsToken.alg, 'RS256');
  assert.equal((await exchange(rsToken.bridgeToken)).status, 200);

  await Promise.all([
    fails(['mint-token', '--kid', state.hsKid, '--customer', 'user-alice'], 2, /give either --secret/),
    fails(['mint-token', '--kid', state.hsKid, '--customer', 'user-alice', '--private-key', rsaPublicFile], 1, /^error: invalid_request: /m),
    fails(['mint-token', '--kid', state.hsKid, '--customer', 'user-alice', '--secret', 'x', '--ttl', '9000'], 2, /--ttl must be an integer between 1 and 600/),
  ]);
});

test('signing-keys revoke: the last key that verifies needs --force; --end-sessions ends its sessions', async () => {
  assert.equal((await cli(['signing-keys', 'revoke', state.rsMintedKid, '--tenant', 'acme'])).code, 0);
  assert.equal((await cli(['signing-keys', 'revoke', state.hsKid, '--tenant', 'acme'])).code, 0);
  await fails(['signing-keys', 'revoke', state.rsRegisteredKid, '--tenant', 'acme'], 1, /^error: conflict: this is the last key that verifies; pass --force to revoke it anyway$/m);
  const forced = await json(['signing-keys', 'revoke', state.rsRegisteredKid, '--tenant', 'acme', '--force', '--end-sessions']);
  assert.equal(forced.status, 'REVOKED');
  assert.equal(forced.sessionsEnded, 1);
  const list = await json<{ signingKeys: Array<{ status: string }> }>(['signing-keys', 'list', '--tenant', 'acme']);
  assert.deepEqual(list.signingKeys.map((k) => k.status), ['REVOKED', 'REVOKED', 'REVOKED']);
});

test('audit: lists events newest first, filters by type, pages with a cursor, never prints a secret', async () => {
  const page = await json<{ events: Array<Record<string, unknown>>; nextCursor: string | null }>(['audit', '--tenant', 'acme', '--limit', '500']);
  const types = page.events.map((e) => e.type);
  for (const type of ['embed_key.created', 'signing_key.minted', 'signing_key.registered', 'signing_key.promoted', 'session.created', 'signing_key.revoked']) {
    assert.ok(types.includes(type), type);
  }
  assert.equal(page.events.find((e) => e.type === 'embed_key.created')?.userAgent, 'aforo-bridge-cli');
  const text = JSON.stringify(page);
  assert.ok(!text.includes(state.hsSecret) && !text.includes('alice@example.com'));
  const revoked = await json<{ events: Array<{ type: string }> }>(['audit', '--tenant', 'acme', '--type', 'signing_key.revoked']);
  assert.deepEqual(revoked.events.map((e) => e.type), ['signing_key.revoked', 'signing_key.revoked', 'signing_key.revoked']);
  const first = await json<{ events: unknown[]; nextCursor: string }>(['audit', '--tenant', 'acme', '--limit', '1']);
  assert.equal(first.events.length, 1);
  const second = await json<{ events: Array<{ id: string }> }>(['audit', '--tenant', 'acme', '--limit', '1', '--cursor', first.nextCursor]);
  assert.notDeepEqual(second.events, first.events);
  const human = await cli(['audit', '--tenant', 'acme', '--limit', '2']);
  assert.match(human.stdout, /^at +type +ip +details$/m);
  assert.match(human.stdout, /^more: --cursor \S+$/m);
  await fails(['audit', '--tenant', 'acme', '--since', 'yesterday'], 1, /^error: invalid_request: since/m);
});

test('prune: prints what it deleted', async () => {
  const counts = await json(['prune']);
  assert.deepEqual(Object.keys(counts).sort(), ['audit', 'jtis', 'magicLinks', 'rateLimits', 'resumeNonces', 'sessions']);
  const human = await cli(['prune', '--audit-days', '30']);
  assert.match(human.stdout, /^pruned \d+ magic links, \d+ jtis, \d+ rate-limit windows, \d+ sessions, \d+ audit events$/m);
  await fails(['prune', '--audit-days', '0'], 2, /--audit-days must be an integer/);
});

test('storage errors: an unknown scheme is a usage error, a memory run says nothing is kept', async () => {
  await fails(['tenants', 'show', 'acme', '--storage', 'redis://x'], 2, /--storage must be memory, sqlite:FILE or postgres/);
  const memory = await cli(['tenants', 'create', 'temp', '--name', 'Temp', '--storage', 'memory']);
  assert.equal(memory.code, 0, memory.stderr);
  assert.match(memory.stderr, /memory storage keeps nothing/);
  await fails(['tenants', 'show', 'acme', '--master-key', 'c2hvcnQ='], 2, /--master-key must be base64 of exactly 32 bytes/);
});

test('storage: postgres://…?schema=NAME keeps every table in that schema, created when missing; a bad name is a usage error', async (t) => {
  const unavailable = await postgresUnavailable();
  if (unavailable) return skipOrFail(t, unavailable);
  const schema = `aforo_cli_${randomBytes(5).toString('hex')}`;
  const storage = `${POSTGRES_URL}?schema=${schema}`;
  try {
    const made = await cli(['tenants', 'create', 'schema-co', '--name', 'Schema Co', '--storage', storage]);
    assert.equal(made.code, 0, made.stderr);
    const listed = await json<{ tenants: Array<{ slug: string }> }>(['tenants', 'list', '--storage', storage]);
    assert.deepEqual(listed.tenants.map((tenant) => tenant.slug), ['schema-co']);
    const tables = await withPostgres((db) => db.raw(`select table_schema from information_schema.tables where table_name = 'tenants' and table_schema = ?`, [schema]));
    assert.equal((tables as { rows: unknown[] }).rows.length, 1, 'the tenants table is in the named schema');
    const elsewhere = await json<{ tenants: Array<{ slug: string }> }>(['tenants', 'list', '--storage', `${POSTGRES_URL}?schema=${schema}_other`]);
    assert.equal(elsewhere.tenants.length, 0);
    await withPostgres((db) => db.raw(`drop schema if exists "${schema}_other" cascade`));
  } finally {
    await withPostgres((db) => db.raw(`drop schema if exists "${schema}" cascade`));
  }
  for (const bad of ['a-b', '1abc', '', 'x%ZZ']) {
    await fails(['tenants', 'list', '--storage', `${POSTGRES_URL}?schema=${bad}`], 2, /schema= takes one plain identifier/);
  }
  assert.deepEqual(postgresTarget('postgres://u@h/db?sslmode=disable&schema=s1&options=-c%20x'), { url: 'postgres://u@h/db?sslmode=disable&options=-c%20x', schema: 's1' });
  assert.deepEqual(postgresTarget('postgres://u@h/db'), { url: 'postgres://u@h/db' });
});

test('a database sealed with a master key, opened without one: exit 1 and the error says which option gives it', async () => {
  const run = await spawnCli(['tenants', 'list'], { AFORO_STORAGE: `sqlite:${DB}` }).done;
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /no masterKey is configured; give the master key the server uses \(--master-key-file or AFORO_MASTER_KEY\)/);
  assert.equal(run.stderr.includes(MASTER_KEY), false);
  assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
});

test('a database a key-less command created is sealed by the first command with the master key; key-less commands are refused after', async () => {
  const late = { AFORO_STORAGE: `sqlite:${join(DIR, 'late.db')}` };
  const keyless = (args: string[]) => spawnCli(args, late).done;
  assert.equal((await keyless(['tenants', 'create', 'late', '--name', 'Late'])).code, 0);
  const minted = await keyless(['signing-keys', 'mint', '--tenant', 'late', '--alg', 'HS256', '--json']);
  assert.equal(minted.code, 0, minted.stderr);
  // The first keyed start (a server, or as here a command) seals what is stored; its secret is not printed.
  const keyed = await spawnCli(['tenants', 'list'], { ...late, AFORO_MASTER_KEY: MASTER_KEY }).done;
  assert.equal(keyed.code, 0, keyed.stderr);
  const refused = await keyless(['signing-keys', 'mint', '--tenant', 'late', '--alg', 'HS256']);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /no masterKey is configured; give the master key the server uses/);
  assert.equal(refused.stdout, '', 'no secret was minted');
});
