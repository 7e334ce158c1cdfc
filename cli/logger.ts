import pino from 'pino';
import type { Logger } from '../lib/config.js';

/** Fields that may carry a credential or personal data anywhere in a log object; pino replaces them. */
const REDACT_PATHS = [
  'authorization', '*.authorization', 'headers.authorization', 'headers.cookie',
  'token', '*.token', 'bridgeToken', '*.bridgeToken', 'sessionJwt', '*.sessionJwt',
  'secret', '*.secret', 'privateKeyPem', '*.privateKeyPem', 'adminToken', 'masterKey',
  'email', '*.email', 'to', '*.to', 'link', '*.link',
];

// `@` as typed, percent-encoded once (`%40`, a path or query) or twice (`%2540`, a URL inside a query).
const EMAIL = /[^\s@"'<>]+(?:@|%40|%2540)([^\s@"'<>%]+\.[^\s@"'<>]+)/gi;
// A JWT, or the start of one cut short by a length bound: `eyJ` is the base64url of `{"`.
const JWT = /eyJ[A-Za-z0-9_-]{6,}(?:\.[A-Za-z0-9_-]*){0,2}/g;
const MAGIC = /aforo_magic_token=[A-Za-z0-9_-]+/g;

/** Masks what redaction by path cannot reach: secrets, emails, JWTs and magic tokens inside free text. */
export function scrub(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 8) out = out.split(secret).join('[redacted]');
  return out.replace(JWT, '[jwt]').replace(MAGIC, 'aforo_magic_token=[redacted]').replace(EMAIL, '***@$1');
}

/** What of an error a log line keeps. */
export interface ErrorFields {
  name: string;
  code?: string;
  message: string;
}

/**
 * The only fields of a thrown value that may reach a log: a short name, its code and its scrubbed, bounded message.
 * Never the object itself: a parse error carries the raw bytes of the request (`rawPacket`: headers with the admin
 * token, a body with an email), a driver error its parameters, and redaction by path sees neither.
 */
export function errorFields(error: unknown, secrets: readonly string[] = []): ErrorFields {
  if (typeof error !== 'object' || error === null) return { name: typeof error, message: 'a non-Error value was thrown' };
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  return {
    name: typeof name === 'string' ? name.slice(0, 40) : 'Error',
    ...(typeof code === 'string' || typeof code === 'number' ? { code: String(code).slice(0, 60) } : {}),
    // Scrubbed before it is cut, so the cut cannot leave half a token the patterns no longer recognise.
    message: typeof message === 'string' ? scrub(message.slice(0, 2000), secrets).slice(0, 300) : '',
  };
}

const MAX_DEPTH = 4;

// A caller that puts an error or a byte array under any other key is caught here too.
function reduce(value: unknown, depth: number): unknown {
  if (value instanceof Error) return errorFields(value);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return '[bytes]';
  if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => reduce(item, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = reduce(item, depth + 1);
  return out;
}

/**
 * The standalone server's logger: pino, JSON lines on standard error, level from `--log-level` /
 * `AFORO_LOG_LEVEL` (default info). Credential and email fields are redacted by path, an `err` field (from any
 * caller, the engine included) is cut down to `{ name, code, message }`, and every line is scrubbed once more as
 * text, so a token inside an error message does not get through either.
 */
export function serveLogger(level: string, secrets: Array<string | undefined>): Logger {
  const known = secrets.filter((s): s is string => typeof s === 'string' && s.length > 0);
  const destination = pino.destination({ fd: 2, sync: false });
  const scrubbing = {
    write(line: string) {
      destination.write(scrub(line, known));
    },
  };
  const toFields = (value: unknown): ErrorFields => errorFields(value, known);
  return pino(
    {
      level,
      base: { name: 'aforo-bridge' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: toFields, error: toFields },
      formatters: { log: (object) => reduce(object, 0) as Record<string, unknown> },
    },
    scrubbing,
  );
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
