import { BridgeError } from './errors.js';
import { declaresOverCap, MAX_BODY_BYTES, type PlainRequest, type PlainResponse } from './http.js';
import { isCleanString, jsonProblem } from './validate.js';

/**
 * The engine's edge, shared by the request handler, the admin routes, the adapters and `serve`: the one helper
 * that builds the error envelope, JSON answers, and the reading and text checks every request goes through.
 */

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
export function json(status: number, body: unknown, headers: Record<string, string> = {}): PlainResponse {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body: body === null ? null : JSON.stringify(body) };
}

export function errorResponse(error: BridgeError, headers: Record<string, string> = {}): PlainResponse {
  const extra: Record<string, string> = error.retryAfter !== undefined ? { 'retry-after': String(error.retryAfter) } : {};
  // A refused oversized body may still be on its way: the connection ends with this answer instead of reading it.
  if (error.code === 'payload_too_large') extra.connection = 'close';
  return json(error.status, { error: { code: error.code, message: error.message } }, { ...headers, ...extra });
}

const MAX_BODY_DEPTH = 16;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const MAX_QUERY_VALUE = 2048;
// Header values the engine reads; Node's parser already refuses NUL in headers, in-process callers may not.
const READ_HEADERS = ['x-aforo-tenant', 'x-aforo-embed-key', 'origin', 'authorization', 'user-agent', 'content-type', 'x-forwarded-for'];

function refuse(message: string): never {
  throw new BridgeError('invalid_request', message);
}

const BODY_PROBLEMS = {
  string: 'the body has a string that is not well-formed text or holds a NUL',
  key: 'the body has a field name that is not allowed',
  depth: 'the body is nested too deeply',
} as const;

/**
 * The edge check of SPEC section 5 for everything but the body: the path, every query value and the headers the
 * engine reads must be well-formed text with no NUL (raw or percent-encoded), before any storage call.
 */
export function checkRequestStrings(request: PlainRequest): void {
  if (!isCleanString(request.path) || /%00/i.test(request.path)) refuse('the path holds a NUL or malformed text');
  for (const [name, value] of Object.entries(request.query)) {
    if (typeof value !== 'string' || !isCleanString(name) || !isCleanString(value) || value.length > MAX_QUERY_VALUE) {
      refuse(`query parameter ${JSON.stringify(name.slice(0, 40))} is malformed or too long`);
    }
  }
  for (const name of READ_HEADERS) {
    const value = request.headers[name];
    if (value !== undefined && (typeof value !== 'string' || !isCleanString(value))) refuse(`the ${name} header is malformed`);
  }
}

/** Reads a JSON body: size cap, media type, parse, edge check. A body the host already parsed is taken as it is. */
export function readJsonBody(request: PlainRequest): unknown {
  const { body } = request;
  if (declaresOverCap(request.headers)) throw new BridgeError('payload_too_large', 'the body is larger than 16 KiB');
  if (body === undefined || body === null) return undefined;
  if (typeof body !== 'string' && !Buffer.isBuffer(body)) {
    checkBody(body);
    return body;
  }
  const size = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  if (size > MAX_BODY_BYTES) throw new BridgeError('payload_too_large', 'the body is larger than 16 KiB');
  if (size === 0) return undefined;
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    throw new BridgeError('unsupported_media_type', 'the body must be application/json');
  }
  let text: string;
  try {
    // Fatal decoding: bytes that are not UTF-8 are refused, not turned into U+FFFD and stored.
    text = typeof body === 'string' ? body : UTF8.decode(body);
  } catch {
    throw new BridgeError('invalid_request', 'the body is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BridgeError('invalid_request', 'the body is not valid JSON');
  }
  checkBody(parsed);
  return parsed;
}

/** Every body the engine takes is one JSON object (SPEC sections 5 and 8): `null`, arrays and scalars are 400. */
function checkBody(value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) refuse('the body must be a JSON object');
  const problem = jsonProblem(value, MAX_BODY_DEPTH);
  if (problem) refuse(BODY_PROBLEMS[problem]);
}


const MAYBE_PERSONAL = /@|%40|eyJ|\/customers\//i;

/**
 * A path as logs and the audit trail may keep it: a customer's externalId (often an email) becomes its parameter
 * name, and any segment holding an `@` or looking like a JWT is masked. Bounded to 200 characters.
 */
export function maskPath(path: string): string {
  const bounded = path.slice(0, 200);
  // Most paths hold nothing to mask: one test instead of splitting every request's path.
  if (!MAYBE_PERSONAL.test(bounded)) return bounded;
  return bounded
    .replace(/\/customers\/[^/]+/, '/customers/:externalId')
    .split('/')
    .map((segment) => (/@|%40/i.test(segment) ? '[email]' : /^eyJ/.test(segment) ? '[jwt]' : segment))
    .join('/');
}
