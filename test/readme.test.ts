import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { cleanEnv } from './helpers/child.js';
import { callsTheEngine, fillPlaceholders, readmeBlocks, UNCHECKED_SECTIONS, type Block } from './helpers/readme.js';

// The README as a newcomer pastes it: its `sh run` blocks in order, in one shell, in an empty directory, against the
// `serve` the first block starts (a fresh SQLite file there); its TypeScript blocks compiled against the package.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const BLOCKS = readmeBlocks(README);
const DIR = mkdtempSync(join(tmpdir(), 'aforo-readme-'));
// Guards against a hung shell, never a timing assertion.
const HANG_GUARD_MS = 90_000;

after(() => rmSync(DIR, { recursive: true, force: true }));

function where(block: Block): string {
  return `README.md:${block.line} (${block.section})`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `aforo-bridge` and `npx aforo-bridge` run this checkout's bin/; npx runs nothing else. */
function shims(): string {
  const bin = join(DIR, '.bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'aforo-bridge'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin', 'aforo-bridge.mjs')}" "$@"\n`);
  writeFileSync(join(bin, 'npx'), '#!/bin/sh\nif [ "$1" = aforo-bridge ]; then shift; exec aforo-bridge "$@"; fi\necho "npx $1: the README runner runs only aforo-bridge" >&2\nexit 127\n');
  chmodSync(join(bin, 'aforo-bridge'), 0o755);
  chmodSync(join(bin, 'npx'), 0o755);
  return bin;
}

/** One bash for every block, as one terminal would be: variables and the background server carry over. */
class Shell {
  private readonly child;
  private out = '';
  private err = '';
  private exited: Promise<number | null>;

  constructor(path: string) {
    const env = cleanEnv({ PATH: `${path}:${process.env.PATH ?? ''}`, HOME: DIR, NO_COLOR: '1' });
    // Its own process group, so the server it starts in the background ends with it.
    this.child = spawn('bash', ['--noprofile', '--norc'], { cwd: DIR, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (chunk: Buffer) => (this.out += chunk.toString()));
    this.child.stderr.on('data', (chunk: Buffer) => (this.err += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.stdin.write('set -euo pipefail\n');
  }

  /** Runs `code`; resolves with what it printed on stdout, rejects when a command fails (set -e ends the shell). */
  async run(code: string, index: number): Promise<string> {
    const marker = `@@readme-block-${index}-done@@`;
    const start = this.out.length;
    const errStart = this.err.length;
    this.child.stdin.write(`${code}\necho '${marker}'\n`);
    const guard = Date.now() + HANG_GUARD_MS;
    for (;;) {
      const end = this.out.indexOf(marker, start);
      if (end >= 0) return this.out.slice(start, end);
      const code = await Promise.race([this.exited, new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), 50))]);
      if (code !== 'waiting') {
        throw new Error(`exit ${code}\n--- stdout\n${this.out.slice(start)}\n--- stderr\n${this.err.slice(errStart)}`);
      }
      if (Date.now() > guard) throw new Error(`hung\n--- stdout\n${this.out.slice(start)}\n--- stderr\n${this.err.slice(errStart)}`);
    }
  }

  stderr(): string {
    return this.err;
  }

  close(): void {
    try {
      process.kill(-(this.child.pid as number), 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

describe('README', () => {
  test('readme: every shell block that calls aforo-bridge, curl or a mint sample is marked run or no-run', () => {
    const unmarked = BLOCKS.filter((b) => /^(sh|bash|shell)$/.test(b.info) && callsTheEngine(b.code) && !UNCHECKED_SECTIONS.includes(b.section));
    assert.deepEqual(unmarked.map(where), [], 'fence these blocks with ```sh run (the test executes them) or ```sh no-run');
    assert.ok(BLOCKS.some((b) => b.info === 'sh run'), 'the README has blocks to run');
  });

  test('readme: the sh run blocks run in order, in one shell, against a fresh serve on a temp SQLite file', async () => {
    assert.ok(existsSync(join(ROOT, 'dist', 'cli', 'main.js')), 'run `npm run build` first');
    const port = await freePort();
    const shell = new Shell(shims());
    let printed = '';
    try {
      for (const [index, block] of BLOCKS.filter((b) => b.info === 'sh run').entries()) {
        // The README's server is on localhost:8787; the test's on a free port of its own.
        const code = fillPlaceholders(block.code, printed).replaceAll('localhost:8787', `127.0.0.1:${port}`).replaceAll('--port 8787', `--port ${port}`);
        let out: string;
        try {
          out = await shell.run(code, index);
        } catch (error) {
          assert.fail(`${where(block)} failed: ${(error as Error).message}\n--- the block as run\n${code}`);
        }
        printed += out;
      }
      // What the walk-through promises: a ready server, the published offering in the config, one exchange.
      assert.match(printed, /"status":"ready"/);
      assert.match(printed, /"id":"pro"/);
      assert.match(printed, /"sessionJwt":"ey/);
      assert.match(printed, /"externalId":"cus-42"/);
      assert.ok(existsSync(join(DIR, 'aforo.db')), 'the server and the CLI share ./aforo.db');
      assert.doesNotMatch(shell.stderr(), /"level":50/, 'the server logged no error');
    } finally {
      shell.close();
    }
  });

  test('readme: every ts and tsx block type-checks against the package exports', () => {
    assert.ok(existsSync(join(ROOT, 'dist', 'lib', 'index.d.ts')), 'run `npm run build` first');
    const blocks = BLOCKS.filter((b) => b.info === 'ts' || b.info === 'typescript' || b.info === 'tsx');
    assert.ok(blocks.length > 0);
    // Inside the package, so `aforo-bridge/…` resolves to its own exports (the built .d.ts) and frameworks to
    // node_modules; names the snippets take from the reader's app are declared once here.
    const dir = mkdtempSync(join(ROOT, '.readme-ts-'));
    try {
      writeFileSync(join(dir, 'context.d.ts'), [
        "import type { Bridge } from 'aforo-bridge';",
        "import type { Storage } from 'aforo-bridge';",
        'declare global {',
        '  /** The bridge of the "Mount it" snippet. */',
        '  const bridge: Bridge;',
        '  /** The Express app of the Express snippet. */',
        "  const app: import('express').Express;",
        '  /** Your signed-in user. */',
        '  const user: { id: string; email: string; name: string };',
        '  const metrics: { increment(name: string): void };',
        '  const log: { warn(obj: object, msg: string): void };',
        '  function myStorage(): Storage;',
        '}',
        'export {};',
      ].join('\n'));
      const files = blocks.map((block, i) => {
        const file = join(dir, `block-${i}.${block.info === 'tsx' ? 'tsx' : 'ts'}`);
        writeFileSync(file, `// ${where(block)}\n${block.code}\nexport {};\n`);
        return file;
      });
      const program = ts.createProgram([join(dir, 'context.d.ts'), ...files], {
        target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
        strict: true, noEmit: true, skipLibCheck: true, esModuleInterop: true, types: ['node'], jsx: ts.JsxEmit.ReactJSX,
      });
      const problems = ts.getPreEmitDiagnostics(program).map((d) => {
        const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
        if (!d.file) return text;
        const index = files.indexOf(d.file.fileName);
        const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
        return index >= 0 ? `README.md:${blocks[index].line + line} ${text}` : `${d.file.fileName}: ${text}`;
      });
      assert.deepEqual(problems, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
