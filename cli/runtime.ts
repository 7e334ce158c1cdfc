import { existsSync, readFileSync } from 'node:fs';
import type { Caller } from '../lib/audit.js';
import { createBridge, type Bridge } from '../lib/bridge.js';
import type { BridgeOptions, Logger } from '../lib/config.js';
import type { Mailer } from '../lib/mailer.js';
import type { Storage } from '../lib/storage.js';
import { envName, UsageError, type Args, type Io, type OptionSpec } from './command.js';
import { errorFields } from './logger.js';
import { Output } from './output.js';
import { DEFAULT_STORAGE, maskSecrets, openStorage, sqlitePath, StorageUnavailable } from './storage.js';

/** Options every storage-backed command takes. */
export const STORAGE_OPTIONS: Record<string, OptionSpec> = {
  storage: { type: 'string', value: '<memory|sqlite:FILE|postgres://…>', description: 'Where the data lives', default: DEFAULT_STORAGE },
  'master-key': { type: 'string', value: '<base64>', description: 'Base64 of 32 bytes; the same one the server uses' },
  'master-key-file': { type: 'string', value: '<file>', description: 'Reads --master-key from this file instead' },
  json: { type: 'boolean', description: 'Print JSON' },
};

export const TENANT_OPTION: Record<string, OptionSpec> = {
  tenant: { type: 'string', value: '<slug>', description: 'The tenant slug', required: true },
};

/** Admin changes made from the CLI show up in the audit trail with this user agent. */
export const CLI_CALLER: Caller = { ip: null, userAgent: 'aforo-bridge-cli' };

/** The CLI's logger: warnings and errors as single lines on standard error, with passwords and secrets masked. */
export function cliLogger(io: Io, secrets: Array<string | undefined> = []): Logger {
  const line = (level: string, obj: object, msg?: string): void => {
    // Only the message of an error, never the object (see errorFields); the engine may hand over either form.
    const err = (obj as { err?: unknown }).err;
    const cause = typeof err === 'object' && err !== null ? errorFields(err).message : '';
    io.err(maskSecrets(`${level}: ${msg ?? 'event'}${cause ? `: ${cause}` : ''}`, secrets));
  };
  return {
    debug() {},
    info() {},
    warn: (obj, msg) => line('warning', obj, msg),
    error: (obj, msg) => line('error', obj, msg),
  };
}

/**
 * A secret given as `--NAME <value>` or as `--NAME-file <file>` (each also from its AFORO_* variable): the file's
 * text with its trailing newline dropped. Giving both is a usage error rather than a silent choice between them.
 */
export function secretOf(args: Args, name: string): string | undefined {
  const value = args.string(name);
  const raw = args.string(`${name}-file`);
  const file = raw === '' ? undefined : raw;
  if (value !== undefined && file !== undefined) {
    throw new UsageError(
      `give --${name} or --${name}-file, not both (${envName(name)} and ${envName(`${name}-file`)} count as given)`,
      args.command,
    );
  }
  if (file === undefined) return value;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new UsageError(`--${name}-file: cannot read ${file}${typeof code === 'string' ? ` (${code})` : ''}`, args.command);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new UsageError(`--${name}-file: ${file} is empty`, args.command);
  return secret;
}

/** Reads and checks `--master-key` (or `--master-key-file`) here so the message names the option as given. */
export function masterKeyOf(args: Args): string | undefined {
  const key = secretOf(args, 'master-key');
  if (key === undefined) return undefined;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || Buffer.from(key, 'base64').length !== 32) {
    const option = args.string('master-key') !== undefined ? '--master-key must be' : '--master-key-file must hold';
    throw new UsageError(`${option} base64 of exactly 32 bytes (e.g. \`openssl rand -base64 32\`)`, args.command);
  }
  return key;
}

/** Says on standard error that `spec` names a SQLite file that does not exist yet (and will be created). */
export function noteNewDatabase(spec: string, io: Pick<Io, 'err'>): void {
  const path = sqlitePath(spec);
  if (path !== null && !existsSync(path)) {
    io.err(`note: creating a new SQLite database ${path} (--storage or AFORO_STORAGE names another)`);
  }
}

/**
 * Connects and migrates before the engine starts, so an unreachable database is one clear error. A SQLite file that
 * does not exist yet is created; that is said on standard error, so a command run in the wrong directory (or
 * without --storage) does not leave a second, empty database unnoticed.
 */
export async function prepareStorage(spec: string, io?: Pick<Io, 'err'>): Promise<Storage> {
  const storage = await openStorage(spec);
  if (io) noteNewDatabase(spec, io);
  try {
    await storage.init();
  } catch (error) {
    await storage.close().catch(() => undefined);
    throw new StorageUnavailable(`cannot open storage ${maskSecrets(spec)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return storage;
}

/** Waits for the engine; a failure closes the storage and says why, without secrets. */
export async function readyBridge(bridge: Bridge): Promise<void> {
  try {
    await bridge.ready();
  } catch (error) {
    await bridge.close().catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    // The one start failure a CLI user fixes with an option: the database was sealed by a server with a master key.
    const hint = /no masterKey is configured/.test(message) ? '; give the master key the server uses (--master-key-file or AFORO_MASTER_KEY)' : '';
    throw new StorageUnavailable(`the engine could not start: ${message}${hint}`);
  }
}

// Admin commands never send mail; a mailer that refuses makes any attempt visible.
const NO_MAIL: Mailer = {
  async send() {
    throw new Error('the CLI does not send mail');
  },
};

/** `readyBridge` reports a failed start as the command's error: the engine's own log line of it would repeat it. */
function startReportedOnce(logger: Logger): Logger {
  return { ...logger, error: (obj, msg) => (msg === 'engine start failed' ? undefined : logger.error(obj, msg)) };
}

/** Runs `work` against an in-process engine on the configured storage, then closes everything. */
export async function withAdmin(
  args: Args,
  io: Io,
  work: (admin: Bridge['api']['admin'], out: Output) => Promise<void>,
): Promise<number> {
  const masterKey = masterKeyOf(args);
  const spec = args.string('storage') ?? DEFAULT_STORAGE;
  const storage = await prepareStorage(spec, io);
  if (spec === 'memory') io.err('note: memory storage keeps nothing after this command ends');
  const options: BridgeOptions = {
    storage,
    mailer: NO_MAIL,
    // The issuer only names the engine in session JWTs; admin commands issue none.
    issuer: 'http://localhost/aforo',
    logger: startReportedOnce(cliLogger(io, [spec, masterKey])),
    ...(masterKey ? { masterKey } : {}),
  };
  const bridge = createBridge(options);
  try {
    await readyBridge(bridge);
    await work(bridge.api.admin, new Output(io, args.flag('json')));
  } finally {
    await bridge.close();
  }
  return 0;
}
