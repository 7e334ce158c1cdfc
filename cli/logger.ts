import pino from 'pino';
import type { Logger } from '../lib/config.js';

/** Fields that may carry a credential or personal data anywhere in a log object; pino replaces them. */
const REDACT_PATHS = [
  'authorization', '*.authorization', 'headers.authorization', 'headers.cookie',
  'token', '*.token', 'bridgeToken', '*.bridgeToken', 'sessionJwt', '*.sessionJwt',
  'secret', '*.secret', 'privateKeyPem', '*.privateKeyPem', 'adminToken', 'masterKey',
  'email', '*.email', 'to', '*.to', 'link', '*.link',
];

const EMAIL = /[^\s@"'<>]+@([^\s@"'<>]+\.[^\s@"'<>]+)/g;
const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;
const MAGIC = /aforo_magic_token=[A-Za-z0-9_-]+/g;

/** Masks what redaction by path cannot reach: secrets, emails, JWTs and magic tokens inside free text. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text.replace(JWT, '[jwt]').replace(MAGIC, 'aforo_magic_token=[redacted]').replace(EMAIL, '***@$1');
  for (const secret of secrets) if (secret.length >= 8) out = out.split(secret).join('[redacted]');
  return out;
}

/**
 * The standalone server's logger: pino, JSON lines on standard error, level from `--log-level` /
 * `AFORO_LOG_LEVEL` (default info). Credential and email fields are redacted by path, and every line is scrubbed
 * once more as text, so a token inside an error message does not get through either.
 */
export function serveLogger(level: string, secrets: Array<string | undefined>): Logger {
  const known = secrets.filter((s): s is string => typeof s === 'string' && s.length > 0);
  const destination = pino.destination({ fd: 2, sync: false });
  const scrubbing = {
    write(line: string) {
      destination.write(scrub(line, known));
    },
  };
  return pino({ level, base: { name: 'aforo-bridge' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, scrubbing);
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
