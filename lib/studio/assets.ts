/**
 * Embed Studio's page and its two files: the script and style sheet of the studio bundle (studio/, built by
 * scripts/build-studio.mjs), each under a content-hashed name with an SRI hash the page pins. Framework-free.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Asset } from '../http.js';
import { readPrebuiltBundle } from '../widget-assets.js';

export interface StudioAssets {
  /** The asset for a file name below `/studio/assets/`, or null. */
  get(file: string): Asset | null;
  /** The studio page, pinning both files by name and integrity. */
  readonly page: Buffer;
}

const here = dirname(fileURLToPath(import.meta.url));
// From source this file is <root>/lib/studio/; compiled it is <root>/dist/lib/studio/.
const root = here.endsWith(join('dist', 'lib', 'studio')) ? join(here, '..', '..', '..') : join(here, '..', '..');
const prebuilt = join(root, 'dist', 'studio-bundle');
const sources = join(root, 'studio');
const IMMUTABLE = 'public, max-age=31536000, immutable';

function html(script: { name: string; integrity: string }, style: { name: string; integrity: string }): Buffer {
  // Relative URLs: the page lives at {prefix}/studio, whatever the prefix is.
  return Buffer.from(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>Embed Studio</title>
<link rel="stylesheet" href="studio/assets/${style.name}" integrity="${style.integrity}">
<script src="studio/assets/${script.name}" integrity="${script.integrity}" defer></script>
</head>
<body>
<div id="studio" aria-live="polite"><noscript>Embed Studio needs JavaScript.</noscript></div>
</body>
</html>
`);
}

/** Builds the page and asset table from the bundle's script and style sheet. */
export function studioAssetsFrom(js: Buffer, css: Buffer): StudioAssets {
  const named = (body: Buffer, base: string, ext: string) => ({
    name: `${base}.${createHash('sha256').update(body).digest('hex').slice(0, 16)}.${ext}`,
    integrity: 'sha384-' + createHash('sha384').update(body).digest('base64'),
  });
  const script = named(js, 'studio', 'js');
  const style = named(css, 'studio', 'css');
  const table = new Map<string, Asset>([
    [script.name, { body: js, contentType: 'application/javascript; charset=utf-8', cacheControl: IMMUTABLE }],
    [style.name, { body: css, contentType: 'text/css; charset=utf-8', cacheControl: IMMUTABLE }],
  ]);
  return { get: (file) => table.get(file) ?? null, page: html(script, style) };
}

async function buildInMemory(): Promise<{ js: Buffer; css: Buffer }> {
  const script = pathToFileURL(join(root, 'scripts', 'build-studio.mjs')).href;
  try {
    const { buildStudioBundle } = (await import(script)) as { buildStudioBundle(): Promise<{ js: string; css: string }> };
    const { js, css } = await buildStudioBundle();
    return { js: Buffer.from(js), css: Buffer.from(css) };
  } catch (error) {
    throw new Error('the studio bundle is not built (dist/studio-bundle/) and cannot be built here: run `npm run build`', { cause: error });
  }
}

let loading: Promise<StudioAssets> | null = null;

/** Loads the studio bundle once per process: the prebuilt `dist/studio-bundle/` when current, else an in-memory esbuild of `studio/`. */
export function loadStudioAssets(): Promise<StudioAssets> {
  if (loading) return loading;
  const current = (async () => {
    const js = await readPrebuiltBundle(join(prebuilt, 'studio.js'), sources);
    if (js) return studioAssetsFrom(js, await readFile(join(prebuilt, 'studio.css')));
    const built = await buildInMemory();
    return studioAssetsFrom(built.js, built.css);
  })();
  current.catch(() => {
    if (loading === current) loading = null;
  });
  loading = current;
  return current;
}
