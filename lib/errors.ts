/** The closed list of error codes the engine answers with (SPEC section 5), and their HTTP status. */
export const ERROR_STATUS = {
  invalid_request: 400,
  return_url_not_allowed: 400,
  embed_key_invalid: 401,
  origin_not_allowed: 403,
  bridge_token_invalid: 401,
  bridge_token_expired: 401,
  bridge_token_replayed: 401,
  signing_key_unknown: 401,
  signing_key_revoked: 401,
  session_invalid: 401,
  session_expired: 401,
  magic_link_invalid: 401,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  upstream_failed: 502,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * The one error class of the engine: a stable `code`, its HTTP `status`, and a message safe to show.
 * Anything thrown that is not a BridgeError is answered as `internal` with no detail.
 */
export class BridgeError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Seconds until a rate-limited caller may try again (`rate_limited` only). */
  readonly retryAfter?: number;

  constructor(code: ErrorCode, message: string, options?: { retryAfter?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BridgeError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    if (options?.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }
}

/** Thrown by `createBridge` when an option is missing or invalid; the message names the option. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function isBridgeError(value: unknown): value is BridgeError {
  return value instanceof BridgeError;
}

/**
 * What of a thrown value may reach a log: its name, code, message and stack, each bounded. Never the object
 * itself, whose other fields (a parser's raw packet, a driver's parameters) may hold credentials or emails.
 */
export function loggableError(error: unknown): { name: string; code?: string; message: string; stack?: string } {
  if (!(error instanceof Error)) return { name: typeof error, message: 'a non-Error value was thrown' };
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name.slice(0, 80),
    ...(typeof code === 'string' ? { code: code.slice(0, 80) } : {}),
    message: error.message.slice(0, 500),
    ...(error.stack ? { stack: error.stack.slice(0, 2000) } : {}),
  };
}
