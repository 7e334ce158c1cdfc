import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { spawnCaptured } from './helpers/child.js';

// An installation of the built package with its dependencies and none of its optional peers (express, fastify,
// @mikro-orm/postgresql, react): a project whose node_modules holds aforo-bridge's dist and links to each dependency only,
// so nothing of the checkout's dev dependencies can be found from it.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIR = mkdtempSync(join(tmpdir(), 'aforo-missing-peer-'));
const PKG = join(DIR, 'node_modules', 'aforo-bridge');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

after(() => rmSync(DIR, { recursive: true, force: true }));

before(() => {
  assert.ok(existsSync(join(ROOT, 'dist', 'adapters', 'express.js')), 'run `npm run build` first');
  mkdirSync(PKG, { recursive: true });
  cpSync(join(ROOT, 'dist'), join(PKG, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'bin'), join(PKG, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(PKG, 'package.json'));
  for (const name of Object.keys(manifest.dependencies)) {
    mkdirSync(dirname(join(DIR, 'node_modules', name)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), join(DIR, 'node_modules', name), 'dir');
  }
  writeFileSync(join(DIR, 'package.json'), JSON.stringify({ name: 'host', private: true, type: 'module' }));
});

/** Imports `entry` from the host project; resolves with what it printed: `ok`, or the error's message. */
async function importFromHost(entry: string): Promise<{ code: number | null; out: string }> {
  const script = `import(${JSON.stringify(entry)}).then(() => console.log('ok'), (e) => { console.log(e.message); process.exit(3); });`;
  const child = spawnCaptured(['--input-type=module', '-e', script], DIR);
  const code = await child.exited;
  return { code, out: child.stdout().trim() };
}

describe('optional peers', () => {
  test('missing peer: aforo-bridge/express without express fails at import with one line naming the install', async () => {
    assert.deepEqual(await importFromHost('aforo-bridge/express'),
      { code: 3, out: 'aforo-bridge/express needs express, an optional peer dependency: npm install express' });
  });

  test('missing peer: aforo-bridge/fastify without fastify fails at import with one line naming the install', async () => {
    assert.deepEqual(await importFromHost('aforo-bridge/fastify'),
      { code: 3, out: 'aforo-bridge/fastify needs fastify, an optional peer dependency: npm install fastify' });
  });

  test('missing peer: the engine, Koa, SQLite storage, mail and mint load without any optional peer', async () => {
    for (const entry of ['aforo-bridge', 'aforo-bridge/koa', 'aforo-bridge/storage/sqlite', 'aforo-bridge/storage/memory', 'aforo-bridge/mail', 'aforo-bridge/mint']) {
      assert.deepEqual(await importFromHost(entry), { code: 0, out: 'ok' }, entry);
    }
  });

  test('missing peer: the widget SDK loads without React, and aforo-bridge/react without it names react', async () => {
    assert.deepEqual(await importFromHost('aforo-bridge/widgets'), { code: 0, out: 'ok' });
    const { code, out } = await importFromHost('aforo-bridge/react');
    assert.equal(code, 3);
    assert.match(out, /'react'/);
  });

  test('missing peer: aforo-bridge/storage/postgres without @mikro-orm/postgresql names the package', async () => {
    const { code, out } = await importFromHost('aforo-bridge/storage/postgres');
    assert.equal(code, 3);
    assert.match(out, /'@mikro-orm\/postgresql'/);
  });

  test('missing peer: the CLI on postgres:// without @mikro-orm/postgresql says what to install, in text and --json', async () => {
    const bin = join(PKG, 'bin', 'aforo-bridge.mjs');
    const args = [bin, 'tenants', 'list', '--storage', 'postgres://postgres@127.0.0.1:5432/test'];
    const text = spawnCaptured(args, DIR);
    assert.equal(await text.exited, 1);
    assert.equal(text.stderr().trim(), 'error: storage_unavailable: Postgres storage needs @mikro-orm/postgresql: npm install @mikro-orm/postgresql');
    const json = spawnCaptured([...args, '--json'], DIR);
    assert.equal(await json.exited, 1);
    assert.deepEqual(JSON.parse(json.stdout()), {
      error: { code: 'storage_unavailable', message: 'Postgres storage needs @mikro-orm/postgresql: npm install @mikro-orm/postgresql' },
    });
  });
});
