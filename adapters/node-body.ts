import type { IncomingMessage } from 'node:http';
import { declaresOverCap, MAX_BODY_BYTES } from '../lib/http.js';

/** Marks a body that went over the cap; the engine answers it with 413. */
export const OVERSIZED = Buffer.alloc(MAX_BODY_BYTES + 1);

/**
 * Reads a raw request body with the engine's 16 KiB cap. Past the cap it stops reading and returns a marker
 * the engine refuses with 413, so a large upload costs at most the cap in memory.
 */
export function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return Promise.resolve(undefined);
  if (req.readableEnded) return Promise.resolve(undefined);
  // A declared length over the cap is refused before a byte of the body is read (SPEC section 5); the engine's
  // 413 answer closes the connection, so the unread body is never taken in either.
  if (declaresOverCap(req.headers)) return Promise.resolve(OVERSIZED);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.off('data', onData);
        req.resume();
        resolve(OVERSIZED);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(size > MAX_BODY_BYTES ? OVERSIZED : chunks.length ? Buffer.concat(chunks) : undefined));
    req.once('error', reject);
  });
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const NOT_ASCII = /[^\x00-\x7f]/;

/**
 * Node hands header bytes over as Latin-1, one character per byte, so a header sent as UTF-8 arrives as other
 * well-formed text and bytes that are no UTF-8 at all (a lone surrogate's, say) pass unnoticed. A value with
 * bytes over 0x7F is read again as UTF-8; one that is not UTF-8 becomes a NUL, which the engine's edge refuses
 * with 400 for the headers it reads (SPEC section 5), as a query value is treated.
 */
function headerText(value: string): string {
  if (!NOT_ASCII.test(value)) return value;
  try {
    return UTF8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return '\u0000';
  }
}

/** Lower-cased headers with repeated values joined, as the engine expects. */
export function plainHeaders(headers: IncomingMessage['headers']): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = headerText(Array.isArray(value) ? value.join(', ') : value);
  }
  return out;
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    // A malformed escape or bytes that are not UTF-8 (a lone surrogate as %ED%A0%80): URLSearchParams would turn
    // them into U+FFFD, which passes as text. A NUL in their place is refused at the engine's edge with 400.
    return '\u0000';
  }
}

/** First value of each query parameter of a raw query string (no `?`), decoded strictly as UTF-8. */
export function plainQuery(search: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of search.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const name = decodeComponent(at === -1 ? pair : pair.slice(0, at));
    if (!Object.hasOwn(out, name)) out[name] = decodeComponent(at === -1 ? '' : pair.slice(at + 1));
  }
  return out;
}
