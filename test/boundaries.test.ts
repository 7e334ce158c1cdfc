import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports, statically or with a literal dynamic import. */
function imports(path: string): Array<{ spec: string; typeOnly: boolean }> {
  const text = readFileSync(path, 'utf8');
  const found: Array<{ spec: string; typeOnly: boolean }> = [];
  const statement = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(statement)) found.push({ spec: m[3], typeOnly: Boolean(m[2]) });
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) found.push({ spec: m[1], typeOnly: false });
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ spec: m[1], typeOnly: false });
  return found;
}

const FORBIDDEN_IN_LIB = /^(koa|@koa\/|express|fastify|@mikro-orm\/|knex|pg|sqlite3|better-sqlite3|nodemailer|pino|smtp-server|playwright)/;
// @sinclair/typebox describes the wire shapes (lib/schemas.ts) and validates them at the edge (lib/routes.ts).
const ALLOWED_IN_LIB = /^(node:|jose$|lru-cache$|@sinclair\/typebox(\/compiler|\/errors)?$|\.\/)/;

describe('boundaries', () => {
  it('lib/ imports no framework, ORM, mail or logging package, and nothing from adapters/ or storage/', () => {
    for (const file of sources('lib')) {
      for (const { spec } of imports(file)) {
        assert.doesNotMatch(spec, FORBIDDEN_IN_LIB, `${file} imports ${spec}`);
        // lib/studio/ reaches the rest of lib/ with ../; a relative import must stay inside lib/.
        if (spec.startsWith('../')) {
          assert.ok(!relative('lib', resolve(dirname(file), spec)).startsWith('..'), `${file} imports ${spec}`);
          continue;
        }
        assert.match(spec, ALLOWED_IN_LIB, `${file} imports ${spec}`);
      }
    }
  });

  it('studio/ (the Embed Studio bundle) imports no server code: only types from lib/, nothing from node or packages but types', () => {
    for (const file of sources('studio')) {
      for (const { spec, typeOnly } of imports(file)) {
        if (spec.startsWith('./') || (spec.startsWith('../') && !spec.startsWith('../lib/') && !relative('studio', resolve(dirname(file), spec)).startsWith('..'))) continue;
        assert.ok(typeOnly && (spec.startsWith('../lib/') || spec.startsWith('../../lib/') || spec === '@sinclair/typebox'), `${file} imports ${spec}`);
      }
    }
  });

  it('widgets/ import no server code: only types from lib/, nothing from node or packages', () => {
    for (const file of sources('widgets')) {
      for (const { spec, typeOnly } of imports(file)) {
        if (spec.startsWith('./')) continue;
        assert.ok(spec.startsWith('../lib/') && typeOnly, `${file} imports ${spec}`);
      }
    }
  });

  it('react/ is a wrapper over the public widget SDK: it imports react and widgets/sdk.ts, nothing else', () => {
    for (const file of sources('react')) {
      for (const { spec } of imports(file)) assert.match(spec, /^(\.\/|\.\.\/widgets\/sdk\.js$|react$)/, `${file} imports ${spec}`);
    }
  });

  it('the mint helper depends on jose and node built-ins only', () => {
    for (const { spec } of imports('lib/mint.ts')) assert.match(spec, /^(node:|jose$)/, spec);
  });
});
