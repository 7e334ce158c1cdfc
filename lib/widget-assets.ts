/**
 * The browser widget bundle as the engine serves it: `/v1/embed/loader.js` (short cache, fixed URL), the same
 * bytes under a content-hashed name in `/v1/embed/widgets/` (immutable), each language's copy but English as a
 * content-hashed JSON file beside it (fetched by pages in that language), and `/v1/embed/sri.json` with the
 * Subresource Integrity hash of each. Framework-free; the request handler calls `get(path)`.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface WidgetAsset {
  body: Buffer;
  contentType: string;
  cacheControl: string;
}

export interface WidgetAssets {
  /** The asset for a path below the mount prefix (e.g. `/v1/embed/loader.js`), or null when there is none. */
  get(path: string): WidgetAsset | null;
  /** Every servable path, loader first. */
  readonly paths: string[];
  /** Logical name → `{ path, integrity }`, exactly what `/v1/embed/sri.json` answers. */
  readonly sri: Record<string, { path: string; integrity: string }>;
}

const JS = 'application/javascript; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

/** A language file of the build: its content-hashed name (`locale-es.<hash>.json`) and its bytes. */
export interface LocaleAsset {
  name: string;
  body: Buffer | string;
}
/** The loader's URL never changes, so browsers must come back for a new release within minutes. */
const SHORT_CACHE = 'public, max-age=300';
/** A content-hashed file never changes under its name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

const here = dirname(fileURLToPath(import.meta.url));
// From source this file is <root>/lib/; compiled it is <root>/dist/lib/.
const root = here.endsWith(join('dist', 'lib')) ? join(here, '..', '..') : join(here, '..');
const prebuiltDir = join(root, 'dist', 'widgets-bundle');
const prebuiltLoader = join(prebuiltDir, 'loader.js');
const LOCALE_FILE = /^locale-(\w+)\.[0-9a-f]{16}\.json$/;
const widgetSources = join(root, 'widgets');

/** Builds the servable asset table from the loader script's bytes and the language files built with it. */
export function widgetAssetsFrom(loader: Buffer, locales: LocaleAsset[] = []): WidgetAssets {
  const integrity = (body: Buffer): string => 'sha384-' + createHash('sha384').update(body).digest('base64');
  const hash = createHash('sha256').update(loader).digest('hex').slice(0, 16);
  const loaderPath = '/v1/embed/loader.js';
  const bundlePath = `/v1/embed/widgets/aforo-widgets.${hash}.js`;
  const sri: Record<string, { path: string; integrity: string }> = {
    'loader.js': { path: loaderPath, integrity: integrity(loader) },
    'aforo-widgets.js': { path: bundlePath, integrity: integrity(loader) },
  };
  const table = new Map<string, WidgetAsset>([
    [loaderPath, { body: loader, contentType: JS, cacheControl: SHORT_CACHE }],
    [bundlePath, { body: loader, contentType: JS, cacheControl: IMMUTABLE }],
  ]);
  for (const locale of locales) {
    const language = LOCALE_FILE.exec(locale.name)?.[1];
    if (!language) throw new Error(`widget assets: "${locale.name}" is not a language file name`);
    const body = Buffer.from(locale.body);
    const path = `/v1/embed/widgets/${locale.name}`;
    sri[`locale-${language}.json`] = { path, integrity: integrity(body) };
    table.set(path, { body, contentType: JSON_TYPE, cacheControl: IMMUTABLE });
  }
  table.set('/v1/embed/sri.json', { body: Buffer.from(JSON.stringify(sri)), contentType: JSON_TYPE, cacheControl: SHORT_CACHE });
  return { get: (path) => table.get(path) ?? null, paths: [...table.keys()], sri };
}

async function mtime(path: string): Promise<number | null> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return null;
  }
}

/**
 * The prebuilt loader at `file`, or null when it is missing or older than a file in `sources` (a source
 * checkout whose widgets changed since the last `npm run build`; an installed package ships no sources).
 */
export async function readPrebuiltBundle(file: string, sources: string): Promise<Buffer | null> {
  const built = await mtime(file);
  if (built === null) return null;
  for (const name of await readdir(sources).catch(() => [] as string[])) {
    const changed = await mtime(join(sources, name));
    if (changed !== null && changed > built) return null;
  }
  return readFile(file);
}

/** The language files next to a prebuilt loader. */
async function readPrebuiltLocales(dir: string): Promise<LocaleAsset[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((name) => LOCALE_FILE.test(name));
  return Promise.all(names.map(async (name) => ({ name, body: await readFile(join(dir, name)) })));
}

async function buildInMemory(): Promise<WidgetAssets> {
  const script = pathToFileURL(join(root, 'scripts', 'build-widgets.mjs')).href;
  try {
    const { buildWidgetAssets } = (await import(script)) as { buildWidgetAssets(): Promise<{ loader: string; locales: LocaleAsset[] }> };
    const { loader, locales } = await buildWidgetAssets();
    return widgetAssetsFrom(Buffer.from(loader), locales);
  } catch (error) {
    throw new Error('the widget bundle is not built (dist/widgets-bundle/loader.js) and cannot be built here: run `npm run build`', { cause: error });
  }
}

let loading: Promise<WidgetAssets> | null = null;

/**
 * Loads the widget bundle once per process: the prebuilt `dist/widgets-bundle/` when present, else an
 * in-memory esbuild of `widgets/` (a source checkout after `npm ci`, no build step).
 */
export function loadWidgetAssets(): Promise<WidgetAssets> {
  if (loading) return loading;
  const current = (async () => {
    const prebuilt = await readPrebuiltBundle(prebuiltLoader, widgetSources);
    return prebuilt ? widgetAssetsFrom(prebuilt, await readPrebuiltLocales(prebuiltDir)) : buildInMemory();
  })();
  // A failed load is not remembered, so a later call may succeed once the bundle exists.
  current.catch(() => {
    if (loading === current) loading = null;
  });
  loading = current;
  return current;
}
