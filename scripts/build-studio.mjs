// Builds Embed Studio's browser bundle (studio/main.ts, one IIFE script, and studio/studio.css) with esbuild.
// `node scripts/build-studio.mjs [--out DIR]` writes dist/studio-bundle/studio.js and studio.css (or into DIR),
// which lib/studio/assets.ts serves; without them the engine builds the same files in memory through buildStudioBundle().
// It is a bundle of its own, so the widget bundle's size budget never pays for the studio.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleBrowserScript } from './build-widgets.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Returns `{ js, css }`, the minified studio script and its style sheet. */
export async function buildStudioBundle() {
  const js = await bundleBrowserScript(['studio', 'main.ts']);
  const css = await readFile(join(root, 'studio', 'studio.css'), 'utf8');
  return { js, css };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--out');
  const out = at > 0 && process.argv[at + 1] ? process.argv[at + 1] : join(root, 'dist', 'studio-bundle');
  await mkdir(out, { recursive: true });
  const { js, css } = await buildStudioBundle();
  await writeFile(join(out, 'studio.js'), js);
  await writeFile(join(out, 'studio.css'), css);
  console.log(`studio: wrote ${join(out, 'studio.js')} (${Buffer.byteLength(js)} bytes) and studio.css`);
}
