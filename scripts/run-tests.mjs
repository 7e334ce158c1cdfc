// Runs every test file under test/ with node:test through tsx. Node 20's `node --test` expands no globs and
// passes with zero tests when handed a folder, so the files are listed here, and a run that executed no test
// fails.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : findTests('test');
if (files.length === 0) {
  console.error('no test files found under test/');
  process.exit(1);
}

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', '--test-reporter-destination=stdout', ...files],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4000);
});
child.on('close', (code) => {
  const passed = /ℹ pass (\d+)/.exec(tail);
  if (code === 0 && (!passed || Number(passed[1]) === 0)) {
    console.error('the test run executed no test');
    process.exit(1);
  }
  process.exit(code ?? 1);
});
