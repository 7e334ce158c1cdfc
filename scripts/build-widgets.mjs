// Builds the browser widget bundle (widgets/loader.ts, everything in one IIFE script) with esbuild.
// `node scripts/build-widgets.mjs [--out DIR]` writes dist/widgets-bundle/loader.js (or DIR/loader.js), which
// lib/widget-assets.ts serves; without it the engine builds the same bundle in memory through buildWidgetBundle().
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Bundles one browser entry point (a path under the repository) into a minified IIFE script and returns it as a
 * string: the widget bundle and Embed Studio's are built alike. esbuild is a dev dependency, loaded only when building.
 */
export async function bundleBrowserScript(...entry) {
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
  });
  return result.outputFiles[0].text;
}

/** Returns the minified loader script as a string. */
export function buildWidgetBundle() {
  return bundleBrowserScript('widgets', 'loader.ts');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--out');
  const out = at > 0 && process.argv[at + 1] ? process.argv[at + 1] : join(root, 'dist', 'widgets-bundle');
  await mkdir(out, { recursive: true });
  const loader = await buildWidgetBundle();
  await writeFile(join(out, 'loader.js'), loader);
  console.log(`widgets: wrote ${join(out, 'loader.js')} (${Buffer.byteLength(loader)} bytes)`);
}
