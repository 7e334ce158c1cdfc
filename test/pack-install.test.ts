import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { cleanEnv, spawnCaptured, type Captured } from './helpers/child.js';
import { readmeBlocks } from './helpers/readme.js';

// What a newcomer does: pack this checkout, install the tarball into an empty project (its dependencies come from
// the registry), run the README's Koa snippet as written, set a tenant up with the installed CLI and exchange one
// bridge token minted with the installed aforo-bridge/mint.

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIR = mkdtempSync(join(tmpdir(), 'aforo-pack-'));
const APP = join(DIR, 'app');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
// Guards against a hung install (better-sqlite3 may compile from source), never a timing assertion.
const INSTALL_GUARD_MS = 20 * 60_000;
const ADMIN_TOKEN = 'pack-test-admin-token-5f2c9e';
const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
const ORIGIN = 'https://portal.example.com';

let installLog = '';
let skipReason: string | null = null;
let server: Captured | null = null;

after(() => {
  if (server && server.child.exitCode === null) server.child.kill('SIGTERM');
  rmSync(DIR, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

before(async () => {
  assert.ok(existsSync(join(ROOT, 'dist', 'lib', 'index.js')), 'run `npm run build` first');
  try {
    await run('npm', ['ping'], { env: cleanEnv() });
  } catch {
    if (process.env.CI) throw new Error('the npm registry is not reachable; under CI=true this test must run');
    skipReason = 'the npm registry is not reachable';
    return;
  }
  // The build is already there; packing again must not rebuild it (prepare).
  const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', DIR], { cwd: ROOT, env: cleanEnv() });
  const tarball = join(DIR, packed.stdout.trim().split('\n').pop() as string);
  mkdirSync(APP);
  writeFileSync(join(APP, 'package.json'), JSON.stringify({ name: 'my-portal', private: true, type: 'module' }));
  const installed = await run('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: APP, env: cleanEnv(), timeout: INSTALL_GUARD_MS, maxBuffer: 64 << 20 });
  installLog = installed.stdout + installed.stderr;
}, { timeout: INSTALL_GUARD_MS + 60_000 });

describe('packed tarball', () => {
  test('pack: installing the tarball brings the engine, SQLite and Koa, and no optional peer; no EBADENGINE', (t) => {
    if (skipReason) return t.skip(skipReason);
    assert.doesNotMatch(installLog, /EBADENGINE/);
    const modules = join(APP, 'node_modules');
    for (const present of ['aforo-bridge', 'koa', '@mikro-orm/better-sqlite', 'better-sqlite3', 'jose', 'nodemailer']) assert.ok(existsSync(join(modules, present)), present);
    for (const absent of ['express', 'fastify', '@mikro-orm/postgresql', '@koa/router', 'pg', 'react']) assert.ok(!existsSync(join(modules, absent)), absent);
    assert.ok(existsSync(join(modules, '.bin', 'aforo-bridge')));
    t.diagnostic(`top-level packages in node_modules: ${readdirSync(modules).filter((n) => !n.startsWith('.')).length}`);
  });

  test('pack: the README Koa snippet runs from the installed package, and one bridge token exchanges', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const mount = readmeBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8')).find((b) => b.section === 'Mount it' && b.info === 'ts');
    assert.ok(mount, 'the README has a Koa snippet under "Mount it"');
    assert.match(mount.code, /app\.listen\(3000\)/);
    const port = await freePort();
    // The snippet as written; only its port is the test's own, so it cannot collide with a demo on 3000.
    writeFileSync(join(APP, 'server.ts'), mount.code.replace('app.listen(3000)', `app.listen(${port})`));
    const env = { SMTP_URL: 'smtp://127.0.0.1:2525', AFORO_ADMIN_TOKEN: ADMIN_TOKEN, AFORO_MASTER_KEY: MASTER_KEY };
    server = spawnCaptured([TSX, 'server.ts'], APP, env);
    const base = `http://127.0.0.1:${port}/aforo`;
    for (let ready = false; !ready;) {
      if (server.child.exitCode !== null) assert.fail(`the snippet exited: ${server.stderr()}`);
      ready = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const cli = async (...args: string[]) => {
      const child = spawnCaptured([join(APP, 'node_modules', 'aforo-bridge', 'bin', 'aforo-bridge.mjs'), ...args, '--json'], APP, { AFORO_MASTER_KEY: MASTER_KEY });
      const code = await child.exited;
      assert.equal(code, 0, `${args.join(' ')}: ${child.stdout()}${child.stderr()}`);
      return JSON.parse(child.stdout()) as Record<string, string>;
    };
    await cli('tenants', 'create', 'acme', '--name', 'Acme Cloud');
    const embedKey = (await cli('embed-keys', 'create', '--tenant', 'acme', '--origin', ORIGIN)).id;
    const key = await cli('signing-keys', 'mint', '--tenant', 'acme', '--alg', 'HS256', '--promote');

    writeFileSync(join(APP, 'mint.mjs'), [
      "import { mintBridgeToken } from 'aforo-bridge/mint';",
      "const token = await mintBridgeToken({ kid: process.env.AFORO_KID, alg: 'HS256', key: process.env.AFORO_SECRET, externalCustomerId: 'cus-42', email: 'ada@example.com' });",
      'console.log(token);',
    ].join('\n'));
    const minted = spawnCaptured(['mint.mjs'], APP, { AFORO_KID: key.kid, AFORO_SECRET: key.secret });
    assert.equal(await minted.exited, 0, minted.stderr());

    const answer = await fetch(`${base}/v1/embed/auth/bridge`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'x-aforo-tenant': 'acme', 'x-aforo-embed-key': embedKey, 'content-type': 'application/json' },
      body: JSON.stringify({ bridgeToken: minted.stdout().trim() }),
    });
    const session = (await answer.json()) as { sessionJwt: string; customer: { externalId: string } };
    assert.equal(answer.status, 200, JSON.stringify(session));
    assert.match(session.sessionJwt, /^ey/);
    assert.equal(session.customer.externalId, 'cus-42');
    server.child.kill('SIGTERM');
    await server.exited;
  });

  test('pack: aforo-bridge/react resolves with its types, and with React installed renders nothing on the server', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const installed = join(APP, 'node_modules', 'aforo-bridge');
    for (const file of ['dist/react/index.js', 'dist/react/index.d.ts', 'dist/widgets/sdk.js']) assert.ok(existsSync(join(installed, file)), file);
    const resolved = spawnCaptured(['--input-type=module', '-e', "console.log(import.meta.resolve('aforo-bridge/react'))"], APP);
    assert.equal(await resolved.exited, 0, resolved.stderr());
    assert.equal(resolved.stdout().trim(), pathToFileURL(join(installed, 'dist', 'react', 'index.js')).href);

    // React is the host's to install (an optional peer); the versions are this checkout's dev dependencies.
    const dev = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies;
    await run('npm', ['install', '--no-audit', '--no-fund', `react@${dev.react}`, `react-dom@${dev['react-dom']}`], { cwd: APP, env: cleanEnv(), timeout: INSTALL_GUARD_MS });
    writeFileSync(join(APP, 'ssr.mjs'), [
      "import { createElement } from 'react';",
      "import { renderToString } from 'react-dom/server';",
      "import { AforoInvoiceList, AforoPricingCard } from 'aforo-bridge/react';",
      "const engine = { apiBase: 'https://portal.example.com/aforo', tenantSlug: 'acme', embedKey: 'ek_test_x' };",
      "console.log(JSON.stringify(renderToString(createElement('main', null, createElement(AforoPricingCard, engine), createElement(AforoInvoiceList, { ...engine, bridgeToken: 'bt' })))));",
    ].join('\n'));
    const ssr = spawnCaptured(['ssr.mjs'], APP);
    assert.equal(await ssr.exited, 0, ssr.stderr());
    assert.equal(ssr.stdout().trim(), JSON.stringify('<main></main>'));
  });
});
