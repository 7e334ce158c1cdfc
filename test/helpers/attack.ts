/**
 * The attack battery: hostile input at every field of every widget route (SPEC section 5) and every admin route
 * (section 8, read from the route table), sent over raw HTTP so any byte can be put anywhere, and judged by the
 * contract: never a 5xx, every refusal the `{ error: { code, message } }` envelope with a SPEC code and the status
 * that code has, no stack trace, secret or echoed credential in any answer, and the specific code each rule names.
 *
 * It knows nothing of how the engine is built or stored: it takes a running base URL and the fixture data of two
 * tenants, and hands back groups of cases. One group is one route x field; its run answers the list of failures,
 * each naming the value that broke the contract, so one failing test says which route, field and value.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { ADMIN_ROUTES, WIDGET_ROUTES } from '../../lib/routes.js';
import { makeResumeKey, resumeProof, type ResumeKeyPair } from './resume-proof.js';

// ---- the target ----------------------------------------------------------------------------------------------

/** One tenant as the battery uses it: everything was created through the admin API by the fixture. */
export interface AttackTenant {
  slug: string;
  embedKey: string;
  embedKeyId: string;
  /** The promoted HS256 key the tenant's backend signs with. */
  kid: string;
  secret: string;
  /** A valid session of `sessionExternalId`, made by a bridge exchange. */
  sessionJwt: string;
  sessionExternalId: string;
  /** A customer with an email (magic links sign it in). */
  knownExternalId: string;
  knownEmail: string;
  offeringId: string;
  /** An invoice of `sessionExternalId`. */
  invoiceId: string;
  invoiceNumber: string;
  /** An ACTIVE subscription of `sessionExternalId`, and one of `knownExternalId` (another customer of the tenant). */
  subscriptionId: string;
  otherSubscriptionId: string;
  /** Spare keys the admin cases may change without touching the ones above. */
  patchKeyId: string;
  revokeKeyId: string;
  promoteKid: string;
  revokeKid: string;
}

/** What the battery needs from a running engine: where it is, two tenants, and three ways to get credentials. */
export interface AttackTarget {
  /** The mount, e.g. `http://127.0.0.1:4711/aforo`. */
  base: string;
  /** The engine's configured issuer: resume proofs are made for `${issuer}/v1/embed/auth/resume`. */
  issuer: string;
  /** An origin on both tenants' embed-key allowlists. */
  origin: string;
  adminToken: string;
  a: AttackTenant;
  b: AttackTenant;
  /** The engine's clock, in seconds (bridge tokens are minted against it). */
  now(): number;
  /** A valid bridge token of `tenant` for `externalId` (lib/mint.ts). */
  mintBridgeToken(tenant: AttackTenant, externalId?: string): Promise<string>;
  /** A fresh, unused magic-link token of `tenant.knownEmail`, read from the outbox. */
  magicToken(tenant: AttackTenant): Promise<string>;
  /** Every credential the run has seen (secrets, tokens, JWTs): the log check looks for each. */
  seen: Set<string>;
}

/** A group of cases: one route x field. `run` answers the failures, each naming its value. */
export interface AttackGroup {
  name: string;
  run(t: AttackTarget): Promise<string[]>;
}

// ---- the wire ------------------------------------------------------------------------------------------------

export interface WireAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: unknown;
}

export interface WireRequest {
  method: string;
  /** Below the mount, sent byte for byte (percent-escapes stay as written). */
  path: string;
  /** Strings go out as UTF-8, Buffers as they are: a NUL or a lone surrogate's bytes reach the socket. */
  headers?: Array<[string, string | Buffer]>;
  body?: Buffer;
  /** A declared Content-Length other than the body's own. */
  contentLength?: number;
}

/** One request on its own connection, written by hand: no client library may clean a header or a path. */
export function wire(base: string, request: WireRequest, timeoutMs = 15_000): Promise<WireAnswer> {
  const url = new URL(base);
  const prefix = url.pathname.replace(/\/$/, '');
  const lines: Buffer[] = [Buffer.from(`${request.method} ${prefix}${request.path} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n`, 'latin1')];
  for (const [name, value] of request.headers ?? []) {
    lines.push(Buffer.from(`${name}: `, 'latin1'), Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8'), Buffer.from('\r\n'));
  }
  const length = request.contentLength ?? request.body?.length ?? (['POST', 'PUT', 'PATCH'].includes(request.method) ? 0 : undefined);
  if (length !== undefined) lines.push(Buffer.from(`Content-Length: ${length}\r\n`));
  lines.push(Buffer.from('\r\n'));
  if (request.body) lines.push(request.body);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      socket.destroy();
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) {
        if (error) reject(error);
        else resolve({ status: 0, headers: {}, text: all.toString('latin1'), json: null });
        return;
      }
      const [statusLine, ...headerLines] = all.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      let body: Buffer = all.subarray(end + 4);
      if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = unchunk(body);
      const text = body.toString('utf8');
      let json: unknown = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = null;
      }
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, text, json });
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`no answer within ${timeoutMs} ms`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    // A server that answers 413 and closes may reset the connection while the body is still going out.
    socket.on('error', (error) => finish(error));
    socket.write(Buffer.concat(lines));
  });
}

function unchunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const eol = body.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
    if (!size) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

// ---- JSON with raw parts -------------------------------------------------------------------------------------

/** A JSON fragment put into a body as written: deep nesting, prototype keys, bytes that are not UTF-8. */
export class RawJson {
  constructor(readonly bytes: Buffer) {}
}
const raw = (text: string | Buffer) => new RawJson(Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'));

/** JSON.stringify, but RawJson values go in verbatim. Lone surrogates come out as `\ud800` escapes (ES2019). */
export function encodeJson(value: unknown): Buffer {
  if (value instanceof RawJson) return value.bytes;
  const raws: Buffer[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof RawJson ? `@@raw${raws.push(v.bytes) - 1}@@` : v));
  if (text === undefined) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of text.matchAll(/"@@raw(\d+)@@"/g)) {
    parts.push(Buffer.from(text.slice(last, match.index), 'utf8'), raws[Number(match[1])]);
    last = (match.index ?? 0) + match[0].length;
  }
  parts.push(Buffer.from(text.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

/** `{"<key>":<raw>, …body}` as text: an own `__proto__` key that no object literal would keep. */
function withRawKey(body: unknown, key: string, rawValue: string): Buffer {
  const rest = encodeJson(body).toString('utf8').slice(1);
  return Buffer.from(`{"${key}":${rawValue}${rest === '}' ? '' : ','}${rest}`, 'utf8');
}

// ---- the contract's answers ----------------------------------------------------------------------------------

/** The codes of SPEC section 5 and their status. */
export const SPEC_STATUS: Readonly<Record<string, number>> = {
  invalid_request: 400, return_url_not_allowed: 400, embed_key_invalid: 401, origin_not_allowed: 403,
  bridge_token_invalid: 401, bridge_token_expired: 401, bridge_token_replayed: 401, signing_key_unknown: 401,
  signing_key_revoked: 401, session_invalid: 401, session_expired: 401, magic_link_invalid: 401, not_found: 404,
  payload_too_large: 413, unsupported_media_type: 415, rate_limited: 429, unauthorized: 401, conflict: 409, internal: 500,
};

type Outcome = number | string;
/** Which answers a case allows: success statuses and error codes, or anything that keeps the general rules. */
export interface Expect {
  allow: Outcome[] | 'any';
  /** Also allow Node's own bare 400 of a request its HTTP parser refused (a NUL in a header never reaches the engine). */
  parser400?: boolean;
  /** Also allow the host's own 404 for a path the engine does not serve (it passes those on, SPEC section 1). */
  hostNotFound?: boolean;
  /** Outcomes refused even under `any`. */
  deny?: Outcome[];
}
const is = (...allow: Outcome[]): Expect => ({ allow });
const TOLERATED: Expect = { allow: 'any' };
const INVALID = is('invalid_request');

const STACK_OR_INTERNALS = [
  /\n\s+at\s/, /\bat\s+[\w.<>]+\s+\([^)]*:\d+:\d+\)/, /\.(?:ts|js|mjs|cjs):\d+/, /node_modules/, /\/work\//,
  /SQLITE_|SqliteError|duplicate key|violates|syntax error at|relation "|knex|mikro-?orm/i,
  /\b(?:TypeError|ReferenceError|RangeError|SyntaxError)\b/,
];

function describeOutcome(outcome: Outcome): string {
  return typeof outcome === 'number' ? String(outcome) : `${SPEC_STATUS[outcome] ?? '?'} ${outcome}`;
}

function errorCodeOf(answer: WireAnswer): string | null {
  const body = answer.json as { error?: { code?: unknown; message?: unknown } } | null;
  if (!body || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length !== 1) return null;
  const error = body.error;
  if (!error || typeof error !== 'object' || typeof error.code !== 'string' || typeof error.message !== 'string') return null;
  return error.code;
}

function got(answer: WireAnswer): string {
  if (answer.status >= 400) {
    const code = errorCodeOf(answer);
    return code ? `${answer.status} ${code}` : `${answer.status} ${JSON.stringify(answer.text.slice(0, 80))}`;
  }
  return String(answer.status);
}

/** What of the answer leaks: a stack, an engine internal, a secret, or (in a refusal) a JWT. */
function leakIn(answer: WireAnswer, t: AttackTarget): string | null {
  for (const pattern of STACK_OR_INTERNALS) if (pattern.test(answer.text)) return `internals (${pattern})`;
  for (const secret of [t.adminToken, t.a.secret, t.b.secret]) if (answer.text.includes(secret)) return 'a secret';
  if (answer.status >= 400 && /eyJ[A-Za-z0-9_-]{8,}\.eyJ/.test(answer.text)) return 'a JWT';
  return null;
}

/** Null when the answer keeps the contract for this case, else one line saying what was wanted and what came. */
export function judge(label: string, expect: Expect, answer: WireAnswer, t: AttackTarget): string | null {
  const wanted = expect.allow === 'any' ? 'no 5xx' : expect.allow.map(describeOutcome).join(' or ');
  if (answer.status === 0) return `${label}: no HTTP answer (${JSON.stringify(answer.text.slice(0, 60))})`;
  const session = (answer.json as { sessionJwt?: unknown } | null)?.sessionJwt;
  if (typeof session === 'string') t.seen.add(session);
  if (answer.status >= 500) return `${label}: expected ${wanted}, got ${got(answer)}`;
  const leak = leakIn(answer, t);
  if (leak) return `${label}: the ${answer.status} answer leaks ${leak}: ${JSON.stringify(answer.text.slice(0, 120))}`;
  let outcome: Outcome = answer.status;
  if (answer.status >= 400) {
    if (expect.parser400 && answer.status === 400 && answer.text === '') return null;
    if (expect.hostNotFound && answer.status === 404 && errorCodeOf(answer) === null) return null;
    const code = errorCodeOf(answer);
    if (code === null) return `${label}: expected ${wanted}, got ${got(answer)} without the JSON error envelope`;
    if (!(code in SPEC_STATUS)) return `${label}: ${code} is not a SPEC error code`;
    if (SPEC_STATUS[code] !== answer.status) return `${label}: ${code} came with ${answer.status}, the SPEC gives it ${SPEC_STATUS[code]}`;
    if (code === 'rate_limited' && !answer.headers['retry-after']) return `${label}: 429 rate_limited without Retry-After`;
    outcome = code;
  } else if (answer.status !== 204 && !/application\/json/.test(answer.headers['content-type'] ?? '')) {
    return `${label}: a ${answer.status} answer that is not JSON`;
  }
  if (expect.deny?.includes(outcome)) return `${label}: expected anything but ${describeOutcome(outcome)}, got it`;
  if (expect.allow === 'any' || expect.allow.includes(outcome)) return null;
  return `${label}: expected ${wanted}, got ${got(answer)}`;
}

// ---- running -------------------------------------------------------------------------------------------------

/** Runs `work` over `items`, `size` at a time. */
export async function pool<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]);
    }
  });
  await Promise.all(lanes);
  return out;
}

interface AttackCase {
  label: string;
  expect: Expect;
  send(): Promise<WireAnswer>;
}

const PARALLEL = 8;

function caseGroup(name: string, build: (t: AttackTarget) => AttackCase[] | Promise<AttackCase[]>): AttackGroup {
  return {
    name,
    async run(t) {
      let cases: AttackCase[];
      try {
        cases = await build(t);
      } catch (error) {
        return [`the battery could not build this group: ${(error as Error).message}`];
      }
      const verdicts = await pool(cases, PARALLEL, async (c) => {
        try {
          const answer = await c.send();
          if (process.env.AFORO_ATTACK_TRACE) process.stderr.write(`${c.label.slice(0, 160)} -> ${got(answer)}\n`);
          return judge(c.label, c.expect, answer, t);
        } catch (error) {
          return `${c.label}: the request failed (${(error as Error).message})`;
        }
      });
      return verdicts.filter((v): v is string => v !== null);
    },
  };
}

function customGroup(name: string, run: (t: AttackTarget, fail: (message: string) => void) => Promise<void>): AttackGroup {
  return {
    name,
    async run(t) {
      const failures: string[] = [];
      try {
        await run(t, (message) => failures.push(message));
      } catch (error) {
        failures.push(`the group threw: ${(error as Error).message}`);
      }
      return failures;
    },
  };
}

// ---- hostile values ------------------------------------------------------------------------------------------

const TEN_KB = 'a'.repeat(10 * 1024);
/** The bytes a UTF-8 encoder would write for U+D800 / U+DFFF, which no UTF-8 decoder may accept. */
const SURROGATE_BYTES = Buffer.from([0xed, 0xa0, 0x80]);
const LOW_SURROGATE_BYTES = Buffer.from([0xed, 0xbf, 0xbf]);
const DEEP = raw(`${'['.repeat(5000)}${']'.repeat(5000)}`);
const NOT_UTF8_STRING = raw(Buffer.concat([Buffer.from('"victim'), SURROGATE_BYTES, Buffer.from('"')]));
const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');

interface Hostile {
  label: string;
  value: unknown;
  expect: Expect;
}
const h = (label: string, value: unknown, expect: Expect = INVALID): Hostile => ({ label, value, expect });

/** Strings no field may take: 400 invalid_request wherever they go. */
const MALFORMED_STRINGS: Hostile[] = [
  h('a NUL', 'x\u0000'),
  h('a lone high surrogate', 'victim\ud800'),
  h('a lone low surrogate', 'victim\udfff'),
  h('10 KB', TEN_KB),
  h('bytes that are not UTF-8', NOT_UTF8_STRING),
];
/** Odd but well-formed strings: whatever the field says of them, never a 5xx. */
const ODD_STRINGS: Hostile[] = [
  h('an RTL override', 'x\u202e', TOLERATED),
  h('a zero-width space', 'x\u200b', TOLERATED),
  h('a number as a string', '123', TOLERATED),
  h('an empty string', '', TOLERATED),
  h('"__proto__"', '__proto__', TOLERATED),
  h('"constructor"', 'constructor', TOLERATED),
  h('SQL', "x'; drop table customers; --", TOLERATED),
  h('a literal %00', '%00', TOLERATED),
];
function wrongTypes(nullable: boolean): Hostile[] {
  return [
    h('a number', 123), h('a fraction', 1.5), h('true', true), h('false', false), h('an array', ['x']), h('an empty array', []),
    h('an object', { a: 1 }), h('nesting 5000 deep', DEEP), h('null', null, nullable ? TOLERATED : INVALID),
  ];
}

// ---- requests ------------------------------------------------------------------------------------------------

type HeaderValue = string | Buffer;
const RETURN_URL = 'https://shop.example.com/account';

function bearer(jwt: string): string {
  return `Bearer ${jwt}`;
}

/** A session of `tenant` made through the widget API, for cases that end or spend one. */
export async function newSession(t: AttackTarget, tenant: AttackTenant, externalId = tenant.sessionExternalId): Promise<string> {
  const token = await t.mintBridgeToken(tenant, externalId);
  t.seen.add(token);
  const answer = await wire(t.base, {
    method: 'POST', path: '/v1/embed/auth/bridge',
    headers: [['Origin', t.origin], ['X-Aforo-Tenant', tenant.slug], ['X-Aforo-Embed-Key', tenant.embedKey], ['Content-Type', 'application/json']],
    body: encodeJson({ bridgeToken: token }),
  });
  const jwt = (answer.json as { sessionJwt?: unknown } | null)?.sessionJwt;
  if (answer.status !== 200 || typeof jwt !== 'string') throw new Error(`a valid exchange failed: ${got(answer)}`);
  t.seen.add(jwt);
  return jwt;
}

interface WidgetSpec {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  /** What the request with every field valid answers. */
  ok: Expect;
  /** A shared session (refresh, me, invoices) or a fresh one per case (logout, which ends it). */
  session?: 'shared' | 'fresh';
  body?: (t: AttackTarget) => Promise<unknown>;
}

/** The widget API of SPEC section 5; a test below checks it covers the route table. */
const WIDGET: WidgetSpec[] = [
  { name: 'config', method: 'GET', path: '/v1/embed/config', ok: is(200) },
  {
    name: 'bridge', method: 'POST', path: '/v1/embed/auth/bridge', ok: is(200),
    body: async (t) => ({ bridgeToken: await t.mintBridgeToken(t.a) }),
  },
  { name: 'refresh', method: 'POST', path: '/v1/embed/auth/refresh', ok: is(200), session: 'shared', body: async () => ({}) },
  { name: 'logout', method: 'POST', path: '/v1/embed/auth/logout', ok: is(204), session: 'fresh', body: async () => ({}) },
  {
    name: 'magic-link', method: 'POST', path: '/v1/embed/auth/magic-link', ok: is(202),
    body: async () => ({ email: 'nobody@t.test', returnUrl: RETURN_URL }),
  },
  {
    name: 'magic-link/exchange', method: 'POST', path: '/v1/embed/auth/magic-link/exchange', ok: is('magic_link_invalid'),
    body: async () => ({ token: 'attack-unknown-magic-token-000000000000' }),
  },
  { name: 'resume/nonce', method: 'POST', path: '/v1/embed/auth/resume/nonce', ok: is(200), body: async () => ({}) },
  { name: 'resume', method: 'POST', path: '/v1/embed/auth/resume', ok: is('session_invalid'), body: async () => ({ proof: 'a.b.c' }) },
  { name: 'me', method: 'GET', path: '/v1/embed/me', ok: is(200), session: 'shared' },
  { name: 'invoices', method: 'GET', path: '/v1/embed/invoices', ok: is(200), session: 'shared' },
  { name: 'subscriptions', method: 'GET', path: '/v1/embed/subscriptions', ok: is(200), session: 'shared' },
  { name: 'usage', method: 'GET', path: '/v1/embed/subscriptions/:id/usage', ok: is(200), session: 'shared' },
  { name: 'cancel', method: 'POST', path: '/v1/embed/subscriptions/:id/cancel', ok: is(200), session: 'shared', body: async () => ({}) },
  { name: 'resume-subscription', method: 'POST', path: '/v1/embed/subscriptions/:id/resume', ok: is(200), session: 'shared', body: async () => ({}) },
  { name: 'change-plan', method: 'POST', path: '/v1/embed/subscriptions/:id/change-plan', ok: is(200), session: 'shared', body: async () => ({ ratePlanId: 'm' }) },
  {
    name: 'checkout', method: 'POST', path: '/v1/embed/checkout', ok: is(200), session: 'shared',
    body: async (t) => ({ offeringId: t.a.offeringId, ratePlanId: 'm', returnUrl: RETURN_URL }),
  },
];
const widget = (name: string): WidgetSpec => WIDGET.find((w) => w.name === name) as WidgetSpec;

interface Overrides {
  /** Replaces (or with null removes) one of the default headers, by lower-case name. */
  headers?: Record<string, HeaderValue | null>;
  extraHeaders?: Array<[string, HeaderValue]>;
  body?: Buffer | null;
  query?: string;
  contentLength?: number;
  /** The raw `:id` path segment (default: the session customer's subscription). */
  pathId?: string;
}

async function widgetCall(t: AttackTarget, spec: WidgetSpec, over: Overrides = {}): Promise<WireAnswer> {
  const headers = new Map<string, HeaderValue>([
    ['origin', t.origin], ['x-aforo-tenant', t.a.slug], ['x-aforo-embed-key', t.a.embedKey],
  ]);
  if (spec.session) headers.set('authorization', bearer(spec.session === 'fresh' ? await newSession(t, t.a) : t.a.sessionJwt));
  let body: Buffer | undefined;
  if (spec.method === 'POST') {
    headers.set('content-type', 'application/json');
    body = over.body === undefined ? encodeJson(await spec.body?.(t)) : over.body ?? undefined;
  }
  for (const [name, value] of Object.entries(over.headers ?? {})) {
    if (value === null) headers.delete(name);
    else headers.set(name, value);
  }
  return wire(t.base, {
    method: spec.method,
    path: `${spec.path.replace(':id', over.pathId ?? encodeURIComponent(t.a.subscriptionId))}${over.query ?? ''}`,
    headers: [...headers.entries(), ...(over.extraHeaders ?? [])],
    body,
    contentLength: over.contentLength,
  });
}

// ---- widget groups -------------------------------------------------------------------------------------------

function headerValues(valid: string, allow: Outcome[]): Hostile[] {
  const either = is(...allow);
  return [
    h('a NUL', Buffer.from(`${valid}\u0000`, 'utf8'), { allow, parser400: true }),
    // Bytes that are not UTF-8 are malformed text (SPEC section 5), though Node hands them over as Latin-1.
    h('a lone high surrogate (bytes ED A0 80)', Buffer.concat([Buffer.from(valid), SURROGATE_BYTES]), INVALID),
    h('a lone low surrogate (bytes ED BF BF)', Buffer.concat([Buffer.from(valid), LOW_SURROGATE_BYTES]), INVALID),
    h('10 KB', TEN_KB, either),
    h('an RTL override', `${valid}\u202e`, either),
    h('a zero-width space', `\u200b${valid}`, either),
    h('a literal %00', `${valid}%00`, either),
    h('an empty value', '', either),
    h('a list of two', `${valid}, ${valid}`, either),
    h('latin-1 bytes', Buffer.from([0x78, 0xff, 0xfe]), INVALID),
    h('a UTF-8 encoded é', `${valid}\u00e9`, either),
  ];
}

function widgetHeaderGroups(): AttackGroup[] {
  const groups: AttackGroup[] = [];
  for (const spec of WIDGET) {
    const fields: Array<[string, (t: AttackTarget) => string, Outcome[], string]> = [
      ['x-aforo-tenant', (t) => t.a.slug, ['invalid_request', 'embed_key_invalid'], '400 invalid_request or 401 embed_key_invalid'],
      ['x-aforo-embed-key', (t) => t.a.embedKey, ['invalid_request', 'embed_key_invalid'], '400 invalid_request or 401 embed_key_invalid'],
      ['origin', (t) => t.origin, ['invalid_request', 'origin_not_allowed'], '400 invalid_request or 403 origin_not_allowed'],
    ];
    if (spec.session) {
      fields.push(['authorization', (t) => bearer(t.a.sessionJwt), ['invalid_request', 'session_invalid'], '400 invalid_request or 401 session_invalid']);
    }
    for (const [header, valid, allow, says] of fields) {
      groups.push(caseGroup(`${spec.name}: a malformed ${header} header (NUL, lone surrogate, 10 KB, RTL, zero-width, %00, empty, list) is ${says}, never 5xx`, (t) => [
        { label: `${spec.name} with every field valid`, expect: spec.ok, send: () => widgetCall(t, spec) },
        ...headerValues(valid(t), allow).map((v) => ({
          label: `${spec.name} ${header}: ${v.label}`,
          expect: v.expect,
          send: () => widgetCall(t, spec, { headers: { [header]: v.value as HeaderValue } }),
        })),
      ]));
    }
    if (spec.session) {
      groups.push(caseGroup(`${spec.name}: an Authorization that is not this tenant's live session JWT is 401 session_invalid`, (t) => {
        const [head, payload] = t.a.sessionJwt.split('.');
        const none = `${b64(JSON.stringify({ ...JSON.parse(Buffer.from(head, 'base64url').toString()), alg: 'none' }))}.${payload}.`;
        const values: Array<[string, string]> = [
          ['no token after Bearer', 'Bearer'], ['Bearer and spaces', 'Bearer   '], ['Basic credentials', 'Basic Zm9vOmJhcg=='],
          ['a three-part garbage token', 'Bearer a.b.c'], ['a tampered signature', bearer(`${t.a.sessionJwt.slice(0, -4)}AAAA`)],
          ['the JWT with a suffix', bearer(`${t.a.sessionJwt}x`)], ['alg none', bearer(none)],
          ['two tokens', `${bearer(t.a.sessionJwt)} ${t.a.sessionJwt}`], ['a bridge token', bearer(`${head}.${payload}`)],
        ];
        return values.map(([label, value]) => ({
          label: `${spec.name} authorization: ${label}`,
          expect: is('session_invalid', 'invalid_request'),
          send: () => widgetCall(t, spec, { headers: { authorization: value } }),
        }));
      }));
    }
  }
  return groups;
}

/** Body-level attacks on any POST: prototype keys, wrong top-level types, bad JSON, media types, sizes. */
function bodyLevelCases(label: string, base: unknown, send: (over: Overrides) => Promise<WireAnswer>, takesBody: boolean): AttackCase[] {
  const cases: AttackCase[] = [
    { label: `${label}: a declared Content-Length over 16 KiB`, expect: is('payload_too_large'), send: () => send({ body: Buffer.alloc(0), contentLength: 16 * 1024 + 4096 }) },
    { label: `${label}: a 17 KiB body`, expect: is('payload_too_large'), send: () => send({ body: Buffer.from(`{"pad":"${'p'.repeat(17 * 1024)}"}`) }) },
  ];
  if (!takesBody) return cases;
  const json = encodeJson(base);
  const padded = Buffer.concat([json, Buffer.alloc(16 * 1024 - json.length, ' ')]);
  const body = (text: string | Buffer) => (Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'));
  const invalid: Array<[string, Buffer]> = [
    ['an own __proto__ key', withRawKey(base, '__proto__', '{"x":1}')],
    ['a constructor.prototype key', withRawKey(base, 'constructor', '{"prototype":{"x":1}}')],
    ['a prototype key', withRawKey(base, 'prototype', '1')],
    ['an unknown field', encodeJson({ ...(base as object), zzUnknown: 1 })],
    ['a JSON array', body('[]')], ['a JSON string', body('"x"')], ['a JSON number', body('1')], ['JSON null', body('null')], ['JSON true', body('true')],
    ['nesting 5000 deep', DEEP.bytes],
    ['truncated JSON', body('{"a":')], ['single quotes', body("{'a':1}")], ['trailing garbage', Buffer.concat([json, body('x')])],
    ['NaN', body('{"a":NaN}')], ['a raw control character', body('{"a":"x\ty\u0001"}')],
    ['bytes that are not UTF-8 in a key', Buffer.concat([body('{"k'), SURROGATE_BYTES, body('":1}')])],
  ];
  for (const [what, bytes] of invalid) cases.push({ label: `${label}: ${what}`, expect: INVALID, send: () => send({ body: bytes }) });
  const media: Array<[string, string | null]> = [
    ['text/plain', 'text/plain'], ['a form', 'application/x-www-form-urlencoded'], ['multipart', 'multipart/form-data; boundary=x'], ['no Content-Type', null],
  ];
  for (const [what, type] of media) {
    cases.push({ label: `${label}: a JSON body sent as ${what}`, expect: is('unsupported_media_type'), send: () => send({ body: json, headers: { 'content-type': type } }) });
  }
  cases.push({ label: `${label}: a body of exactly 16 KiB is read`, expect: { allow: 'any', deny: ['payload_too_large'] }, send: () => send({ body: padded }) });
  return cases;
}

function widgetBodyGroups(): AttackGroup[] {
  const groups: AttackGroup[] = [];
  for (const spec of WIDGET.filter((w) => w.method === 'POST')) {
    groups.push(caseGroup(`${spec.name}: a body with prototype keys, unknown fields, the wrong top-level type or bad JSON is 400 invalid_request, the wrong media type 415, over 16 KiB 413`, async (t) =>
      bodyLevelCases(spec.name, await spec.body?.(t), (over) => widgetCall(t, spec, over), true)));
  }
  const field = (spec: WidgetSpec, name: string, says: string, values: Hostile[], extra: (t: AttackTarget) => Promise<Record<string, unknown>> = async () => ({})) =>
    caseGroup(`${spec.name}: body.${name} ${says}`, async (t) => values.map((v) => ({
      label: `${spec.name} body.${name}: ${v.label}`,
      expect: v.expect,
      send: async () => widgetCall(t, spec, { body: encodeJson({ ...((await spec.body?.(t)) as object), ...(await extra(t)), [name]: v.value }) }),
    })));
  const tokenString = (code: string): Hostile[] => [
    h('a NUL', 'x\u0000', is('invalid_request', code)),
    h('a lone high surrogate', 'victim\ud800', is('invalid_request', code)),
    h('a lone low surrogate', 'victim\udfff', is('invalid_request', code)),
    h('bytes that are not UTF-8', NOT_UTF8_STRING, is('invalid_request', code)),
    h('an RTL override', 'x\u202e', is('invalid_request', code)), h('a zero-width space', 'x\u200b', is('invalid_request', code)),
    h('an empty string', '', is('invalid_request', code)), h('a number as a string', '123', is(code)),
    ...wrongTypes(false),
  ];
  groups.push(field(widget('bridge'), 'bridgeToken', 'that is not a string is 400 invalid_request; a string that is no valid token (10 KB, garbage) is 401 bridge_token_invalid', [
    ...tokenString('bridge_token_invalid'),
    h('10 KB', TEN_KB, is('bridge_token_invalid')), h('garbage in three parts', 'a.b.c', is('bridge_token_invalid')),
    h('one part', 'x', is('bridge_token_invalid')), h('dots only', '..', is('bridge_token_invalid')),
  ]));
  groups.push(field(widget('magic-link/exchange'), 'token', 'that is not a string is 400 invalid_request; an unknown token is 401 magic_link_invalid', [
    ...tokenString('magic_link_invalid'),
    h('10 KB', TEN_KB), h('a random unknown token', randomBytes(32).toString('base64url'), is('magic_link_invalid')),
  ]));
  const emails: Hostile[] = [
    ...MALFORMED_STRINGS, ...wrongTypes(false),
    ...[
      'x1,victim@t.test', 'n<victim@t.test>', 'Name <victim@t.test>', 'z;victim@t.test', '"q"@t.test', 'a(b)@t.test',
      'victim@t.test (comment)', 'victim@t.test, other@t.test', 'victim@t.test\r\nBcc: other@t.test', ' victim@t.test', 'victim@t.test ',
      'victim@', '@t.test', 'victim', '', 'victim@@t.test', 'victim@t..test', 'victim\u0000@t.test', 'victim@t.test\u0000',
      'victim\ud800@t.test', 'victim\udfff@t.test', '\u202evictim@t.test', 'vic\u200btim@t.test', 'victim%40t.test',
      `${'a'.repeat(65)}@t.test`, `victim@${'d'.repeat(250)}.test`,
    ].map((email) => h(JSON.stringify(email), email)),
    h('a plain address', 'victim@t.test', is(202)), h('an upper-case address', 'Victim@T.TEST', is(202)),
    h('an IDN domain', 'user@bücher.example', is(202)),
  ];
  groups.push(field(widget('magic-link'), 'email', 'that is not one plain addr-spec (display name, list, comment, quotes, NUL, lone surrogate, 10 KB, wrong type) is 400 invalid_request', emails));
  groups.push(field(widget('magic-link'), 'returnUrl', 'that is malformed is 400 invalid_request; one whose origin is not allowed is 400 return_url_not_allowed', [
    ...MALFORMED_STRINGS, ...wrongTypes(false),
    ...['https://evil.example.com/x', 'https://shop.example.com.evil.com/', 'https://shop.example.com@evil.com/', 'http://shop.example.com/']
      .map((url) => h(JSON.stringify(url), url, is('return_url_not_allowed'))),
    ...['//evil.com/', 'javascript:alert(1)', 'data:text/html,x', '', 'not a url'].map((url) => h(JSON.stringify(url), url, is('return_url_not_allowed', 'invalid_request'))),
    h('an RTL override in the path', `${RETURN_URL}\u202e`, TOLERATED),
  ]));
  return groups;
}

function queryValues(strict: Array<[string, string]>, tolerated: Array<[string, string]> = []): Array<[string, string, Expect]> {
  return [
    ['%00', '%00', INVALID], ['x%00', 'x%00', INVALID], ['a lone high surrogate (%ED%A0%80)', 'victim%ED%A0%80', INVALID],
    ['a lone low surrogate (%ED%BF%BF)', 'victim%ED%BF%BF%40t.test', INVALID], ['10 KB', TEN_KB, INVALID],
    ...strict.map(([label, value]): [string, string, Expect] => [label, value, INVALID]),
    ['an RTL override', '%E2%80%AE', TOLERATED], ['an empty value', '', TOLERATED], ['a literal %00', '%2500', TOLERATED],
    ['"__proto__"', '__proto__', TOLERATED], ['a quote', "'", TOLERATED], ['a malformed escape', '%zz', TOLERATED],
    ...tolerated.map(([label, value]): [string, string, Expect] => [label, value, TOLERATED]),
  ];
}

const CURSORS: Array<[string, string]> = [
  ['cursor [1e300,"x"]', b64('[1e300,"x"]')], ['cursor [-1e300,"x"]', b64('[-1e300,"x"]')], ['cursor ["a","b"]', b64('["a","b"]')],
  ['cursor [1,{"a":1}]', b64('[1,{"a":1}]')], ['cursor null', b64('null')], ['cursor {"a":1}', b64('{"a":1}')],
  ['cursor [1,"x",3]', b64('[1,"x",3]')], ['cursor with a NUL id', b64('[1,"x\\u0000"]')], ['cursor with a lone surrogate id', b64('[1,"\\ud800"]')],
  ['cursor that is not base64url JSON', 'not-a-cursor!'], ['cursor [1.5,"x"]', b64('[1.5,"x"]')],
];

function widgetQueryGroups(): AttackGroup[] {
  const groups: AttackGroup[] = [];
  const invoices = widget('invoices');
  const fields: Array<[string, Array<[string, string, Expect]>, string]> = [
    ['status', queryValues([['an unknown status', 'BOGUS']], [['lower case', 'paid']]), 'a malformed or unknown status is 400 invalid_request'],
    ['limit', queryValues([['not a number', 'abc'], ['1e1', '1e1'], ['0x10', '0x10'], ['a leading space', '%205']], [['-1', '-1'], ['0', '0'], ['1e9', '1e9'], ['a fraction', '1.5'], ['huge', '99999999']]), 'a malformed or non-numeric limit is 400 invalid_request'],
    ['cursor', queryValues(CURSORS), 'an out-of-range or malformed cursor is 400 invalid_request'],
  ];
  for (const [name, values, says] of fields) {
    groups.push(caseGroup(`invoices: ?${name}= ${says}, never 5xx`, (t) => [
      { label: 'invoices with status=PAID&limit=1', expect: is(200), send: () => widgetCall(t, invoices, { query: '?status=PAID&limit=1' }) },
      ...values.map(([label, value, expect]) => ({
        label: `invoices ?${name}=: ${label}`, expect, send: () => widgetCall(t, invoices, { query: `?${name}=${value}` }),
      })),
    ]));
  }
  for (const spec of WIDGET.filter((w) => w.method === 'GET')) {
    for (const name of ['tenant', 'embed_key']) {
      groups.push(caseGroup(`${spec.name}: ?${name}= with a NUL, lone surrogate or 10 KB is 400 invalid_request (ek%00 included); other odd values 400 or 401 embed_key_invalid`, (t) => {
        const valid = { tenant: t.a.slug, embed_key: encodeURIComponent(t.a.embedKey) };
        const call = (value: string) => widgetCall(t, spec, {
          headers: { 'x-aforo-tenant': null, 'x-aforo-embed-key': null },
          query: `?tenant=${name === 'tenant' ? value : valid.tenant}&embed_key=${name === 'embed_key' ? value : valid.embed_key}`,
        });
        const values: Array<[string, string, Expect]> = [
          ['the valid value', name === 'tenant' ? valid.tenant : valid.embed_key, is(200)],
          ['ek%00', 'ek%00', INVALID], [`${name} + %00`, `${name === 'tenant' ? valid.tenant : valid.embed_key}%00`, INVALID],
          ['a lone high surrogate (%ED%A0%80)', 'x%ED%A0%80', INVALID], ['a lone low surrogate (%ED%BF%BF)', 'x%ED%BF%BF', INVALID], ['10 KB', TEN_KB, INVALID],
          ...(['%E2%80%AE', '%E2%80%8B', '', '%2500', '123', '__proto__'] as const).map((v): [string, string, Expect] => [JSON.stringify(v), v, is('invalid_request', 'embed_key_invalid')]),
        ];
        return values.map(([label, value, expect]) => ({ label: `${spec.name} ?${name}=: ${label}`, expect, send: () => call(value) }));
      }));
    }
  }
  groups.push(caseGroup('config, invoices: a query parameter name with a NUL or lone surrogate is 400 invalid_request; prototype names are harmless', (t) => {
    const names: Array<[string, string, Expect]> = [
      ['a NUL name', '%00=1', INVALID], ['a lone surrogate name', '%ED%A0%80=1', INVALID], ['a 10 KB value under an unknown name', `zz=${TEN_KB}`, INVALID],
      ['__proto__', '__proto__=1', TOLERATED], ['constructor[prototype]', 'constructor%5Bprototype%5D=1', TOLERATED], ['a repeated name', 'limit=1&limit=abc', TOLERATED],
    ];
    return [widget('config'), invoices].flatMap((spec) => names.map(([label, query, expect]) => ({
      label: `${spec.name} ?${label}`, expect, send: () => widgetCall(t, spec, { query: `?${query}` }),
    })));
  }));
  groups.push(caseGroup('embed paths: a NUL or lone surrogate in an embed path is refused (400 invalid_request, or the host\'s 404), never 5xx', (t) =>
    ['/v1/embed/config%00', '/v1/embed/%00', '/v1/embed/me%ED%A0%80', `/v1/embed/${TEN_KB}`, '/v1/embed/config/..%2F..%2Fadmin'].map((path) => ({
      label: `GET ${path.slice(0, 40)}`,
      expect: { allow: ['invalid_request', 'not_found'], hostNotFound: true },
      send: () => wire(t.base, { method: 'GET', path, headers: [['Origin', t.origin], ['X-Aforo-Tenant', t.a.slug], ['X-Aforo-Embed-Key', t.a.embedKey]] }),
    }))));
  return groups;
}

// ---- bridge token groups -------------------------------------------------------------------------------------

/** An HS256 JWS over the header and payload exactly as given (text or bytes), signed with `secret`. */
function jws(header: string | Buffer, payload: string | Buffer, secret: string, alg = 'sha256'): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac(alg, secret).update(input).digest('base64url')}`;
}

function claimsOf(t: AttackTarget, tenant: AttackTenant = t.a): Record<string, unknown> {
  const iat = t.now();
  return { external_customer_id: tenant.sessionExternalId, iat, exp: iat + 300, jti: randomBytes(12).toString('base64url'), aud: 'aforo-bridge' };
}

function exchange(t: AttackTarget, token: string, tenant: AttackTenant = t.a): Promise<WireAnswer> {
  t.seen.add(token);
  return wire(t.base, {
    method: 'POST', path: '/v1/embed/auth/bridge',
    headers: [['Origin', t.origin], ['X-Aforo-Tenant', tenant.slug], ['X-Aforo-Embed-Key', tenant.embedKey], ['Content-Type', 'application/json']],
    body: encodeJson({ bridgeToken: token }),
  });
}

const BRIDGE_INVALID = is('bridge_token_invalid');

function tokenGroups(): AttackGroup[] {
  const groups: AttackGroup[] = [];
  const headerCase = (label: string, header: (t: AttackTarget) => Record<string, unknown> | string | Buffer, expect: Expect = BRIDGE_INVALID, signAlg?: string) =>
    ({ label, header, expect, signAlg });
  const headerCases = [
    headerCase('kid "x\\u0000"', (t) => ({ alg: 'HS256', kid: `${t.a.kid}\u0000` })),
    headerCase('kid with a lone high surrogate', (t) => ({ alg: 'HS256', kid: `${t.a.kid}\ud800` })),
    headerCase('kid with a lone low surrogate', () => ({ alg: 'HS256', kid: 'sk_\udfff' })),
    headerCase('kid with bytes that are not UTF-8', (t) => Buffer.concat([Buffer.from(`{"alg":"HS256","kid":"${t.a.kid}`), SURROGATE_BYTES, Buffer.from('"}')])),
    headerCase('a 4000-character kid', () => ({ alg: 'HS256', kid: 'k'.repeat(4000) }), is('bridge_token_invalid', 'signing_key_unknown')),
    headerCase('a 10 KB kid (token over 8 KiB)', () => ({ alg: 'HS256', kid: TEN_KB })),
    headerCase('kid a number', () => ({ alg: 'HS256', kid: 123 })),
    headerCase('kid null', () => ({ alg: 'HS256', kid: null })),
    headerCase('kid an array', (t) => ({ alg: 'HS256', kid: [t.a.kid] })),
    headerCase('kid an object', (t) => ({ alg: 'HS256', kid: { kid: t.a.kid } })),
    headerCase('kid empty', () => ({ alg: 'HS256', kid: '' })),
    headerCase('no kid', () => ({ alg: 'HS256' })),
    headerCase('kid with an RTL override', (t) => ({ alg: 'HS256', kid: `${t.a.kid}\u202e` }), is('bridge_token_invalid', 'signing_key_unknown')),
    headerCase('kid "__proto__"', () => ({ alg: 'HS256', kid: '__proto__' }), is('bridge_token_invalid', 'signing_key_unknown')),
    headerCase('kid "constructor"', () => ({ alg: 'HS256', kid: 'constructor' }), is('bridge_token_invalid', 'signing_key_unknown')),
    headerCase('the other tenant\'s kid', (t) => ({ alg: 'HS256', kid: t.b.kid }), is('bridge_token_invalid', 'signing_key_unknown')),
    headerCase('alg none', (t) => ({ alg: 'none', kid: t.a.kid }), BRIDGE_INVALID, 'none'),
    headerCase('alg "None"', (t) => ({ alg: 'None', kid: t.a.kid }), BRIDGE_INVALID, 'none'),
    headerCase('alg HS512', (t) => ({ alg: 'HS512', kid: t.a.kid }), BRIDGE_INVALID, 'sha512'),
    headerCase('alg RS256 over an HMAC', (t) => ({ alg: 'RS256', kid: t.a.kid })),
    headerCase('alg a number', (t) => ({ alg: 256, kid: t.a.kid })),
    headerCase('alg null', (t) => ({ alg: null, kid: t.a.kid })),
    headerCase('no alg', (t) => ({ kid: t.a.kid })),
    headerCase('alg "HS256\\u0000"', (t) => ({ alg: 'HS256\u0000', kid: t.a.kid })),
    headerCase('crit ["exp"]', (t) => ({ alg: 'HS256', kid: t.a.kid, crit: ['exp'] })),
    headerCase('b64 false', (t) => ({ alg: 'HS256', kid: t.a.kid, b64: false, crit: ['b64'] })),
    headerCase('a header that is a JSON array', () => '[]'),
    headerCase('a header that is a JSON string', () => '"x"'),
    headerCase('a header that is not JSON', () => '{"alg":'),
    headerCase('a header nested 5000 deep', () => `{"alg":"HS256","kid":${DEEP.bytes.toString()}}`),
    headerCase('a header with an own __proto__ key', (t) => `{"__proto__":{"alg":"none"},"alg":"HS256","kid":"${t.a.kid}"}`, is('bridge_token_invalid', 200)),
  ];
  groups.push(caseGroup('bridge token header: a malformed kid (NUL, lone surrogate, huge, non-string), alg none or any other alg, crit, or a header that is no JSON object is 401 bridge_token_invalid', (t) =>
    headerCases.map((c) => ({
      label: `bridge token header: ${c.label}`,
      expect: c.expect,
      send: () => {
        const header = c.header(t);
        const headerText = typeof header === 'string' || Buffer.isBuffer(header) ? header : JSON.stringify(header);
        const payload = JSON.stringify(claimsOf(t));
        const token = c.signAlg === 'none' ? `${b64(headerText)}.${b64(payload)}.` : jws(headerText, payload, t.a.secret, c.signAlg);
        return exchange(t, token);
      },
    }))));

  const claim = (name: string, says: string, values: Hostile[]) => caseGroup(`bridge token claim ${name}: ${says}`, (t) => values.map((v) => ({
    label: `bridge token ${name}: ${v.label}`,
    expect: v.expect,
    send: () => {
      const claims = claimsOf(t);
      if (name === 'sub') delete claims.external_customer_id;
      if (v.value === undefined) delete claims[name];
      else claims[name] = v.value;
      return exchange(t, jws(JSON.stringify({ alg: 'HS256', kid: t.a.kid, typ: 'JWT' }), encodeJson(claims), t.a.secret));
    },
  })));
  const badStrings = (limit: number): Hostile[] => [
    h('a NUL', 'x\u0000', BRIDGE_INVALID), h('a lone high surrogate', 'victim\ud800@t.test', BRIDGE_INVALID),
    h('a lone low surrogate', 'victim\udfff@t.test', BRIDGE_INVALID), h('bytes that are not UTF-8', NOT_UTF8_STRING, BRIDGE_INVALID),
    h(`${limit + 1} characters`, 'c'.repeat(limit + 1), BRIDGE_INVALID),
    h('a number', 123, BRIDGE_INVALID), h('true', true, BRIDGE_INVALID), h('an array', ['x'], BRIDGE_INVALID), h('an object', { a: 1 }, BRIDGE_INVALID),
    h('nesting 5000 deep', DEEP, BRIDGE_INVALID),
  ];
  groups.push(claim('external_customer_id', 'a non-string, empty, over 255 characters, NUL or lone surrogate is 401 bridge_token_invalid', [
    ...badStrings(255), h('null', null, BRIDGE_INVALID), h('empty', '', BRIDGE_INVALID),
    h('an RTL override', 'cust\u202e', is(200, 'bridge_token_invalid')), h('"__proto__"', '__proto__', is(200, 'bridge_token_invalid')),
    h('"constructor"', 'constructor', is(200, 'bridge_token_invalid')),
  ]));
  groups.push(claim('sub', '(without external_customer_id) a non-string, NUL or lone surrogate is 401 bridge_token_invalid', [
    ...badStrings(255), h('null', null, BRIDGE_INVALID), h('absent too', undefined, BRIDGE_INVALID),
  ]));
  groups.push(claim('email', 'a non-string, NUL or lone surrogate is 401 bridge_token_invalid', [
    ...badStrings(254),
    ...['x1,victim@t.test', 'n<victim@t.test>', '"q"@t.test', 'a(b)@t.test', 'z;victim@t.test'].map((e) => h(JSON.stringify(e), e, is(200, 'bridge_token_invalid'))),
  ]));
  groups.push(claim('name', 'a non-string, over 255 characters, NUL or lone surrogate is 401 bridge_token_invalid', [
    ...badStrings(255), h('an RTL override', 'Name\u202e', is(200)),
  ]));
  const time = (name: 'iat' | 'exp'): Hostile[] => [
    h('a number as a string', String(Math.floor(Date.parse('2026-03-01T10:00:00Z') / 1000)), BRIDGE_INVALID),
    h('null', null, BRIDGE_INVALID), h('true', true, BRIDGE_INVALID), h('an array', [1], BRIDGE_INVALID), h('an object', {}, BRIDGE_INVALID),
    h('1e300', 1e300, BRIDGE_INVALID), h('-1e300', -1e300, is('bridge_token_invalid', 'bridge_token_expired')), h('absent', undefined, BRIDGE_INVALID),
    h('a string with a NUL', 'x\u0000', BRIDGE_INVALID), h('nesting 5000 deep', DEEP, BRIDGE_INVALID),
    ...(name === 'iat' ? [h('an hour in the future', 'future', BRIDGE_INVALID)] : [h('an hour past iat (lifetime over 600 s)', 'long', BRIDGE_INVALID)]),
  ];
  const timed = (name: 'iat' | 'exp', says: string) => caseGroup(`bridge token claim ${name}: ${says}`, (t) => time(name).map((v) => ({
    label: `bridge token ${name}: ${v.label}`,
    expect: v.expect,
    send: () => {
      const claims = claimsOf(t);
      if (v.value === 'future') Object.assign(claims, { iat: t.now() + 3600, exp: t.now() + 3700 });
      else if (v.value === 'long') claims.exp = t.now() + 3600;
      else if (v.value === undefined) delete claims[name];
      else claims[name] = v.value;
      return exchange(t, jws(JSON.stringify({ alg: 'HS256', kid: t.a.kid }), encodeJson(claims), t.a.secret));
    },
  })));
  groups.push(timed('iat', 'a non-number, out-of-range, absent or future iat is 401 bridge_token_invalid'));
  groups.push(timed('exp', 'a non-number, out-of-range, absent or too-late exp is 401 bridge_token_invalid'));
  groups.push(claim('jti', 'a non-string, empty, over 128 characters, NUL or lone surrogate jti is 401 bridge_token_invalid', [
    ...badStrings(128), h('null', null, BRIDGE_INVALID), h('empty', '', BRIDGE_INVALID), h('absent', undefined, BRIDGE_INVALID),
  ]));
  groups.push(claim('aud', 'any audience but aforo-bridge is 401 bridge_token_invalid', [
    h('another audience', 'other', BRIDGE_INVALID), h('a number', 123, BRIDGE_INVALID), h('an object', {}, BRIDGE_INVALID),
    h('["other"]', ['other'], BRIDGE_INVALID), h('"aforo-bridge\\u0000"', 'aforo-bridge\u0000', BRIDGE_INVALID),
    h('["aforo-bridge"]', ['aforo-bridge'], is(200, 'bridge_token_invalid')),
  ]));
  groups.push(caseGroup('bridge token payload: a payload that is no JSON object, or is not UTF-8, is 401 bridge_token_invalid', (t) => {
    const payloads: Array<[string, string | Buffer, Expect]> = [
      ['a JSON array', '[]', BRIDGE_INVALID], ['a JSON string', '"x"', BRIDGE_INVALID], ['JSON null', 'null', BRIDGE_INVALID],
      ['truncated JSON', '{"iat":', BRIDGE_INVALID], ['nesting 5000 deep', DEEP.bytes, BRIDGE_INVALID],
      ['bytes that are not UTF-8', Buffer.concat([Buffer.from(JSON.stringify(claimsOf(t)).slice(0, -1)), Buffer.from(',"name":"v'), SURROGATE_BYTES, Buffer.from('"}')]), BRIDGE_INVALID],
      ['an own __proto__ key', `{"__proto__":{"external_customer_id":"victim"},${JSON.stringify(claimsOf(t)).slice(1)}`, is(200, 'bridge_token_invalid')],
    ];
    const structures: Array<[string, () => string]> = [
      ['four parts', () => `${jws('{"alg":"HS256","kid":"x"}', '{}', t.a.secret)}.x`],
      ['five parts (JWE-shaped)', () => 'eyJhbGciOiJkaXIifQ.e.i.c.t'],
      ['a leading space', () => ` ${jws(JSON.stringify({ alg: 'HS256', kid: t.a.kid }), JSON.stringify(claimsOf(t)), t.a.secret)}`],
      ['a padded segment', () => `${jws(JSON.stringify({ alg: 'HS256', kid: t.a.kid }), JSON.stringify(claimsOf(t)), t.a.secret)}==`],
    ];
    return [
      ...payloads.map(([label, payload, expect]) => ({
        label: `bridge token payload: ${label}`, expect, send: () => exchange(t, jws(JSON.stringify({ alg: 'HS256', kid: t.a.kid }), payload, t.a.secret)),
      })),
      ...structures.map(([label, token]) => ({ label: `bridge token: ${label}`, expect: BRIDGE_INVALID, send: () => exchange(t, token()) })),
    ];
  }));
  return groups;
}

// ---- admin groups --------------------------------------------------------------------------------------------

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  const?: unknown;
  maxItems?: number;
  description?: string;
}

type FieldKind = 'string' | 'enum' | 'integer' | 'boolean' | 'array' | 'object';
interface Field {
  path: Array<string | number>;
  kind: FieldKind;
  nullable: boolean;
  schema: JsonSchema;
}

/** Every field of a body schema, nested ones too (an array of objects by its first element). */
function fieldsOf(schema: JsonSchema, path: Array<string | number> = []): Field[] {
  let nullable = false;
  let node = schema;
  if (node.anyOf) {
    nullable = node.anyOf.some((s) => s.type === 'null');
    const rest = node.anyOf.filter((s) => s.type !== 'null');
    if (rest.length > 0 && rest.every((s) => typeof s.const === 'string')) return path.length ? [{ path, kind: 'enum', nullable, schema: node }] : [];
    if (rest.length === 1) node = rest[0];
  }
  const here = (kind: FieldKind): Field[] => (path.length ? [{ path, kind, nullable, schema: node }] : []);
  switch (node.type) {
    case 'string': return typeof node.const === 'string' ? here('enum') : here('string');
    case 'integer': case 'number': return here('integer');
    case 'boolean': return here('boolean');
    case 'array': return [...here('array'), ...(node.items?.type === 'object' ? fieldsOf(node.items, [...path, 0]) : [])];
    case 'object': return [...here('object'), ...Object.entries(node.properties ?? {}).flatMap(([key, s]) => fieldsOf(s, [...path, key]))];
    default: return [];
  }
}

function valueAt(body: unknown, path: Array<string | number>): unknown {
  let node = body;
  for (const key of path) node = (node as Record<string | number, unknown> | undefined)?.[key];
  return node;
}

function setAt(body: unknown, path: Array<string | number>, value: unknown): unknown {
  const copy = structuredClone(body) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = typeof key === 'number' ? [] : {};
    node = node[key] as Record<string | number, unknown>;
  }
  node[path[path.length - 1]] = value;
  return copy;
}

// Date-times Date would roll over or read as local time; each is 400 invalid_request.
const IMPOSSIBLE_DATES: Hostile[] = [
  h('February 30', '2026-02-30T00:00:00Z'), h('April 31', '2026-04-31T00:00:00Z'), h('the year -000001', '-000001-01-01T00:00:00Z'),
  h('24:00', '2026-03-01T24:00:00Z'), h('no zone', '2026-03-01T10:00:00'), h('a leap day of 2026', '2026-02-29'),
];

function hostileFor(field: Field, base: unknown): Hostile[] {
  switch (field.kind) {
    case 'string':
      return [...MALFORMED_STRINGS, ...wrongTypes(field.nullable), ...ODD_STRINGS, ...(field.schema.description === 'ISO 8601 date-time' ? IMPOSSIBLE_DATES : [])];
    case 'enum':
      return [...MALFORMED_STRINGS, ...wrongTypes(field.nullable), h('an unknown value', 'BOGUS'), h('a value with a NUL', 'PAID\u0000')];
    case 'integer':
      return [
        h('digits as a string', '123'), h('a fraction', 1.5), h('-1', -1), h('1e300', 1e300), h('true', true), h('an array', [1]), h('an object', {}),
        h('a string with a NUL', 'x\u0000'), h('nesting 5000 deep', DEEP), h('null', null, field.nullable ? TOLERATED : INVALID),
      ];
    case 'boolean':
      return [h('"true"', 'true'), h('1', 1), h('an array', []), h('an object', {}), h('a string with a NUL', 'x\u0000'), h('nesting 5000 deep', DEEP),
        h('null', null, field.nullable ? TOLERATED : INVALID)];
    case 'array': {
      const element = (valueAt(base, field.path) as unknown[] | undefined)?.[0] ?? 'x';
      return [
        h('a string', 'x'), h('a number', 1), h('an object', {}), h('true', true), h('null', null, field.nullable ? TOLERATED : INVALID),
        h('an element with a NUL', ['x\u0000']), h('an element with a lone surrogate', ['victim\ud800']), h('a 10 KB element', [TEN_KB]),
        h('an element not UTF-8', [NOT_UTF8_STRING]), h('a number element', [1]), h('a null element', [null]), h('a nested array', [['x']]),
        h('nesting 5000 deep', DEEP), h(`${(field.schema.maxItems ?? 1000) + 1} elements`, Array(Math.min((field.schema.maxItems ?? 1000) + 1, 1001)).fill(element)),
        // Elements with an id (rate plans) are named by it: two of one id leave which one is meant to chance.
        ...(typeof element === 'object' && element !== null && 'id' in element ? [h('two elements of one id', [element, { ...element, name: 'Other' }])] : []),
      ];
    }
    case 'object':
      return [
        h('a string', 'x'), h('a number', 1), h('an array', []), h('true', true), h('null', null, field.nullable ? TOLERATED : INVALID),
        h('an own __proto__ key', raw('{"__proto__":{"x":1}}')), h('a constructor.prototype key', raw('{"constructor":{"prototype":{"x":1}}}')),
        h('nesting 5000 deep', DEEP),
        ...(field.schema.additionalProperties === false ? [h('an unknown field', { zzUnknown: 1 })] : []),
      ];
  }
}

type AdminRoute = (typeof ADMIN_ROUTES)[number];
const routeKey = (route: AdminRoute) => `${route.method} ${route.path}`;

/** Valid bodies per admin route; a route the battery does not know fails its groups until it is added here. */
function baseBody(key: string): unknown {
  switch (key) {
    case 'POST /tenants':
      return {
        slug: `atk-${randomBytes(5).toString('hex')}`, name: 'Attack tenant',
        branding: { logoUrl: 'https://cdn.example.com/logo.png', primaryColor: '#123456' }, magicLink: { from: 'billing@shop.example.com', allowSignup: false },
      };
    case 'POST /tenants/:slug/embed-keys': return { allowedOrigins: ['https://other.example.com'], mode: 'test' };
    case 'PATCH /tenants/:slug/embed-keys/:id': return { allowedOrigins: ['https://spare.example.com'] };
    case 'POST /tenants/:slug/signing-keys': return { alg: 'HS256' };
    case 'POST /tenants/:slug/signing-keys/:kid/revoke': return { force: false, endSessions: false };
    case 'PUT /tenants/:slug/offerings/:id':
      return {
        name: 'Attack offer', description: 'd', status: 'DRAFT',
        ratePlans: [{ id: 'p1', name: 'Plan', currency: 'eur', amountCents: 100, interval: 'month', features: ['f'] }],
      };
    case 'PUT /tenants/:slug/customers/:externalId': return { email: 'atk-cust@t.test', name: 'Attack customer' };
    case 'PUT /tenants/:slug/customers/:externalId/subscriptions/:id':
      return {
        offeringId: 'atk-plan-offer', ratePlanId: 'p1', status: 'ACTIVE', currentPeriodStart: '2026-02-01T00:00:00.000Z',
        currentPeriodEnd: '2026-03-01T00:00:00.000Z', cancelAtPeriodEnd: false,
      };
    case 'PUT /tenants/:slug/customers/:externalId/subscriptions/:id/usage/:feature':
      return { used: 12, included: 10, overageCents: 200, periodStart: '2026-02-01T00:00:00.000Z', periodEnd: '2026-03-01T00:00:00.000Z' };
    case 'PUT /tenants/:slug/customers/:externalId/invoices/:id':
      return {
        number: 'A-1', status: 'OPEN', amountDueCents: 100, amountPaidCents: 0, currency: 'eur', issuedAt: '2026-02-01T00:00:00.000Z',
        dueAt: '2026-03-01T00:00:00.000Z', pdfUrl: 'https://cdn.example.com/a.pdf', hostedUrl: 'https://pay.example.com/a',
      };
    default: throw new Error(`no valid body for ${key}: add one to baseBody in test/helpers/attack.ts`);
  }
}

function validParam(t: AttackTarget, key: string, name: string): string {
  if (name === 'slug') return t.a.slug;
  if (key.endsWith('/embed-keys/:id/revoke')) return t.a.revokeKeyId;
  if (key.endsWith('/embed-keys/:id')) return t.a.patchKeyId;
  if (key.endsWith('/:kid/promote')) return t.a.promoteKid;
  if (key.endsWith('/:kid/revoke')) return t.a.revokeKid;
  if (key.endsWith('/offerings/:id')) return 'atk-offer';
  if (name === 'externalId') return 'atk-cust';
  if (key.endsWith('/invoices/:id')) return 'inv-atk';
  if (name === 'id' && key.includes('/subscriptions/')) return 'sub-atk';
  if (name === 'feature') return 'api_calls';
  throw new Error(`no valid value for :${name} of ${key}: add one to validParam in test/helpers/attack.ts`);
}

async function adminCall(t: AttackTarget, route: AdminRoute, over: Overrides & { params?: Record<string, string>; jsonBody?: unknown } = {}): Promise<WireAnswer> {
  const key = routeKey(route);
  const path = `/v1/admin${route.path.replace(/:([a-zA-Z]+)/g, (_m, name: string) => over.params?.[name] ?? encodeURIComponent(validParam(t, key, name)))}`;
  const headers = new Map<string, HeaderValue>([['authorization', bearer(t.adminToken)]]);
  let body: Buffer | undefined;
  if (route.method !== 'GET') {
    headers.set('content-type', 'application/json');
    if (over.body !== undefined) body = over.body ?? undefined;
    else if (over.jsonBody !== undefined) body = encodeJson(over.jsonBody);
    else if (route.body) body = encodeJson(baseBody(key));
  }
  for (const [name, value] of Object.entries(over.headers ?? {})) {
    if (value === null) headers.delete(name);
    else headers.set(name, value);
  }
  return wire(t.base, { method: route.method, path: `${path}${over.query ?? ''}`, headers: [...headers.entries()], body, contentLength: over.contentLength });
}

const adminOk = (route: AdminRoute): Expect => is(route.answer.status, 200, 'conflict');

const PATH_VALUES: Array<[string, string, Expect]> = [
  ['%00', '%00', INVALID], ['x%00', 'x%00', INVALID], ['a lone high surrogate (%ED%A0%80)', 'victim%ED%A0%80', INVALID],
  ['a lone low surrogate (%ED%BF%BF)', 'victim%ED%BF%BF%40t.test', INVALID], ['two lone surrogates', '%ED%A0%80%ED%A0%80', INVALID],
  ['a truncated UTF-8 escape', '%E0%A4', INVALID], ['a bare %', '%', INVALID], ['%zz', '%zz', INVALID],
  ['a 300-character segment', 's'.repeat(300), is('invalid_request', 'not_found')], ['10 KB', TEN_KB, is('invalid_request', 'not_found')],
  ['an RTL override', 'x%E2%80%AE', TOLERATED], ['a zero-width space', 'x%E2%80%8B', TOLERATED], ['an encoded slash', 'a%2Fb', TOLERATED],
  ['"__proto__"', '__proto__', TOLERATED], ['"constructor"', 'constructor', TOLERATED], ['"prototype"', 'prototype', TOLERATED],
  ['a literal %00', '%2500', TOLERATED], ['a quote', "x'", TOLERATED], ['"123"', '123', TOLERATED],
];

function adminGroups(): AttackGroup[] {
  const groups: AttackGroup[] = [];
  for (const route of ADMIN_ROUTES) {
    const key = routeKey(route);
    for (const name of [...route.path.matchAll(/:([a-zA-Z]+)/g)].map((m) => m[1])) {
      groups.push(caseGroup(`admin ${key} :${name}: a NUL, lone surrogate, malformed escape or over-long segment is 400 invalid_request; nothing is 5xx`, (t) => [
        { label: `${key} with every value valid`, expect: adminOk(route), send: () => adminCall(t, route) },
        ...PATH_VALUES.map(([label, value, expect]) => ({
          label: `${key} :${name}: ${label}`, expect, send: () => adminCall(t, route, { params: { [name]: value } }),
        })),
      ]));
    }
    if (route.body) {
      for (const field of fieldsOf(route.body as JsonSchema)) {
        const where = field.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
        groups.push(caseGroup(`admin ${key} body${where}: NUL, lone surrogates, 10 KB, non-UTF-8 and wrong types are 400 invalid_request; nothing is 5xx`, (t) => {
          const base = baseBody(key);
          return hostileFor(field, base).map((v) => ({
            label: `${key} body${where}: ${v.label}`,
            expect: v.expect,
            send: () => adminCall(t, route, { jsonBody: setAt(baseBody(key), field.path, v.value) }),
          }));
        }));
      }
    }
    if (route.method !== 'GET') {
      groups.push(caseGroup(`admin ${key} body: prototype keys, unknown fields, the wrong top-level type or bad JSON are 400 invalid_request, the wrong media type 415, over 16 KiB 413`, (t) =>
        bodyLevelCases(key, route.body ? baseBody(key) : undefined, (over) => adminCall(t, route, over), route.body !== undefined)));
    }
    if (route.query) {
      for (const name of Object.keys((route.query as JsonSchema).properties ?? {})) {
        const strict: Array<[string, string]> = name === 'limit' ? [['not a number', 'abc'], ['1e1', '1e1'], ['0x10', '0x10'], ['a leading space', '%205']]
          : name === 'since' ? [['not a date', 'garbage'], ['February 30', '2026-02-30T00:00:00Z'], ['no zone', '2026-03-01T10:00:00']]
            : name === 'cursor' ? CURSORS
              : name === 'status' ? [['an unknown status', 'BOGUS']] : [];
        const tolerated: Array<[string, string]> = name === 'limit' ? [['-1', '-1'], ['0', '0'], ['1e9', '1e9'], ['huge', '99999999']]
          : name === 'email' ? [['a display name', 'n%3Cvictim%40t.test%3E'], ['a list', 'x1%2Cvictim%40t.test']] : [];
        groups.push(caseGroup(`admin ${key} ?${name}=: a NUL, lone surrogate, 10 KB or malformed value is 400 invalid_request; nothing is 5xx`, (t) => [
          { label: `${key} without a query`, expect: is(200), send: () => adminCall(t, route) },
          ...queryValues(strict, tolerated).map(([label, value, expect]) => ({
            label: `${key} ?${name}=: ${label}`, expect, send: () => adminCall(t, route, { query: `?${name}=${value}` }),
          })),
        ]));
      }
    }
  }
  groups.push(caseGroup('admin: an Authorization that is not the admin token is 401 unauthorized (or 400 when malformed), never 5xx', (t) => {
    const route = ADMIN_ROUTES.find((r) => r.method === 'GET' && r.path === '/tenants/:slug') as AdminRoute;
    const either = is('unauthorized', 'invalid_request');
    const values: Array<[string, HeaderValue, Expect]> = [
      ['the token with a NUL', Buffer.from(`${bearer(t.adminToken)}\u0000`), { allow: ['unauthorized', 'invalid_request'], parser400: true }],
      ['the token with lone-surrogate bytes', Buffer.concat([Buffer.from(bearer(t.adminToken)), SURROGATE_BYTES]), either],
      ['a 10 KB token', bearer(TEN_KB), either], ['the token with a suffix', bearer(`${t.adminToken}x`), either],
      ['a prefix of the token', bearer(t.adminToken.slice(0, -1)), either], ['Basic credentials', `Basic ${b64(`admin:${t.adminToken}`)}`, either],
      ['Bearer alone', 'Bearer', either], ['an empty value', '', either], ['a session JWT', bearer(t.a.sessionJwt), either],
      ['the token with an RTL override', `${bearer(t.adminToken)}\u202e`, either],
    ];
    return values.map(([label, value, expect]) => ({ label: `admin authorization: ${label}`, expect, send: () => adminCall(t, route, { headers: { authorization: value } }) }));
  }));
  return groups;
}

// ---- replays, races, other tenants, victims ------------------------------------------------------------------

function ofCode(answer: WireAnswer): string {
  return answer.status >= 400 ? errorCodeOf(answer) ?? `${answer.status}` : String(answer.status);
}

function flowGroups(): AttackGroup[] {
  const check = (t: AttackTarget, fail: (m: string) => void, label: string, expect: Expect, answer: WireAnswer) => {
    const verdict = judge(label, expect, answer, t);
    if (verdict) fail(verdict);
  };
  return [
    customGroup('replay: the same bridge token twice: the second exchange is 401 bridge_token_replayed', async (t, fail) => {
      const token = await t.mintBridgeToken(t.a);
      check(t, fail, 'first exchange', is(200), await exchange(t, token));
      check(t, fail, 'second exchange', is('bridge_token_replayed'), await exchange(t, token));
    }),
    customGroup('replay: the same magic-link token twice: the second exchange is 401 magic_link_invalid', async (t, fail) => {
      const token = await t.magicToken(t.a);
      const spec = widget('magic-link/exchange');
      check(t, fail, 'first exchange', is(200), await widgetCall(t, spec, { body: encodeJson({ token }) }));
      check(t, fail, 'second exchange', is('magic_link_invalid'), await widgetCall(t, spec, { body: encodeJson({ token }) }));
    }),
    customGroup('race: 20 parallel exchanges of one bridge token give exactly one 200, the rest 401 bridge_token_replayed', async (t, fail) => {
      const token = await t.mintBridgeToken(t.a);
      const answers = await Promise.all(Array.from({ length: 20 }, () => exchange(t, token)));
      const codes = answers.map(ofCode);
      if (codes.filter((c) => c === '200').length !== 1 || codes.some((c) => c !== '200' && c !== 'bridge_token_replayed')) {
        fail(`20 parallel exchanges answered ${JSON.stringify(codes)}`);
      }
      answers.forEach((a, i) => check(t, fail, `parallel exchange ${i}`, is(200, 'bridge_token_replayed'), a));
    }),
    customGroup('race: 20 parallel exchanges of one magic-link token give exactly one 200, the rest 401 magic_link_invalid', async (t, fail) => {
      const token = await t.magicToken(t.a);
      const spec = widget('magic-link/exchange');
      const answers = await Promise.all(Array.from({ length: 20 }, () => widgetCall(t, spec, { body: encodeJson({ token }) })));
      const codes = answers.map(ofCode);
      if (codes.filter((c) => c === '200').length !== 1 || codes.some((c) => c !== '200' && c !== 'magic_link_invalid')) {
        fail(`20 parallel exchanges answered ${JSON.stringify(codes)}`);
      }
    }),
    customGroup('race: 20 parallel logouts of one session give exactly one 204, the rest 401 session_invalid', async (t, fail) => {
      const jwt = await newSession(t, t.a, `logout-racer-${randomBytes(4).toString('hex')}`);
      // Without the spec's fresh session per call: all 20 carry the one JWT.
      const spec: WidgetSpec = { ...widget('logout'), session: undefined };
      const answers = await Promise.all(Array.from({ length: 20 }, () => widgetCall(t, spec, { headers: { authorization: bearer(jwt) }, body: encodeJson({}) })));
      const codes = answers.map((a) => (a.status === 204 ? '204' : ofCode(a)));
      if (codes.filter((c) => c === '204').length !== 1 || codes.some((c) => c !== '204' && c !== 'session_invalid')) {
        fail(`20 parallel logouts answered ${JSON.stringify(codes)}`);
      }
    }),
    customGroup('other tenant: B\'s embed key with A\'s slug is 401 embed_key_invalid, B\'s session JWT on A\'s key 401 session_invalid, A\'s tokens under B refused', async (t, fail) => {
      for (const spec of WIDGET) {
        check(t, fail, `${spec.name} with B's embed key and A's slug`, is('embed_key_invalid'), await widgetCall(t, spec, { headers: { 'x-aforo-embed-key': t.b.embedKey } }));
        check(t, fail, `${spec.name} with A's embed key and B's slug`, is('embed_key_invalid'), await widgetCall(t, spec, { headers: { 'x-aforo-tenant': t.b.slug } }));
        if (spec.session) {
          const jwt = spec.session === 'fresh' ? await newSession(t, t.b) : t.b.sessionJwt;
          check(t, fail, `${spec.name} with B's session JWT on A's embed key`, is('session_invalid'), await widgetCall(t, spec, { headers: { authorization: bearer(jwt) } }));
        }
      }
      check(t, fail, "A's bridge token under B", is('signing_key_unknown', 'bridge_token_invalid'), await exchange(t, await t.mintBridgeToken(t.a), t.b));
      check(t, fail, "B's bridge token under A", is('signing_key_unknown', 'bridge_token_invalid'), await exchange(t, await t.mintBridgeToken(t.b), t.a));
      const forged = jws(JSON.stringify({ alg: 'HS256', kid: t.b.kid }), JSON.stringify(claimsOf(t)), t.a.secret);
      check(t, fail, "A's secret under B's kid, sent to A", is('signing_key_unknown', 'bridge_token_invalid'), await exchange(t, forged, t.a));
      const magic = await t.magicToken(t.a);
      const exchangeB = await wire(t.base, {
        method: 'POST', path: '/v1/embed/auth/magic-link/exchange',
        headers: [['Origin', t.origin], ['X-Aforo-Tenant', t.b.slug], ['X-Aforo-Embed-Key', t.b.embedKey], ['Content-Type', 'application/json']],
        body: encodeJson({ token: magic }),
      });
      check(t, fail, "A's magic-link token under B's tenant and key", is('magic_link_invalid'), exchangeB);
      const me = await widgetCall(t, widget('me'));
      const invoices = await widgetCall(t, widget('invoices'));
      for (const [label, answer] of [['me', me], ['invoices', invoices]] as const) {
        if (answer.text.includes(t.b.invoiceId) || answer.text.includes(t.b.knownEmail) || answer.text.includes(t.b.sessionExternalId)) fail(`A's ${label} shows B's data`);
      }
    }),
    customGroup('other tenant: admin calls on A\'s paths with B\'s ids never read or change B\'s data', async (t, fail) => {
      const admin = (method: string, path: string, body?: unknown) => wire(t.base, {
        method, path: `/v1/admin${path}`,
        headers: [['Authorization', bearer(t.adminToken)], ...(body === undefined ? [] : [['Content-Type', 'application/json'] as [string, string]])],
        body: body === undefined ? undefined : encodeJson(body),
      });
      const leaksB = (answer: WireAnswer) =>
        [t.b.invoiceNumber, t.b.knownEmail, t.b.embedKey, t.b.secret].some((s) => answer.text.includes(s));
      const before = {
        offerings: (await admin('GET', `/tenants/${t.b.slug}/offerings`)).text,
        invoices: (await admin('GET', `/tenants/${t.b.slug}/customers/${t.b.sessionExternalId}/invoices`)).text,
        keys: (await admin('GET', `/tenants/${t.b.slug}/embed-keys`)).text,
        signing: (await admin('GET', `/tenants/${t.b.slug}/signing-keys`)).text,
      };
      const cases: Array<[string, string, string, unknown, Expect]> = [
        ["A's invoices of B's customer", 'GET', `/tenants/${t.a.slug}/customers/${t.b.sessionExternalId}/invoices`, undefined, is(200, 'not_found')],
        ["A's customers with B's email", 'GET', `/tenants/${t.a.slug}/customers?email=${encodeURIComponent(t.b.knownEmail)}`, undefined, is(200)],
        ["A's offering with B's offering id", 'PUT', `/tenants/${t.a.slug}/offerings/${t.b.offeringId}`, { name: 'A takes it', status: 'DRAFT' }, is(200, 'conflict')],
        ["A's invoice with B's invoice id", 'PUT', `/tenants/${t.a.slug}/customers/${t.b.sessionExternalId}/invoices/${t.b.invoiceId}`,
          { number: 'A-STOLEN', status: 'PAID', amountDueCents: 1, currency: 'eur', issuedAt: '2026-02-01T00:00:00.000Z' }, is(200, 'conflict')],
        ["A's embed key PATCH with B's key id", 'PATCH', `/tenants/${t.a.slug}/embed-keys/${t.b.embedKeyId}`, { allowedOrigins: ['https://evil.example.com'] }, is('not_found')],
        ["A's embed key revoke with B's key id", 'POST', `/tenants/${t.a.slug}/embed-keys/${t.b.embedKeyId}/revoke`, undefined, is('not_found')],
        ["A's signing key promote with B's kid", 'POST', `/tenants/${t.a.slug}/signing-keys/${t.b.promoteKid}/promote`, undefined, is('not_found')],
        ["A's signing key revoke with B's kid", 'POST', `/tenants/${t.a.slug}/signing-keys/${t.b.kid}/revoke`, { force: true, endSessions: true }, is('not_found')],
      ];
      for (const [label, method, path, body, expect] of cases) {
        const answer = await admin(method, path, body);
        check(t, fail, label, expect, answer);
        if (leaksB(answer)) fail(`${label}: the answer shows B's data`);
        if (method === 'GET' && answer.status === 200) {
          const list = answer.json as { customers?: unknown[]; invoices?: unknown[] };
          if ((list.customers ?? list.invoices ?? []).length > 0) fail(`${label}: answered ${answer.text.slice(0, 120)}`);
        }
      }
      const after = {
        offerings: (await admin('GET', `/tenants/${t.b.slug}/offerings`)).text,
        invoices: (await admin('GET', `/tenants/${t.b.slug}/customers/${t.b.sessionExternalId}/invoices`)).text,
        keys: (await admin('GET', `/tenants/${t.b.slug}/embed-keys`)).text,
        signing: (await admin('GET', `/tenants/${t.b.slug}/signing-keys`)).text,
      };
      for (const what of Object.keys(before) as Array<keyof typeof before>) {
        if (before[what] !== after[what]) fail(`B's ${what} changed through A's paths`);
      }
      check(t, fail, "B's own session still works", is(200), await wire(t.base, {
        method: 'GET', path: '/v1/embed/me',
        headers: [['Origin', t.origin], ['X-Aforo-Tenant', t.b.slug], ['X-Aforo-Embed-Key', t.b.embedKey], ['Authorization', bearer(t.b.sessionJwt)]],
      }));
    }),
    customGroup('customers: victim\\ud800@t.test and victim\\udfff@t.test never become customers: 400 on every route, and absent from the list', async (t, fail) => {
      const admin = (method: string, path: string, body?: unknown) => wire(t.base, {
        method, path: `/v1/admin/tenants/${t.a.slug}${path}`,
        headers: [['Authorization', bearer(t.adminToken)], ['Content-Type', 'application/json']],
        body: body === undefined ? undefined : encodeJson(body),
      });
      for (const [label, escaped, text] of [['high', 'victim%ED%A0%80%40t.test', 'victim\ud800@t.test'], ['low', 'victim%ED%BF%BF%40t.test', 'victim\udfff@t.test']]) {
        check(t, fail, `PUT customer :externalId with a lone ${label} surrogate`, INVALID, await admin('PUT', `/customers/${escaped}`, { name: 'Victim' }));
        check(t, fail, `PUT invoice of a customer :externalId with a lone ${label} surrogate`, INVALID, await admin('PUT', `/customers/${escaped}/invoices/inv-victim`,
          { number: 'V-1', status: 'OPEN', amountDueCents: 1, currency: 'eur', issuedAt: '2026-02-01T00:00:00.000Z' }));
        check(t, fail, `PUT customer body.externalId with a lone ${label} surrogate`, INVALID, await admin('PUT', '/customers/victim-ok', { externalId: text }));
        check(t, fail, `PUT customer body.email with a lone ${label} surrogate`, INVALID, await admin('PUT', '/customers/victim-ok', { email: text }));
        check(t, fail, `GET customers ?email= with a lone ${label} surrogate`, INVALID, await admin('GET', `/customers?email=${escaped}`));
        const claims = { ...claimsOf(t), external_customer_id: text };
        check(t, fail, `bridge token external_customer_id with a lone ${label} surrogate`, BRIDGE_INVALID,
          await exchange(t, jws(JSON.stringify({ alg: 'HS256', kid: t.a.kid }), encodeJson(claims), t.a.secret)));
        check(t, fail, `bridge token email with a lone ${label} surrogate`, BRIDGE_INVALID,
          await exchange(t, jws(JSON.stringify({ alg: 'HS256', kid: t.a.kid }), encodeJson({ ...claimsOf(t), external_customer_id: 'victim-ok', email: text }), t.a.secret)));
        check(t, fail, `magic-link email with a lone ${label} surrogate`, INVALID,
          await widgetCall(t, widget('magic-link'), { body: encodeJson({ email: text, returnUrl: RETURN_URL }) }));
      }
      const list = await admin('GET', '/customers');
      if (list.status !== 200) fail(`the customer list answered ${got(list)}`);
      for (const c of (list.json as { customers?: Array<Record<string, unknown>> } | null)?.customers ?? []) {
        for (const value of [c.externalId, c.email]) {
          if (typeof value === 'string' && /^victim.@t\.test$/iu.test(value)) fail(`the customer list holds ${JSON.stringify(value)}`);
        }
      }
    }),
  ];
}

// ---- resumable sessions (SPEC section 9) ---------------------------------------------------------------------

const embedHeadersOf = (t: AttackTarget, tenant: AttackTenant): Array<[string, string]> =>
  [['Origin', t.origin], ['X-Aforo-Tenant', tenant.slug], ['X-Aforo-Embed-Key', tenant.embedKey], ['Content-Type', 'application/json']];

/** A magic-link session of `tenant` bound to a fresh resume key. */
async function resumableSession(t: AttackTarget, tenant: AttackTenant): Promise<ResumeKeyPair> {
  const key = await makeResumeKey();
  const token = await t.magicToken(tenant);
  const answer = await wire(t.base, {
    method: 'POST', path: '/v1/embed/auth/magic-link/exchange', headers: embedHeadersOf(t, tenant), body: encodeJson({ token, resumeKey: key.publicJwk }),
  });
  const jwt = (answer.json as { sessionJwt?: unknown } | null)?.sessionJwt;
  if (answer.status !== 200 || typeof jwt !== 'string') throw new Error(`a magic-link exchange with a resume key failed: ${got(answer)}`);
  t.seen.add(jwt);
  return key;
}

async function resumeNonce(t: AttackTarget, tenant: AttackTenant): Promise<string> {
  const answer = await wire(t.base, { method: 'POST', path: '/v1/embed/auth/resume/nonce', headers: embedHeadersOf(t, tenant), body: encodeJson({}) });
  const nonce = (answer.json as { nonce?: unknown } | null)?.nonce;
  if (answer.status !== 200 || typeof nonce !== 'string') throw new Error(`a resume nonce was refused: ${got(answer)}`);
  return nonce;
}

const resumeCall = (t: AttackTarget, tenant: AttackTenant, proof: unknown): Promise<WireAnswer> =>
  wire(t.base, { method: 'POST', path: '/v1/embed/auth/resume', headers: embedHeadersOf(t, tenant), body: encodeJson({ proof }) });

const proofOf = async (t: AttackTarget, key: ResumeKeyPair, extra: Partial<Parameters<typeof resumeProof>[1]> = {}, tenant: AttackTenant = t.a) =>
  resumeProof(key, { nonce: await resumeNonce(t, tenant), htu: `${t.issuer}/v1/embed/auth/resume`, iat: t.now(), ...extra });

/** A compact JWS with any header and payload, signed (as ES256) by `key`; the signature is real, the content hostile. */
async function rawProof(key: ResumeKeyPair, header: string, payload: string): Promise<string> {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey, new TextEncoder().encode(input));
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

function resumeGroups(): AttackGroup[] {
  const SESSION_INVALID = is('session_invalid');
  const spec = widget('resume');
  const exchangeSpec = widget('magic-link/exchange');
  const point = 'A'.repeat(43);
  return [
    caseGroup('resume: body.proof that is not a string is 400 invalid_request; a string that is no valid proof is 401 session_invalid', async (t) => [
      ...[
        h('a NUL', 'x\u0000', is('invalid_request', 'session_invalid')), h('a lone high surrogate', 'victim\ud800', is('invalid_request', 'session_invalid')),
        h('a lone low surrogate', 'victim\udfff', is('invalid_request', 'session_invalid')), h('bytes that are not UTF-8', NOT_UTF8_STRING, is('invalid_request', 'session_invalid')),
        h('10 KB', TEN_KB), h('an empty string', '', is('invalid_request', 'session_invalid')), h('garbage in three parts', 'a.b.c', SESSION_INVALID),
        h('a bridge-style HS256 token', jws(JSON.stringify({ alg: 'HS256', typ: 'aforo-resume+jwt' }), '{}', 'x'), SESSION_INVALID),
        ...wrongTypes(false),
      ].map((v) => ({ label: `resume body.proof: ${v.label}`, expect: v.expect, send: () => widgetCall(t, spec, { body: encodeJson({ proof: v.value }) }) })),
    ]),
    caseGroup('resume: a proof with a hostile header or claims (alg none, a private or symmetric key, NUL, lone surrogates, huge values, wrong types) is 401 session_invalid; an own __proto__ member changes nothing', async (t) => {
      const key = await resumableSession(t, t.a);
      const htu = `${t.issuer}/v1/embed/auth/resume`;
      const header = (extra: Record<string, unknown> = {}) => JSON.stringify({ alg: 'ES256', typ: 'aforo-resume+jwt', jwk: key.publicJwk, ...extra });
      const claims = (nonce: string, extra: Record<string, unknown> = {}) => JSON.stringify({ nonce, htm: 'POST', htu, iat: t.now(), jti: 'j1', ...extra });
      const exported = await crypto.subtle.exportKey('jwk', key.privateKey);
      // An own __proto__ member must change nothing: the proof stays what its real members say (here, valid).
      const inert = new Set(['a header __proto__ key', 'a claims __proto__ key']);
      const hostile: Array<[string, (nonce: string) => Promise<string>]> = [
        ['alg none', async (n) => `${b64(header({ alg: 'none' }))}.${b64(claims(n))}.`],
        ['the private key in the header', (n) => rawProof(key, header({ jwk: { kty: 'EC', crv: 'P-256', x: exported.x, y: exported.y, d: exported.d } }), claims(n))],
        ['a symmetric key in the header, HS256', async (n) => jws(JSON.stringify({ alg: 'HS256', typ: 'aforo-resume+jwt', jwk: { kty: 'oct', k: b64('secret') } }), claims(n), 'secret')],
        ['a header __proto__ key', (n) => rawProof(key, header().replace(/^\{/, '{"__proto__":{"alg":"none"},'), claims(n))],
        ['a claims __proto__ key', (n) => rawProof(key, header(), claims(n).replace(/^\{/, '{"__proto__":{"htu":"x"},'))],
        ['a NUL in jti', (n) => rawProof(key, header(), claims(n, { jti: 'j\u0000' }))],
        ['a lone surrogate in jti', (n) => rawProof(key, header(), claims(n, { jti: 'j\ud800' }))],
        ['a 1000-character jti', (n) => rawProof(key, header(), claims(n, { jti: 'j'.repeat(1000) }))],
        ['a NUL in the nonce', (n) => rawProof(key, header(), claims(`${n}\u0000`))],
        ['a numeric nonce', (n) => rawProof(key, header(), claims(n, { nonce: 12345 }))],
        ['an htu array', (n) => rawProof(key, header(), claims(n, { htu: [htu] }))],
        ['an iat string', (n) => rawProof(key, header(), claims(n, { iat: String(t.now()) }))],
        ['a jwk with an unknown curve', (n) => rawProof(key, header({ jwk: { ...key.publicJwk, crv: 'P-384' } }), claims(n))],
        ['a jwk that is a string', (n) => rawProof(key, header({ jwk: JSON.stringify(key.publicJwk) }), claims(n))],
        ['a crit header', (n) => rawProof(key, header({ crit: ['zz'], zz: 1 }), claims(n))],
        ['a claims set that is an array', (n) => rawProof(key, header(), `[${claims(n)}]`)],
        ['bytes that are not UTF-8 in the claims', async (n) => `${b64(header())}.${b64(Buffer.concat([Buffer.from(claims(n).slice(0, -1)), SURROGATE_BYTES, Buffer.from('}')]))}.AAAA`],
      ];
      const cases: AttackCase[] = hostile.map(([label, make]) => ({
        label: `resume proof: ${label}`, expect: inert.has(label) ? is('session_invalid', 200) : SESSION_INVALID, send: async () => resumeCall(t, t.a, await make(await resumeNonce(t, t.a))),
      }));
      cases.push({ label: 'resume proof: a valid one still resumes', expect: is(200), send: async () => resumeCall(t, t.a, await proofOf(t, key)) });
      return cases;
    }),
    caseGroup('magic-link/exchange: body.resumeKey that is not a public P-256 or Ed25519 JWK (a private d, unknown members, another curve, NUL, 10 KB, __proto__, wrong types) is 400 invalid_request', async (t) => {
      const valid = (await makeResumeKey()).publicJwk;
      const values: Hostile[] = [
        ...MALFORMED_STRINGS, ...wrongTypes(false), h('a JWK string', JSON.stringify(valid)),
        h('a private d', { ...valid, d: point }), h('an unknown member', { ...valid, zz: 1 }), h('alg and key_ops', { ...valid, alg: 'ES256', key_ops: ['verify'] }),
        h('P-384', { ...valid, crv: 'P-384' }), h('RSA', { kty: 'RSA', n: point, e: 'AQAB' }), h('oct', { kty: 'oct', k: point }), h('Ed448', { kty: 'OKP', crv: 'Ed448', x: point }),
        h('no y', { kty: 'EC', crv: 'P-256', x: valid.x }), h('a NUL in x', { ...valid, x: `${valid.x.slice(0, 42)}\u0000` }),
        h('a lone surrogate in y', { ...valid, y: `${valid.y.slice(0, 42)}\ud800` }), h('a 10 KB x', { ...valid, x: TEN_KB }), h('a numeric x', { ...valid, x: 1 }),
        h('an own __proto__ member', JSON.parse(`{"__proto__":{"d":"x"},"kty":"EC","crv":"P-256","x":"${valid.x}","y":"${valid.y}"}`)),
        h('a point that is not on the curve', { kty: 'EC', crv: 'P-256', x: point, y: point }),
        h('a valid key with an unknown token', valid, is('magic_link_invalid')),
      ];
      return values.map((v) => ({
        label: `magic-link/exchange body.resumeKey: ${v.label}`, expect: v.expect,
        send: () => widgetCall(t, exchangeSpec, { body: encodeJson({ token: 'attack-unknown-magic-token-000000000000', resumeKey: v.value }) }),
      }));
    }),
    customGroup('resume: a replayed nonce, a replayed proof, a proof over B\'s nonce, a proof sent under B, and a logged-out session are 401 session_invalid', async (t, fail) => {
      const check = (label: string, expect: Expect, answer: WireAnswer) => {
        const verdict = judge(label, expect, answer, t);
        if (verdict) fail(verdict);
      };
      const key = await resumableSession(t, t.a);
      const htu = `${t.issuer}/v1/embed/auth/resume`;
      const nonce = await resumeNonce(t, t.a);
      const proof = await resumeProof(key, { nonce, htu, iat: t.now() });
      check('first resume', is(200), await resumeCall(t, t.a, proof));
      check('the same proof again', SESSION_INVALID, await resumeCall(t, t.a, proof));
      check('a new proof over the spent nonce', SESSION_INVALID, await resumeCall(t, t.a, await resumeProof(key, { nonce, htu, iat: t.now() })));
      check("a proof over B's nonce", SESSION_INVALID, await resumeCall(t, t.a, await resumeProof(key, { nonce: await resumeNonce(t, t.b), htu, iat: t.now() })));
      check("A's proof over B's nonce sent under B", SESSION_INVALID, await resumeCall(t, t.b, await proofOf(t, key, {}, t.b)));
      const resumed = await resumeCall(t, t.a, await proofOf(t, key));
      check('resume before logout', is(200), resumed);
      const jwt = (resumed.json as { sessionJwt: string }).sessionJwt;
      t.seen.add(jwt);
      await wire(t.base, { method: 'POST', path: '/v1/embed/auth/logout', headers: [...embedHeadersOf(t, t.a), ['Authorization', bearer(jwt)]], body: encodeJson({}) });
      check('resume after logout', SESSION_INVALID, await resumeCall(t, t.a, await proofOf(t, key)));
    }),
    customGroup('race: 20 parallel resumes over one nonce give exactly one 200, the rest 401 session_invalid', async (t, fail) => {
      const key = await resumableSession(t, t.a);
      const nonce = await resumeNonce(t, t.a);
      const proofs = await Promise.all(Array.from({ length: 20 }, () => resumeProof(key, { nonce, htu: `${t.issuer}/v1/embed/auth/resume`, iat: t.now() })));
      const answers = await Promise.all(proofs.map((proof) => resumeCall(t, t.a, proof)));
      const codes = answers.map(ofCode);
      if (codes.filter((c) => c === '200').length !== 1 || codes.some((c) => c !== '200' && c !== 'session_invalid')) fail(`20 parallel resumes answered ${JSON.stringify(codes)}`);
      for (const answer of answers) {
        const jwt = (answer.json as { sessionJwt?: string } | null)?.sessionJwt;
        if (jwt) t.seen.add(jwt);
      }
    }),
  ];
}

// ---- subscriptions, usage and checkout (SPEC section 10) ------------------------------------------------------

const SUBSCRIPTION_ID_ROUTES = ['usage', 'cancel', 'resume-subscription', 'change-plan'];

function subscriptionGroups(): AttackGroup[] {
  const groups: AttackGroup[] = [];
  for (const name of SUBSCRIPTION_ID_ROUTES) {
    const spec = widget(name);
    groups.push(caseGroup(`${name}: a hostile :id (NUL, lone surrogate, malformed escape, 10 KB) is 400 invalid_request; an unknown one 404; nothing is 5xx`, (t) => [
      { label: `${name} with the customer's own subscription`, expect: spec.ok, send: () => widgetCall(t, spec) },
      ...PATH_VALUES.map(([label, value, expect]) => ({
        label: `${name} :id: ${label}`, expect, send: () => widgetCall(t, spec, { pathId: value }),
      })),
      { label: `${name} :id: a 101-character id`, expect: INVALID, send: () => widgetCall(t, spec, { pathId: 's'.repeat(101) }) },
      { label: `${name} :id: unknown`, expect: is('not_found'), send: () => widgetCall(t, spec, { pathId: 'sub-unknown' }) },
    ]));
    groups.push(caseGroup(`${name}: another customer's or another tenant's subscription id is 404 not_found; another tenant's session 401`, (t) => [
      { label: `${name}: a subscription of another customer of the tenant`, expect: is('not_found'), send: () => widgetCall(t, spec, { pathId: encodeURIComponent(t.a.otherSubscriptionId) }) },
      { label: `${name}: a subscription of the other tenant's session customer`, expect: is('not_found'), send: () => widgetCall(t, spec, { pathId: encodeURIComponent(t.b.subscriptionId) }) },
      { label: `${name}: the other tenant's session JWT`, expect: is('session_invalid'), send: () => widgetCall(t, spec, { headers: { authorization: bearer(t.b.sessionJwt) } }) },
    ]));
  }
  const field = (spec: WidgetSpec, name: string, values: Hostile[]) =>
    caseGroup(`${spec.name}: body.${name} that is not a 1-100 character well-formed string is 400 invalid_request; nothing is 5xx`, async (t) => values.map((v) => ({
      label: `${spec.name} body.${name}: ${v.label}`,
      expect: v.expect,
      send: async () => widgetCall(t, spec, { body: encodeJson({ ...((await spec.body?.(t)) as object), [name]: v.value }) }),
    })));
  const ids: Hostile[] = [...MALFORMED_STRINGS, ...wrongTypes(false), h('an empty string', ''), h('101 characters', 'p'.repeat(101)),
    h('an unknown id', 'nope', is('not_found')), h('SQL', "m'; drop table subscriptions; --", is('not_found')), h('"__proto__"', '__proto__', is('not_found'))];
  groups.push(field(widget('change-plan'), 'ratePlanId', ids));
  groups.push(field(widget('checkout'), 'offeringId', ids));
  groups.push(field(widget('checkout'), 'ratePlanId', ids));
  groups.push(caseGroup('checkout: body.offeringId of the other tenant is 404 not_found', (t) => [
    { label: 'checkout: the other tenant\'s offering', expect: is('not_found'), send: async () => widgetCall(t, widget('checkout'), { body: encodeJson({ offeringId: t.b.offeringId, ratePlanId: 'm', returnUrl: RETURN_URL }) }) },
  ]));
  groups.push(field(widget('checkout'), 'returnUrl', [
    ...MALFORMED_STRINGS, ...wrongTypes(false),
    ...['https://evil.example.com/x', 'https://shop.example.com.evil.com/', 'https://shop.example.com@evil.com/', 'http://shop.example.com/', 'javascript:alert(1)', '']
      .map((url) => h(JSON.stringify(url), url, is('return_url_not_allowed', 'invalid_request'))),
  ]));
  groups.push(customGroup('cancel and resume racing on one subscription: every call answers 200, the row ends as one of them left it, never a 5xx', async (t, fail) => {
    const cancel = widget('cancel');
    const resume = widget('resume-subscription');
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => widgetCall(t, i % 2 === 0 ? cancel : resume)));
    for (const answer of answers) if (answer.status !== 200) fail(`a racing cancel/resume answered ${got(answer)}`);
    const listed = await widgetCall(t, widget('subscriptions'));
    const mine = (listed.json as { subscriptions?: Array<{ id: string; cancelAtPeriodEnd: boolean }> } | null)?.subscriptions?.find((s) => s.id === t.a.subscriptionId);
    if (!mine) fail(`the subscription is gone after the race: ${got(listed)}`);
    else if (typeof mine.cancelAtPeriodEnd !== 'boolean') fail('cancelAtPeriodEnd is no boolean after the race');
    const resumed = await widgetCall(t, resume);
    if (resumed.status !== 200 || (resumed.json as { subscription?: { cancelAtPeriodEnd?: unknown } })?.subscription?.cancelAtPeriodEnd !== false) fail(`a last resume answered ${got(resumed)}`);
  }));
  groups.push(customGroup('checkout racing for one plan: every call answers 200 subscribed and the customer holds one subscription of the offering', async (t, fail) => {
    const externalId = `racer-${randomBytes(4).toString('hex')}`;
    const jwt = await newSession(t, t.a, externalId);
    const spec = widget('checkout');
    const answers = await Promise.all(Array.from({ length: 12 }, () => widgetCall(t, spec, { headers: { authorization: bearer(jwt) } })));
    for (const answer of answers) if (answer.status !== 200) fail(`a racing checkout answered ${got(answer)}`);
    const listed = await widgetCall(t, widget('subscriptions'), { headers: { authorization: bearer(jwt) } });
    const count = (listed.json as { subscriptions?: unknown[] } | null)?.subscriptions?.length;
    if (count !== 1) fail(`the customer holds ${count} subscriptions after racing checkouts, not 1`);
  }));
  return groups;
}

// ---- the battery ---------------------------------------------------------------------------------------------

/** Every group of the battery, in the order they run. */
export function attackGroups(): AttackGroup[] {
  return [
    customGroup('the battery covers every widget route of the route table', async (_t, fail) => {
      for (const route of WIDGET_ROUTES) {
        if (!WIDGET.some((w) => w.method === route.method && w.path === route.path)) fail(`${route.method} ${route.path} is not in the battery's WIDGET list`);
      }
    }),
    ...widgetHeaderGroups(), ...widgetBodyGroups(), ...widgetQueryGroups(), ...subscriptionGroups(), ...tokenGroups(), ...adminGroups(), ...flowGroups(),
    ...resumeGroups(),
  ];
}

/** Strings no stored record may hold after the battery: NUL, lone surrogates, the replacement character. */
export const UNCLEAN_TEXT = /[\u0000\ufffd]|\p{Cs}/u;
