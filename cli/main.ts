import { pathToFileURL } from 'node:url';
import { BridgeError, ConfigError } from '../lib/errors.js';
import { commandHelp, groupHelp, mainHelp, parseCommand, UsageError, type CommandSpec, type GroupSpec, type Io } from './command.js';
import { audit } from './commands/audit.js';
import { customers } from './commands/customers.js';
import { embedKeys } from './commands/embed-keys.js';
import { invoices } from './commands/invoices.js';
import { migrate } from './commands/migrate.js';
import { mintToken } from './commands/mint-token.js';
import { offerings } from './commands/offerings.js';
import { prune } from './commands/prune.js';
import { serve } from './commands/serve.js';
import { signingKeys } from './commands/signing-keys.js';
import { tenants } from './commands/tenants.js';
import { maskSecrets, StorageUnavailable } from './storage.js';

const COMMANDS: CommandSpec[] = [serve, migrate, mintToken, audit, prune];
const GROUPS: GroupSpec[] = [tenants, embedKeys, signingKeys, offerings, customers, invoices];

function find(argv: string[]): { spec: CommandSpec; rest: string[] } | { help: string; exit: number } {
  const [first, second, ...rest] = argv;
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
    if (error instanceof UsageError) {
      const command = error.command ?? current;
      io.err(`error: ${error.message}`);
      io.err(`Run 'aforo-bridge ${command ? `${command} ` : ''}--help' for usage.`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.err(`error: ${error.message}`);
      return 2;
    }
    if (error instanceof BridgeError) {
      io.err(`error: ${error.code}: ${error.message}`);
      return 1;
    }
    if (error instanceof StorageUnavailable) {
      io.err(`error: storage_unavailable: ${maskSecrets(error.message)}`);
      return 1;
    }
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      io.err(`error: listen_failed: ${(error as Error).message}`);
      return 1;
    }
    io.err(`error: internal: ${maskSecrets(error instanceof Error ? error.message : String(error))}`);
    return 1;
  }
}

const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};

/** Entry point of `bin/aforo-bridge.mjs`. */
export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  const result = await main(argv, processIo);
  if (result === 'running') return;
  process.exitCode = result;
  // A storage driver that keeps a handle open must not keep a finished command alive.
  setTimeout(() => process.exit(result), 2_000).unref();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
