import { UsageError, type Args, type CommandSpec, type Io } from '../command.js';
import { errorFields, LOG_LEVELS, serveLogger } from '../logger.js';
import { masterKeyOf, secretOf, STORAGE_OPTIONS } from '../runtime.js';
import { startServer, type RunningServer } from '../serve.js';

/** `1` → one hop; `10.0.0.1,10.0.0.2` → those proxies; `false` / `none` → none. */
export function parseTrustProxy(raw: string | undefined, command: string): number | string[] | false | undefined {
  if (raw === undefined) return undefined;
  const value = raw.trim();
  if (value === '' || value === 'false' || value === 'none') return false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 10) throw new UsageError('--trust-proxy takes a hop count of at most 10, or proxy addresses', command);
    return hops;
  }
  const addresses = value.split(',').map((part) => part.trim()).filter((part) => part.length > 0);
  if (addresses.some((address) => !/^[0-9A-Fa-f.:]+$/.test(address))) {
    throw new UsageError('--trust-proxy must be a hop count or a comma-separated list of proxy IP addresses', command);
  }
  return addresses;
}

function adminTokenOf(args: Args, io: Io): string | undefined {
  const token = secretOf(args, 'admin-token');
  if (token === undefined) {
    io.err('warning: no --admin-token or --admin-token-file: the admin API answers 401 to every call');
    return undefined;
  }
  if (token.length < 16) {
    const option = args.string('admin-token') !== undefined ? '--admin-token must be' : '--admin-token-file must hold';
    throw new UsageError(`${option} at least 16 characters (e.g. \`openssl rand -hex 32\`)`, args.command);
  }
  return token;
}

/** Ends the server on SIGTERM or SIGINT: in-flight requests finish, queued mail is sent, storage closes, exit 0. */
export function closeOnSignals(server: Pick<RunningServer, 'close'>, io: Pick<Io, 'err'>): void {
  const stop = (signal: NodeJS.Signals): void => {
    io.err(`${signal}: shutting down`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        io.err(`error: shutdown failed: ${errorFields(error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** `aforo-bridge serve`: the standalone server. */
export const serve: CommandSpec = {
  name: 'serve',
  summary: 'Runs the standalone server: widget API, widget bundle and admin API',
  details: [
    'Stops on SIGTERM or SIGINT after in-flight requests finish (at most 10 s) and queued mail is sent.',
    'Mail to the console prints sign-in links: use it for development only.',
    'Give secrets in the environment (AFORO_ADMIN_TOKEN, AFORO_MASTER_KEY) or with --admin-token-file and',
    '--master-key-file rather than on the command line, which other users of the machine can read (ps).',
    'Without a master key, HS256 secrets and the engine key are stored unencrypted (a warning at start says so).',
  ],
  options: {
    host: { type: 'string', value: '<address>', description: 'Address to listen on', default: '0.0.0.0' },
    port: { type: 'string', value: '<port>', description: 'Port (0 picks a free one)', default: '8787' },
    prefix: { type: 'string', value: '<path>', description: 'Path the engine is mounted under', default: '/aforo' },
    storage: STORAGE_OPTIONS.storage,
    smtp: { type: 'string', value: '<smtp://…|console>', description: 'Mail transport', default: 'console' },
    'mail-from': { type: 'string', value: '<address>', description: 'Default sender (default no-reply@<issuer host>)' },
    issuer: { type: 'string', value: '<url>', description: 'Public URL of the engine (default http://<host>:<port><prefix>)' },
    'admin-token': { type: 'string', value: '<token>', description: 'Bearer token of the admin API, 16+ characters' },
    'admin-token-file': { type: 'string', value: '<file>', description: 'Reads --admin-token from this file instead' },
    'master-key': STORAGE_OPTIONS['master-key'],
    'master-key-file': STORAGE_OPTIONS['master-key-file'],
    'trust-proxy': { type: 'string', value: '<hops|addresses>', description: 'Proxies whose X-Forwarded-For is believed' },
    'ip-rate-limit': { type: 'string', value: '<per minute>', description: 'Token exchanges per client IP per minute', default: '300' },
    'admin-rate-limit': { type: 'string', value: '<per minute>', description: 'Admin calls without the right token per client IP per minute; then 429', default: '30' },
    'request-timeout': { type: 'string', value: '<seconds>', description: 'Time a client has to send a whole request; then 408', default: '30' },
    'no-studio': { type: 'boolean', description: 'Do not serve Embed Studio (served at <prefix>/studio when there is an admin token)' },
    'log-level': { type: 'string', value: '<level>', description: 'JSON log lines on standard error from this level: error, warn, info, debug', default: 'info' },
  },
  async run(args, io) {
    args.noMorePositionals(0);
    const port = args.integer('port', 0, 65_535);
    const ipRateLimit = args.integer('ip-rate-limit', 1, 1_000_000);
    const adminRateLimit = args.integer('admin-rate-limit', 1, 1_000_000);
    const requestTimeout = args.integer('request-timeout', 1, 3600);
    const trustProxy = parseTrustProxy(args.string('trust-proxy'), args.command);
    const masterKey = masterKeyOf(args);
    const adminToken = adminTokenOf(args, io);
    const storage = args.required('storage');
    const smtp = args.required('smtp');
    const logLevel = args.required('log-level');
    if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
      throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`, args.command);
    }
    if (smtp === 'console') io.err('warning: mail goes to standard output (--smtp console): development only');
    const server = await startServer({
      host: args.required('host'),
      port,
      prefix: args.string('prefix') ?? '/aforo',
      storage,
      mailer: smtp,
      logger: serveLogger(logLevel, [adminToken, masterKey, storage, smtp]),
      ...(args.string('mail-from') ? { mailFrom: args.string('mail-from') } : {}),
      ...(args.string('issuer') ? { issuer: args.string('issuer') } : {}),
      ...(adminToken ? { adminToken } : {}),
      ...(masterKey ? { masterKey } : {}),
      ...(trustProxy !== undefined ? { trustProxy } : {}),
      ...(ipRateLimit !== undefined ? { ipRateLimit } : {}),
      ...(adminRateLimit !== undefined ? { adminRateLimit } : {}),
      ...(requestTimeout !== undefined ? { requestTimeoutMs: requestTimeout * 1000 } : {}),
      studio: !args.flag('no-studio'),
    });
    closeOnSignals(server, io);
    io.out(`aforo-bridge listening on ${server.url} (engine at ${server.prefix || '/'}, issuer ${server.issuer})`);
    if (adminToken && !args.flag('no-studio')) io.out(`Embed Studio at ${server.issuer}/studio`);
    return 'running';
  },
};
