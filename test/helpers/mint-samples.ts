import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Runs the tenant mint samples of examples/mint as child processes, for the sample tests and the HTTP tests. */

export type MintSampleLang = 'node' | 'python' | 'go';
export const MINT_SAMPLE_LANGS: readonly MintSampleLang[] = ['node', 'python', 'go'];

/** The environment a sample reads (examples/mint/README.md). */
export interface MintSampleEnv {
  AFORO_KID: string;
  AFORO_ALG: 'HS256' | 'RS256';
  AFORO_SECRET?: string;
  AFORO_PRIVATE_KEY_PEM?: string;
  AFORO_PRIVATE_KEY_FILE?: string;
  AFORO_EXTERNAL_CUSTOMER_ID: string;
  AFORO_EMAIL?: string;
  AFORO_NAME?: string;
}

export interface SampleRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SAMPLES = join(ROOT, 'examples', 'mint');
// Debian's interpreter, where python3-jwt installs; a PATH python3 (pyenv, a venv) often lacks PyJWT.
const PYTHON = process.env.AFORO_TEST_PYTHON ?? '/usr/bin/python3';
const RUN_TIMEOUT_MS = 60_000;
// A cold Go build of the standard-library packages the sample uses takes seconds; this only bounds a hung toolchain.
const GO_BUILD_TIMEOUT_MS = 180_000;
const JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<SampleRun> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? RUN_TIMEOUT_MS,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    // A missing executable reports through 'error' and may never emit 'close'.
    child.on('error', (error) => resolve({ code: null, stdout, stderr: stderr + error.message }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// The caller's own AFORO_* variables (a developer's shell, the serve command's settings) must not leak into a sample,
// and NODE_TEST_CONTEXT would make a Node child believe it reports to this test runner.
function sampleEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('AFORO_') && name !== 'NODE_TEST_CONTEXT') clean[name] = value;
  }
  for (const [name, value] of Object.entries(env)) if (value !== undefined) clean[name] = value;
  return clean;
}

/** Go with no network, no toolchain download and a build cache under the temp dir. */
export function goEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // Fixed directories under the temp dir keep the build cache between runs without writing to HOME.
    GOCACHE: process.env.GOCACHE ?? join(tmpdir(), 'aforo-bridge-go-cache'),
    GOPATH: join(tmpdir(), 'aforo-bridge-gopath'),
    // The sample needs no module; these make certain a build never reaches the network or a newer toolchain.
    GOFLAGS: '-mod=mod',
    GOPROXY: 'off',
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
  };
}

const availability = new Map<MintSampleLang, Promise<string | undefined>>();

/** Why the sample for `lang` cannot run on this machine, or undefined when it can. */
export function mintSampleUnavailable(lang: MintSampleLang): Promise<string | undefined> {
  let pending = availability.get(lang);
  if (!pending) {
    pending = checkAvailable(lang);
    availability.set(lang, pending);
  }
  return pending;
}

async function checkAvailable(lang: MintSampleLang): Promise<string | undefined> {
  if (lang === 'node') return undefined;
  if (lang === 'python') {
    const probe = await run(PYTHON, ['-c', 'import jwt, cryptography']);
    return probe.code === 0
      ? undefined
      : `${PYTHON} cannot import jwt and cryptography (Debian: python3-jwt python3-cryptography): ${probe.stderr.trim()}`;
  }
  const probe = await run('go', ['version'], { env: goEnv() });
  return probe.code === 0 ? undefined : `the go toolchain is not available (Debian: golang-go): ${probe.stderr.trim()}`;
}

let goBinary: Promise<string> | undefined;

function buildGoSample(): Promise<string> {
  goBinary ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aforo-mint-go-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const binary = join(dir, 'mint');
    const build = await run('go', ['build', '-o', binary, '.'], { cwd: join(SAMPLES, 'go'), env: goEnv(), timeoutMs: GO_BUILD_TIMEOUT_MS });
    if (build.code !== 0) throw new Error(`go build of examples/mint/go failed (${build.code}): ${build.stderr.trim()}`);
    return binary;
  })();
  return goBinary;
}

/** Runs one sample with exactly the given AFORO_* variables and reports its exit code and output. */
export async function runMintSampleProcess(lang: MintSampleLang, env: Record<string, string | undefined>): Promise<SampleRun> {
  const childEnv = sampleEnv(env);
  if (lang === 'node') return run(process.execPath, ['--import', 'tsx', join(SAMPLES, 'node', 'mint.mjs')], { env: childEnv });
  if (lang === 'python') return run(PYTHON, [join(SAMPLES, 'python', 'mint.py')], { env: childEnv });
  return run(await buildGoSample(), [], { env: childEnv });
}

/**
 * Runs one sample and returns the bridge token it printed; rejects when it fails or prints anything but one JWS.
 *
 * @example
 * const bridgeToken = await runMintSample('python', { AFORO_KID: kid, AFORO_ALG: 'HS256', AFORO_SECRET: secret,
 *   AFORO_EXTERNAL_CUSTOMER_ID: 'user-1' });
 */
export async function runMintSample(lang: MintSampleLang, env: MintSampleEnv): Promise<string> {
  const result = await runMintSampleProcess(lang, { ...env });
  if (result.code !== 0) throw new Error(`the ${lang} mint sample exited with ${result.code}: ${result.stderr.trim()}`);
  const token = result.stdout.trim();
  if (!JWS.test(token)) throw new Error(`the ${lang} mint sample printed no compact JWS: ${JSON.stringify(result.stdout.slice(0, 200))}`);
  return token;
}
