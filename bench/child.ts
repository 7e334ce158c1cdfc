import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Framework } from './frameworks.js';
import type { ServerInfo } from './shared.js';
import type { StorageName } from './storages.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const START_TIMEOUT_MS = 60_000;

/** A running bench/server.ts child. */
export interface ServerChild {
  info: ServerInfo;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * Starts the server under test in its own process and waits for its JSON line. Its stderr goes straight to ours so
 * an engine error is seen as it happens.
 */
export async function startServer(framework: Framework, storage: StorageName, magicLinks = 0): Promise<ServerChild> {
  const args = ['--import', 'tsx', 'bench/server.ts', '--framework', framework, '--storage', storage, '--magic-links', String(magicLinks)];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<ServerInfo>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${framework}/${storage} server did not start within 60 s`)), START_TIMEOUT_MS);
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve({ ...(JSON.parse(line) as ServerInfo), pid: child.pid });
      } catch {
        reject(new Error(`the ${framework}/${storage} server printed ${JSON.stringify(line.slice(0, 200))} instead of its JSON line`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the ${framework}/${storage} server exited with code ${code} before it was ready`));
    });
  }).catch(async (error: unknown) => {
    child.kill();
    throw error;
  });
  // Anything printed later is not for us, but the pipe must keep draining.
  lines.on('line', () => {});

  return {
    info,
    async stop() {
      const done = exited(child);
      child.stdin?.end();
      const code = await done;
      if (code !== 0) throw new Error(`the ${framework}/${storage} server exited with code ${code} on shutdown`);
    },
  };
}
