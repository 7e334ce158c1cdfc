import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { openApiDocument } from '../lib/openapi.js';

const run = promisify(execFile);
const DIR = mkdtempSync(join(tmpdir(), 'aforo-openapi-'));
after(() => rmSync(DIR, { recursive: true, force: true }));

interface Problem { ruleId: string; severity: 'error' | 'warn'; message: string; location: Array<{ pointer: string }> }

test('openapi: @redocly/cli lint with the recommended rules finds no error and no warning', async () => {
  const file = join(DIR, 'openapi.json');
  writeFileSync(file, JSON.stringify(openApiDocument(), null, 2));
  const cli = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');
  // The linter needs no network: telemetry and the update check are off.
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
  const result = await run(process.execPath, [cli, 'lint', '--extends=recommended', '--format=json', file], { env, maxBuffer: 16 << 20 })
    .catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  const start = result.stdout.indexOf('{');
  const { problems } = JSON.parse(result.stdout.slice(start)) as { problems: Problem[] };
  const lines = problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ''}: ${p.message}`);
  assert.deepEqual(lines, []);
});

test('openapi: every operation has a unique operationId and declares its security', () => {
  const doc = openApiDocument() as { paths: Record<string, Record<string, { operationId?: string; security?: unknown[] }>> };
  const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops)).map((op) => {
    assert.ok(Array.isArray(op.security), op.operationId);
    return op.operationId;
  });
  assert.ok(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]+$/.test(id)), ids.join(' '));
  assert.equal(new Set(ids).size, ids.length);
});
