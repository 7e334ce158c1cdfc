// Builds the browser widget bundle (widgets/loader.ts, everything in one IIFE script) with esbuild, and the copy of
// each language but English as a content-hashed JSON file (widgets/locales.ts) that a page fetches only when it
// needs it. `node scripts/build-widgets.mjs [--out DIR]` writes dist/widgets-bundle/loader.js and
// locale-<lang>.<hash>.json (or into DIR), which lib/widget-assets.ts serves; without them the engine builds the same
// files in memory through buildWidgetAssets().
import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Bundles one browser entry point (a path under the repository) into a minified IIFE script and returns it as a
 * string: the widget bundle and Embed Studio's are built alike. esbuild is a dev dependency, loaded only when building.
 * `define` replaces identifiers with the given source text.
 */
export async function bundleBrowserScript(entry, define = {}) {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(root, ...entry)],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    platform: 'browser',
    legalComments: 'none',
    charset: 'utf8',
    write: false,
    logLevel: 'silent',
    define,
  });
  return result.outputFiles[0].text;
}

/** Each language's copy (widgets/locales.ts, bundled and evaluated here) as `{ name, body }` JSON files. */
async function buildLocaleFiles() {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(root, 'widgets', 'locales.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
    logLevel: 'silent',
  });
  const { LOCALES } = await import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString('base64')}`);
  return Object.entries(LOCALES).map(([language, messages]) => {
    const body = JSON.stringify(messages);
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
    return { language, name: `locale-${language}.${hash}.json`, body };
  });
}

/**
 * Returns `{ loader, locales }`: the minified loader script, built knowing each language file's name and SRI hash
 * (so a page that pins the bundle pins its copy too), and the language files.
 */
export async function buildWidgetAssets() {
  const locales = await buildLocaleFiles();
  const files = Object.fromEntries(locales.map(({ language, name, body }) =>
    [language, { file: name, integrity: 'sha384-' + createHash('sha384').update(body).digest('base64') }]));
  const loader = await bundleBrowserScript(['widgets', 'loader.ts'], { __AFORO_LOCALE_FILES__: JSON.stringify(files) });
  return { loader, locales: locales.map(({ name, body }) => ({ name, body })) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--out');
  const out = at > 0 && process.argv[at + 1] ? process.argv[at + 1] : join(root, 'dist', 'widgets-bundle');
  await mkdir(out, { recursive: true });
  // Language files of an earlier build have other hashes in their names.
  for (const old of await readdir(out)) if (/^locale-.*\.json$/.test(old)) await rm(join(out, old));
  const { loader, locales } = await buildWidgetAssets();
  for (const { name, body } of locales) await writeFile(join(out, name), body);
  await writeFile(join(out, 'loader.js'), loader);
  console.log(`widgets: wrote ${join(out, 'loader.js')} (${Buffer.byteLength(loader)} bytes) and ${locales.length} language files`);
}
