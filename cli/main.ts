import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { BridgeError, ConfigError } from '../lib/errors.js';
import { commandHelp, groupHelp, mainHelp, parseCommand, UsageError, type CommandSpec, type GroupSpec, type Io } from './command.js';
import { audit } from './commands/audit.js';
import { customers } from './commands/customers.js';
import { embedKeys } from './commands/embed-keys.js';
import { invoices } from './commands/invoices.js';
import { subscriptions } from './commands/subscriptions.js';
import { migrate } from './commands/migrate.js';
import { mintToken } from './commands/mint-token.js';
import { offerings } from './commands/offerings.js';
import { prune } from './commands/prune.js';
import { serve } from './commands/serve.js';
import { signingKeys } from './commands/signing-keys.js';
import { tenants } from './commands/tenants.js';
import { maskSecrets, StorageUnavailable } from './storage.js';

const COMMANDS: CommandSpec[] = [serve, migrate, mintToken, audit, prune];
const GROUPS: GroupSpec[] = [tenants, embedKeys, signingKeys, offerings, customers, invoices, subscriptions];

/** The package version: `package.json` sits one level above `cli/` in the sources and two above `dist/cli/`. */
function version(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'aforo-bridge' && pkg.version) return pkg.version;
    } catch {
      // not this level
    }
  }
  return 'unknown';
}

function find(argv: string[]): { spec: CommandSpec; rest: string[] } | { help: string; exit: number } {
  const [first, second, ...rest] = argv;
  if (first === '--version' || first === '-V') return { help: `aforo-bridge ${version()}`, exit: 0 };
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    return { help: mainHelp(GROUPS, COMMANDS), exit: first === undefined ? 2 : 0 };
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (command) return { spec: command, rest: argv.slice(1) };
  const group = GROUPS.find((g) => g.name === first);
  if (!group) throw new UsageError(`unknown command ${JSON.stringify(first)}`);
  if (second === undefined || second === '--help' || second === '-h') return { help: groupHelp(group), exit: second === undefined ? 2 : 0 };
  const sub = group.commands.find((c) => c.name === `${group.name} ${second}`);
  if (!sub) throw new UsageError(`unknown command ${JSON.stringify(`${first} ${second}`)}`, group.name);
  return { spec: sub, rest };
}

/**
 * Runs one CLI invocation. Resolves with the exit code, or with `'running'` when a server keeps the process
 * alive. Errors print as `error: <code>: <message>` (exit 1), usage mistakes as `error: <message>` (exit 2).
 */
/** What a failed invocation prints: its code (a SPEC code, or a CLI one), message and exit status. */
interface Failure {
  code: string;
  message: string;
  exit: number;
  /** Printed after the message in human mode only. */
  hint?: string;
}

function failureOf(error: unknown, current: string | undefined): Failure {
  if (error instanceof UsageError) {
    const command = error.command ?? current;
    return { code: 'usage_error', message: error.message, exit: 2, hint: `Run 'aforo-bridge ${command ? `${command} ` : ''}--help' for usage.` };
  }
  if (error instanceof ConfigError) return { code: 'usage_error', message: error.message, exit: 2 };
  if (error instanceof BridgeError) return { code: error.code, message: error.message, exit: 1 };
  if (error instanceof StorageUnavailable) return { code: 'storage_unavailable', message: maskSecrets(error.message), exit: 1 };
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    return { code: 'listen_failed', message: (error as Error).message, exit: 1 };
  }
  return { code: 'internal', message: maskSecrets(error instanceof Error ? error.message : String(error)), exit: 1 };
}

/** `--json` anywhere on the line (or AFORO_JSON) asks for JSON errors too, even when the line did not parse. */
function wantsJson(argv: string[], env: Io['env']): boolean {
  if (argv.includes('--json')) return true;
  return ['1', 'true', 'yes', 'on'].includes((env.AFORO_JSON ?? '').trim().toLowerCase());
}

/**
 * Runs one CLI invocation. Resolves with the exit code, or with `'running'` when a server keeps the process
 * alive. Errors print as `error: <code>: <message>` on standard error (exit 1; usage mistakes exit 2), or with
 * `--json` as `{ "error": { "code", "message" } }` on standard output, with the same exit status.
 */
export async function main(argv: string[], io: Io): Promise<number | 'running'> {
  let current: string | undefined;
  try {
    const found = find(argv);
    if ('help' in found) {
      (found.exit === 0 ? io.out : io.err)(found.help);
      return found.exit;
    }
    current = found.spec.name;
    const parsed = parseCommand(found.spec, found.rest, io.env);
    if (parsed === 'help') {
      io.out(commandHelp(found.spec));
      return 0;
    }
    return await found.spec.run(parsed, io);
  } catch (error) {
    const failure = failureOf(error, current);
    if (wantsJson(argv, io.env)) {
      io.out(JSON.stringify({ error: { code: failure.code, message: failure.message } }, null, 2));
    } else {
      io.err(failure.code === 'usage_error' ? `error: ${failure.message}` : `error: ${failure.code}: ${failure.message}`);
      if (failure.hint) io.err(failure.hint);
    }
    return failure.exit;
  }
}

// A reader that goes away early (`aforo-bridge tenants list | head -1`) is not a failure of the command: the rest
// of its output is dropped, as git and ls do, instead of an unhandled EPIPE.
let stdoutGone = false;

const processIo: Io = {
  out: (line) => {
    if (!stdoutGone) process.stdout.write(`${line}\n`);
  },
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};

/** Entry point of `bin/aforo-bridge.mjs`. */
export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    stdoutGone = true;
  });
  const result = await main(argv, processIo);
  if (result === 'running') return;
  process.exitCode = result;
  // A storage driver that keeps a handle open must not keep a finished command alive.
  setTimeout(() => process.exit(result), 2_000).unref();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
