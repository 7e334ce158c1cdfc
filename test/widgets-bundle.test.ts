import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { memoryMailer } from '../adapters/mail.js';
import { createBridge } from '../lib/bridge.js';
import { loadWidgetAssets, readPrebuiltBundle, widgetAssetsFrom } from '../lib/widget-assets.js';
import { memoryStorage } from '../storage/memory.js';

// The budget of the whole widget family (issue 16: every widget, one bundle, at most 20 KB gzip).
const BUDGET = 20 * 1024;

test('bundle: a page loads at most 20 KB gzip of widgets: the loader (every widget, English) and its own language file', async () => {
  const assets = await loadWidgetAssets();
  const loader = assets.get('/v1/embed/loader.js');
  assert.ok(loader);
  const gzipped = gzipSync(loader.body, { level: 9 }).length;
  const languages = Object.entries(assets.sri).filter(([name]) => /^locale-\w+\.json$/.test(name));
  assert.deepEqual(languages.map(([name]) => name).sort(), ['locale-de.json', 'locale-es.json', 'locale-fr.json']);
  const largest = Math.max(...languages.map(([, { path }]) => gzipSync(assets.get(path)!.body, { level: 9 }).length));
  assert.ok(gzipped + largest <= BUDGET, `loader ${gzipped} + largest language ${largest} bytes gzip, budget ${BUDGET}`);
  // The loader is the whole code: the hashed bundle is the same bytes, and nothing else that runs is fetched.
  const scripts = assets.paths.filter((path) => path.endsWith('.js'));
  const distinct = new Set(scripts.map((path) => assets.get(path)?.body.toString('base64')));
  assert.equal(distinct.size, 1);
  const code = loader.body.toString();
  for (const [name, { path, integrity }] of languages) {
    const file = assets.get(path)!;
    assert.equal(file.contentType, 'application/json; charset=utf-8');
    assert.match(file.cacheControl, /immutable/);
    // The loader carries each file's name and SRI hash, so a page that pins the loader's integrity pins its copy.
    assert.ok(code.includes(path.slice(path.lastIndexOf('/') + 1)) && code.includes(integrity), `${name} is pinned in the loader`);
    const copy = JSON.parse(file.body.toString()) as Record<string, string>;
    assert.ok(Object.keys(copy).length > 100 && typeof copy.broken === 'string', `${name} holds the copy`);
  }
  // English lives in the loader and no other language does.
  assert.ok(code.includes('This widget could not start.'));
  assert.equal(code.includes('Este widget no pudo iniciarse.'), false);
});

test('bundle: no HTML-string sinks, eval, persistent storage or cookies in the built code', async () => {
  const code = (await loadWidgetAssets()).get('/v1/embed/loader.js')?.body.toString() ?? '';
  for (const banned of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'Function(', 'localStorage', 'cookie']) {
    assert.equal(code.includes(banned), false, `bundle contains ${banned}`);
  }
  assert.match(code, /credentials:"omit"/);
  // IndexedDB holds only the resume key (SPEC section 9), generated non-extractable.
  assert.match(code, /generateKey\(\{name:"ECDSA",namedCurve:"P-256"\},(!1|false),\["sign","verify"\]\)/);
});

test('bundle: widgets/ imports no server code and no package (only `import type` from lib/)', async () => {
  const files = (await readdir('widgets')).filter((name) => name.endsWith('.ts'));
  assert.ok(files.length > 5);
  const statement = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
  for (const file of files) {
    const source = await readFile(join('widgets', file), 'utf8');
    assert.equal(/\bimport\s*\(/.test(source), false, `${file} uses a dynamic import`);
    assert.equal(/\brequire\s*\(/.test(source), false, `${file} uses require`);
    for (const [, isType, specifier] of source.matchAll(statement)) {
      if (specifier.startsWith('./')) continue;
      assert.ok(specifier.startsWith('../lib/') && isType, `${file} imports ${specifier}`);
    }
  }
});

test('assets: loader.js has a short cache, the hashed bundle is immutable, sri.json lists both', async () => {
  const assets = await loadWidgetAssets();
  assert.equal(await loadWidgetAssets(), assets, 'loaded once per process');
  const loader = assets.get('/v1/embed/loader.js');
  assert.ok(loader);
  assert.equal(loader.contentType, 'application/javascript; charset=utf-8');
  assert.equal(loader.cacheControl, 'public, max-age=300');

  const sriFile = assets.get('/v1/embed/sri.json');
  assert.ok(sriFile);
  assert.equal(sriFile.contentType, 'application/json; charset=utf-8');
  const sri = JSON.parse(sriFile.body.toString()) as Record<string, { path: string; integrity: string }>;
  assert.deepEqual(sri, assets.sri);
  const hashed = sri['aforo-widgets.js'].path;
  assert.match(hashed, /^\/v1\/embed\/widgets\/aforo-widgets\.[0-9a-f]{16}\.js$/);
  const bundle = assets.get(hashed);
  assert.ok(bundle);
  assert.equal(bundle.cacheControl, 'public, max-age=31536000, immutable');
  assert.ok(hashed.includes(createHash('sha256').update(bundle.body).digest('hex').slice(0, 16)));
  for (const { path, integrity } of Object.values(sri)) {
    const body = assets.get(path)?.body;
    assert.ok(body, path);
    assert.equal(integrity, 'sha384-' + createHash('sha384').update(body).digest('base64'));
  }
});

test('assets: unknown paths are null', async () => {
  const assets = await loadWidgetAssets();
  for (const path of ['/v1/embed/widgets/', '/v1/embed/widgets/aforo-widgets.0000000000000000.js', '/v1/embed/loader.js/', '/v1/embed/../package.json', '/v1/embed/config',
    '/v1/embed/widgets/locale-es.json', '/v1/embed/widgets/locale-es.0000000000000000.json', '/v1/embed/widgets/locale-en.json', '/v1/embed/widgets/undefined',
    '/v1/embed/widgets/__proto__', '/v1/embed/widgets/constructor', '/v1/embed/widgets/../sri.json']) {
    assert.equal(assets.get(path), null, path);
  }
});

test('assets over HTTP: a hostile or stale file name under /v1/embed/widgets/ is the 404 (or 400) envelope, readable cross-origin, never a 500', async () => {
  const bridge = createBridge({ storage: memoryStorage(), mailer: memoryMailer(), issuer: 'https://portal.example.com/aforo' });
  try {
    const names = ['locale-es.0000000000000000.json', 'undefined', '__proto__', 'constructor', '..%2Fsri.json', '%2e%2e%2fpackage.json', 'locale-es.json%00', 'x'.repeat(9000), '%', '%ED%A0%80'];
    for (const name of names) {
      const answer = await bridge.handle({ method: 'GET', path: `/v1/embed/widgets/${name}`, query: {}, headers: { origin: 'https://shop.example.com' }, ip: '127.0.0.1' });
      assert.ok(answer && (answer.status === 404 || answer.status === 400), `${name.slice(0, 30)}: ${answer?.status}`);
      assert.equal(JSON.parse(String(answer.body)).error.code, answer.status === 404 ? 'not_found' : 'invalid_request');
      if (answer.status === 404) assert.equal(answer.headers['access-control-allow-origin'], '*', name.slice(0, 30));
    }
  } finally {
    await bridge.close();
  }
});

test('assets: a different bundle gets a different hashed name', () => {
  const a = widgetAssetsFrom(Buffer.from('console.log(1)'));
  const b = widgetAssetsFrom(Buffer.from('console.log(2)'));
  assert.notEqual(a.sri['aforo-widgets.js'].path, b.sri['aforo-widgets.js'].path);
  assert.equal(a.paths[0], '/v1/embed/loader.js');
});

test('build script: writes the same bundle the engine builds in memory', async () => {
  const out = await mkdtemp(join(tmpdir(), 'aforo-widgets-'));
  try {
    await promisify(execFile)(process.execPath, ['scripts/build-widgets.mjs', '--out', out]);
    const written = await readFile(join(out, 'loader.js'));
    assert.deepEqual(written, (await loadWidgetAssets()).get('/v1/embed/loader.js')?.body);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('assets: a prebuilt bundle is used unless a widget source is newer than it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aforo-prebuilt-'));
  try {
    const file = join(dir, 'dist', 'loader.js');
    const sources = join(dir, 'widgets');
    await mkdir(join(dir, 'dist'));
    assert.equal(await readPrebuiltBundle(file, sources), null, 'missing');
    await writeFile(file, 'prebuilt');
    assert.equal((await readPrebuiltBundle(file, sources))?.toString(), 'prebuilt', 'no sources (installed package)');
    await mkdir(sources);
    await writeFile(join(sources, 'loader.ts'), '');
    const past = new Date('2020-01-01T00:00:00Z');
    await utimes(join(sources, 'loader.ts'), past, past);
    assert.equal((await readPrebuiltBundle(file, sources))?.toString(), 'prebuilt', 'sources older');
    const future = new Date(Date.now() + 60_000);
    await utimes(join(sources, 'loader.ts'), future, future);
    assert.equal(await readPrebuiltBundle(file, sources), null, 'a source changed after the build');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
