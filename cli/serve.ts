import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import Koa from 'koa';
import { koaBridge } from '../adapters/koa.js';
import { consoleMailer, smtpMailer } from '../adapters/mail.js';
import { createBridge, type Bridge } from '../lib/bridge.js';
import type { BridgeOptions, Logger } from '../lib/config.js';
import { errorResponse, maskPath } from '../lib/edge.js';
import { BridgeError, type ErrorCode } from '../lib/errors.js';
import { declaresOverCap, type PlainResponse } from '../lib/http.js';
import type { Mailer } from '../lib/mailer.js';
import type { Storage } from '../lib/storage.js';
import { UsageError } from './command.js';
import { errorFields } from './logger.js';
import { prepareStorage, readyBridge } from './runtime.js';
import { DEFAULT_STORAGE, StorageUnavailable } from './storage.js';

/** What `startServer` takes; every field has the default `aforo-bridge serve` documents. */
export interface ServerOptions {
  /** Address to bind (default `0.0.0.0`). */
  host?: string;
  /** Port (default 8787); 0 picks a free one. */
  port?: number;
  /** Mount path of the engine (default `/aforo`). */
  prefix?: string;
  /** `memory`, `sqlite:FILE`, `postgres://…`, or a storage object (default `sqlite:./aforo.db`). */
  storage?: string | Storage;
  /** `console`, `smtp://…` / `smtps://…`, or a mailer object (default `console`). */
  mailer?: string | Mailer;
  /** Default sender for SMTP (default `no-reply@<issuer host>`). */
  mailFrom?: string;
  /** The engine's public URL (default `http://<host>:<port><prefix>`, localhost for a wildcard host). */
  issuer?: string;
  adminToken?: string;
  masterKey?: string;
  trustProxy?: number | string[] | false;
  ipRateLimit?: number;
  /** Admin calls without the right token per client IP per minute before 429 (default 30). */
  adminRateLimit?: number;
  /** Serve Embed Studio at `{prefix}/studio` when there is an admin token (default true here; false in createBridge). */
  studio?: boolean;
  /** Engine options the standalone server has no flag for (the demo sets magic-link options). */
  engine?: Pick<BridgeOptions, 'magicLink' | 'sessionTtl' | 'sessionMaxAge' | 'clock'>;
  logger?: Logger;
  /** How long shutdown waits for in-flight requests before cutting connections (default 10 000 ms). */
  drainTimeoutMs?: number;
  /**
   * How long a client may take to send one whole request, headers and body, before it is answered 408 and its
   * connection closed (default 30 000 ms); headers alone get at most 10 s of it.
   */
  requestTimeoutMs?: number;
  /** Adds the host's own middleware after the engine and before the 404 answer (the demo portal's pages). */
  setup?: (server: { app: Koa; bridge: Bridge; url: string; port: number }) => void | Promise<void>;
}

/** A started server. */
export interface RunningServer {
  /** `http://<host>:<port>`, the server's root. */
  url: string;
  port: number;
  prefix: string;
  issuer: string;
  bridge: Bridge;
  /** Stops accepting connections, lets in-flight requests finish (bounded), then closes the engine. Idempotent. */
  close(): Promise<void>;
}

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const MAX_HEADERS_TIMEOUT_MS = 10_000;

/** Said once at start when secrets would be stored as they are. */
export const NO_MASTER_KEY_WARNING =
  'no master key: HS256 signing secrets and the engine key are stored unencrypted; set AFORO_MASTER_KEY or --master-key-file';

// The answer to a request Node could not parse or that took too long: the SPEC's envelope, with the status the SPEC
// gives its code (400 for invalid_request, where Node would say 431 or 408).
const CLIENT_ERROR_ANSWERS: Record<string, { status: string; code: ErrorCode; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: '400 Bad Request', code: 'invalid_request', message: 'the request headers are too large' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: '413 Payload Too Large', code: 'payload_too_large', message: 'the chunk extensions are too large' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: '400 Bad Request', code: 'invalid_request', message: 'the request did not arrive within the request timeout' },
};
const MALFORMED = { status: '400 Bad Request', code: 'invalid_request' as ErrorCode, message: 'the request is not well-formed HTTP' };

/** An envelope answered by the server itself, before any handler; the connection ends with it. */
function answerPlain(res: ServerResponse, status: number, error: { code: ErrorCode; message: string }): void {
  const body = JSON.stringify({ error });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
}

function clientErrorAnswer(code: string | undefined): string {
  const { status, ...error } = CLIENT_ERROR_ANSWERS[code ?? ''] ?? MALFORMED;
  const body = JSON.stringify({ error });
  return `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

// A client that goes away or sends bytes that are no HTTP is not a fault of the server.
const CLIENT_SIDE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_HTTP_REQUEST_TIMEOUT']);

function isClientSide(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (CLIENT_SIDE_CODES.has(code) || code.startsWith('HPE_'));
}

// Host middleware (the demo's routes) may throw Koa's own HTTP errors; they get the nearest SPEC code.
const CODE_BY_STATUS = new Map<number, ErrorCode>([
  [400, 'invalid_request'], [401, 'unauthorized'], [404, 'not_found'], [409, 'conflict'],
  [413, 'payload_too_large'], [415, 'unsupported_media_type'], [429, 'rate_limited'],
]);

/** `/aforo/` → `/aforo`, `/` → ``; anything not starting with `/` is refused. */
export function normalisePrefix(prefix: string): string {
  if (prefix !== '' && !/^\/[A-Za-z0-9._~\-/]*$/.test(prefix)) {
    throw new UsageError('--prefix must be a path such as /aforo (or / for the root)');
  }
  return prefix.replace(/\/+$/, '');
}

function urlHost(host: string, forIssuer: boolean): string {
  if (forIssuer && (host === '0.0.0.0' || host === '::' || host === '')) return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

function resolveMailer(option: string | Mailer | undefined, issuer: string, from: string | undefined): Mailer {
  if (option !== undefined && typeof option !== 'string') return option;
  if (option === undefined || option === 'console') return consoleMailer();
  if (/^smtps?:\/\//.test(option)) return smtpMailer({ url: option, from: from ?? `no-reply@${new URL(issuer).hostname}` });
  throw new UsageError('--smtp must be console or an smtp:// or smtps:// URL');
}

function send(ctx: Koa.Context, response: PlainResponse): void {
  ctx.status = response.status;
  ctx.set(response.headers);
  ctx.body = response.body;
}

/** The last word on any error below the engine: the SPEC's envelope, never a stack. */
function errorEnvelope(logger: Logger): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (ctx.req.destroyed && isClientSide(error)) {
        // The client went away or was cut off (request timeout) while its body was read; no one reads an answer.
        logger.info({ err: errorFields(error), method: ctx.method, path: maskPath(ctx.path) }, 'request aborted');
        return;
      }
      const status = (error as { status?: unknown }).status;
      const expose = error instanceof BridgeError || (error as { expose?: unknown }).expose === true;
      let refusal: BridgeError;
      if (expose && typeof status === 'number' && status >= 400 && status < 500) {
        refusal = error instanceof BridgeError ? error : new BridgeError(CODE_BY_STATUS.get(status) ?? 'invalid_request', (error as Error).message);
      } else {
        logger.error({ err: errorFields(error), method: ctx.method, path: maskPath(ctx.path) }, 'request failed');
        refusal = new BridgeError('internal', 'internal error');
      }
      send(ctx, errorResponse(refusal));
    }
  };
}

function notFound(): Koa.Middleware {
  return async (ctx) => send(ctx, errorResponse(new BridgeError('not_found', 'nothing is served at this path')));
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Starts the standalone server: the engine (widget API, bundle, admin API) under `prefix` in a Koa app, a 404
 * envelope for everything else. Resolves once the storage is reachable and the engine key is loaded.
 *
 * @example
 * const server = await startServer({ port: 0, storage: 'memory', adminToken: process.env.AFORO_ADMIN_TOKEN });
 * console.log(server.url); // http://0.0.0.0:41234
 * await server.close();
 */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '0.0.0.0';
  const prefix = normalisePrefix(options.prefix ?? '/aforo');
  const logger = options.logger ?? silentLogger;
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs < 1 || requestTimeoutMs > 3_600_000) {
    throw new UsageError('--request-timeout must be between 1 and 3600 seconds');
  }
  if (options.masterKey === undefined) logger.warn({}, NO_MASTER_KEY_WARNING);
  const storageOption = options.storage ?? DEFAULT_STORAGE;
  let storage: Storage;
  if (typeof storageOption === 'string') {
    storage = await prepareStorage(storageOption, { err: (line) => logger.info({}, line.replace(/^note: /, '')) });
  } else {
    storage = storageOption;
    await storage.init().catch((error: unknown) => {
      throw new StorageUnavailable(`cannot open storage: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  // The engine needs its issuer, which may name the port; so the socket opens first and answers 503 until ready.
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  let closing = false;
  const inFlight = new Set<ServerResponse>();
  // The response a connection is working on, so a client error on it is answered only while nothing was sent.
  const current = new WeakMap<Duplex, ServerResponse>();
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    inFlight.add(res);
    current.set(req.socket, res);
    res.once('close', () => {
      inFlight.delete(res);
      if (current.get(req.socket) === res) current.delete(req.socket);
      // A keep-alive connection that just went idle would otherwise hold shutdown until the drain timeout.
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    if (closing) res.setHeader('connection', 'close');
    // A body over the cap is never read (SPEC section 5), whoever answers (a path the engine does not serve, too).
    if (declaresOverCap(req.headers)) res.setHeader('connection', 'close');
    // HTTP/1.1 needs Host; Node's own refusal has no body, this one is the envelope.
    if (req.headers.host === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor === 1) {
      return answerPlain(res, 400, { code: 'invalid_request', message: 'an HTTP/1.1 request needs a Host header' });
    }
    if (handler) return handler(req, res);
    res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' });
    res.end(JSON.stringify({ error: { code: 'internal', message: 'starting' } }));
  };
  const server = createServer({
    // A client that trickles its headers or body would otherwise hold a socket (and a slot) for as long as it likes.
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(requestTimeoutMs, MAX_HEADERS_TIMEOUT_MS),
    // Node looks for overdue requests only this often; the default (30 s) would let a short timeout run long.
    connectionsCheckingInterval: Math.max(250, Math.min(5_000, Math.floor(requestTimeoutMs / 4))),
    // Checked in onRequest, so the refusal is the envelope.
    requireHostHeader: false,
  }, onRequest);
  // Expect: 100-continue invites the body only when it may be read; a declared body over the cap gets its final
  // answer (413 on the engine's routes) without the invitation.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!declaresOverCap(req.headers)) res.writeContinue();
    onRequest(req, res);
  });

  // Replaces Node's default answer to a request it cannot parse or that timed out, which is the same but has no
  // log line. The error is logged by its name, code and message only: it carries the raw bytes of the request.
  server.on('clientError', (error: Error, socket: Duplex) => {
    const fields = errorFields(error);
    logger.info({ err: fields }, 'client error');
    const pending = current.get(socket);
    if (fields.code !== 'ECONNRESET' && socket.writable && (!pending || !pending.headersSent)) {
      socket.write(clientErrorAnswer(fields.code));
    }
    socket.destroy();
  });

  // Node answers an Expect other than 100-continue with a bare 417 of its own; this one is the envelope, with the
  // status of its code. The request is not handed on: a client that expects what the server cannot give sends no body.
  server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    answerPlain(res, 400, { code: 'invalid_request', message: 'only Expect: 100-continue is supported' });
  });

  let port: number;
  try {
    port = await listen(server, options.port ?? 8787, host);
  } catch (error) {
    await storage.close().catch(() => undefined);
    throw error;
  }
  const url = `http://${urlHost(host, false)}:${port}`;
  const issuer = options.issuer ?? `http://${urlHost(host, true)}:${port}${prefix}`;

  let bridge: Bridge;
  try {
    bridge = createBridge({
      storage,
      mailer: resolveMailer(options.mailer, issuer, options.mailFrom),
      issuer,
      logger,
      ...(options.adminToken !== undefined ? { adminToken: options.adminToken } : {}),
      ...(options.masterKey !== undefined ? { masterKey: options.masterKey } : {}),
      ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
      ...(options.ipRateLimit !== undefined ? { ipRateLimit: options.ipRateLimit } : {}),
      ...(options.adminRateLimit !== undefined ? { adminRateLimit: options.adminRateLimit } : {}),
      studio: options.studio ?? true,
      ...options.engine,
    });
  } catch (error) {
    server.close();
    await storage.close().catch(() => undefined);
    throw error;
  }
  try {
    await readyBridge(bridge);
    const app = new Koa();
    // X-Forwarded-For is the engine's business (trustProxy); Koa must not believe it on its own.
    app.proxy = false;
    app.on('error', (error: unknown) => {
      if (isClientSide(error)) logger.info({ err: errorFields(error) }, 'connection error');
      else logger.error({ err: errorFields(error) }, 'server error');
    });
    app.use(errorEnvelope(logger));
    app.use(koaBridge(bridge, { prefix }));
    await options.setup?.({ app, bridge, url, port });
    app.use(notFound());
    handler = app.callback();
  } catch (error) {
    server.close();
    await bridge.close().catch(() => undefined);
    throw error;
  }

  let closed: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      closing = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), drainTimeoutMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      await bridge.close();
    })());

  return { url, port, prefix, issuer, bridge, close };
}
