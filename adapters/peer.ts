import { createRequire } from 'node:module';

/**
 * Fails at import, in one line that says what to install, when the framework an adapter is for is missing. The
 * frameworks are optional peer dependencies: the host installs its own, and an adapter imported without it would
 * otherwise fail later, far from the cause. Only resolves the package; nothing of it is loaded.
 */
export function requirePeer(name: string, entry: string): void {
  try {
    createRequire(import.meta.url).resolve(name);
  } catch {
    throw new Error(`${entry} needs ${name}, an optional peer dependency: npm install ${name}`);
  }
}
