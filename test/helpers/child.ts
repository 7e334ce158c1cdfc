/** Child processes of the CLI for tests: a clean environment and captured output. */
import { spawn, type ChildProcess } from 'node:child_process';

/** The parent's environment without any AFORO_* variable of the machine, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AFORO_')) env[key] = value;
  return { ...env, ...extra };
}

export interface Captured {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Runs `node <args>` in `cwd` with a clean environment, collecting what it prints. */
export function spawnCaptured(args: string[], cwd: string, env: Record<string, string> = {}): Captured {
  const child = spawn(process.execPath, args, { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}
