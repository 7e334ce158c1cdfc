import type { Static, TSchema } from '@sinclair/typebox';
import { adminRoute, refuseAdminToken } from '../admin-routes.js';
import type { BridgeApi } from '../api.js';
import type { Caller } from '../audit.js';
import { clientIp } from '../client-ip.js';
import { safeEqual } from '../crypto.js';
import { checkRequestStrings, errorResponse, json, readJsonBody } from '../edge.js';
import type { Engine } from '../engine.js';
import { BridgeError } from '../errors.js';
import type { PlainRequest, PlainResponse } from '../http.js';
import { ADMIN_ROUTES } from '../routes.js';
import { isCleanString, validate } from '../validate.js';
import { loadStudioAssets } from './assets.js';
import { checkBridgeToken } from './checker.js';
import { CheckTokenAnswer, CheckTokenBody, SignInBody, StudioSessionAnswer } from './schemas.js';
import { StudioSessions, type StudioSession } from './sessions.js';

/**
 * Embed Studio (`{prefix}/studio`): the page, its bundle, sign-in and sign-out, the token checker, and the admin
 * API under `/studio/api/v1/admin/…`, which is the admin route table itself reached with the studio cookie
 * instead of the bearer token: the same dispatch, schemas, verbs and audit, no second implementation.
 */

export const COOKIE = 'aforo_studio';
export const CSRF_HEADER = 'x-aforo-csrf';
const ADMIN_MOUNT = '/studio/api';

// No inline script or style, no eval, Trusted Types enforced, nothing framed, no request off the engine's origin
// except the logo the operator typed into the branding preview (img-src https:).
export const STUDIO_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: https:", "connect-src 'self'",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'", "require-trusted-types-for 'script'", "trusted-types 'none'",
].join('; ');
const SECURITY_HEADERS = {
  'content-security-policy': STUDIO_CSP,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** What a studio route's handler gets. */
export interface StudioInput {
  engine: Engine;
  api: BridgeApi;
  sessions: StudioSessions;
  request: PlainRequest;
  caller: Caller;
  session: StudioSession | null;
  cookie: string | undefined;
  body: unknown;
  params: string[];
}

/**
 * One studio route. `auth`: `none` (the page, its files, sign-in), `session` (a live studio cookie), `csrf` (that
 * and the session's CSRF token in `X-Aforo-Csrf`: every state-changing call).
 */
export interface StudioRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  path: string;
  summary: string;
  auth: 'none' | 'session' | 'csrf';
  body?: TSchema;
  answer: { status: number; schema?: TSchema; mediaType?: string };
  handler(input: StudioInput): Promise<PlainResponse>;
}

function cookieHeader(engine: Engine, value: string, maxAge: number): string {
  const { issuerPath, issuer } = engine.config;
  const url = new URL(issuer);
  // Secure everywhere but plain http on a loopback address, where browsers would not send a Secure cookie back.
  const loopback = url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  return [`${COOKIE}=${value}`, `Path=${issuerPath}/studio`, 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAge}`, ...(loopback ? [] : ['Secure'])].join('; ');
}

function sessionAnswer(session: StudioSession): Static<typeof StudioSessionAnswer> {
  return { csrfToken: session.csrfToken, expiresAt: new Date(StudioSessions.expiresAt(session)).toISOString() };
}

async function page(): Promise<PlainResponse> {
  const assets = await loadStudioAssets();
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body: assets.page };
}

async function file({ params: [name] }: StudioInput): Promise<PlainResponse> {
  const asset = (await loadStudioAssets()).get(name);
  if (!asset) return errorResponse(new BridgeError('not_found', 'no such file'));
  return { status: 200, headers: { 'content-type': asset.contentType, 'cache-control': asset.cacheControl }, body: asset.body };
}

async function signIn({ engine, request, caller, body }: StudioInput): Promise<PlainResponse> {
  const { adminToken } = validate(SignInBody, body ?? {}, 'body');
  const token = engine.config.adminToken;
  if (!token || !safeEqual(token, adminToken)) return refuseAdminToken(engine, request, caller);
  return created(engine);
}

const sessionsFor = new WeakMap<Engine, StudioSessions>();

async function created(engine: Engine): Promise<PlainResponse> {
  const { cookie, session } = studioSessionsOf(engine).create();
  return json(201, sessionAnswer(session), { 'set-cookie': cookieHeader(engine, cookie, 8 * 3600) });
}

/** The studio sessions of one engine, in its process's memory. */
export function studioSessionsOf(engine: Engine): StudioSessions {
  let sessions = sessionsFor.get(engine);
  if (!sessions) sessionsFor.set(engine, (sessions = new StudioSessions(() => engine.now())));
  return sessions;
}

async function signOut({ engine, sessions, cookie }: StudioInput): Promise<PlainResponse> {
  sessions.end(cookie);
  return { status: 204, headers: { 'cache-control': 'no-store', 'set-cookie': cookieHeader(engine, '', 0) }, body: null };
}

async function checkToken({ engine, body }: StudioInput): Promise<PlainResponse> {
  const { tenant, bridgeToken } = validate(CheckTokenBody, body ?? {}, 'body');
  return json(200, await checkBridgeToken(engine, tenant, bridgeToken));
}

async function admin({ engine, api, request }: StudioInput): Promise<PlainResponse> {
  const token = engine.config.adminToken as string;
  const forwarded: PlainRequest = {
    ...request,
    path: request.path.slice(ADMIN_MOUNT.length),
    headers: { ...request.headers, authorization: `Bearer ${token}`, cookie: undefined, [CSRF_HEADER]: undefined },
  };
  return (await adminRoute(engine, api, forwarded)) ?? errorResponse(new BridgeError('not_found', 'no such admin route'));
}

/** The studio's routes. The admin entries are printed from the admin route table, one per admin route. */
export const STUDIO_ROUTES: readonly StudioRoute[] = [
  { method: 'GET', path: '/studio', summary: 'Embed Studio page (`/studio/` redirects here with 308)', auth: 'none', answer: { status: 200, mediaType: 'text/html' }, handler: page },
  { method: 'GET', path: '/studio/assets/:file', summary: 'Embed Studio script and style sheet (content-hashed)', auth: 'none',
    answer: { status: 200, mediaType: 'application/javascript' }, handler: file },
  { method: 'POST', path: '/studio/session', summary: 'sign in with the admin token; sets the studio cookie', auth: 'none', body: SignInBody,
    answer: { status: 201, schema: StudioSessionAnswer }, handler: signIn },
  { method: 'GET', path: '/studio/session', summary: 'the current studio session and its CSRF token', auth: 'session',
    answer: { status: 200, schema: StudioSessionAnswer }, handler: async ({ session }) => json(200, sessionAnswer(session as StudioSession)) },
  { method: 'POST', path: '/studio/session/end', summary: 'sign out: ends the studio session server-side', auth: 'csrf',
    answer: { status: 204 }, handler: signOut },
  { method: 'POST', path: '/studio/check-token', summary: "decode a bridge token and give the exchange's answer, spending nothing", auth: 'csrf',
    body: CheckTokenBody, answer: { status: 200, schema: CheckTokenAnswer }, handler: checkToken },
  ...ADMIN_ROUTES.map((route): StudioRoute => ({
    method: route.method, path: `${ADMIN_MOUNT}/v1/admin${route.path}`, summary: `${route.summary} (with the studio cookie)`,
    auth: route.method === 'GET' ? 'session' : 'csrf', ...(route.body ? { body: route.body } : {}), answer: route.answer, handler: admin,
  })),
];

const MATCHERS: Array<[StudioRoute, RegExp]> = STUDIO_ROUTES.map((route) => [route, new RegExp(`^${route.path.replace(/:[a-zA-Z]+/g, '([^/]+)')}$`)]);

function cookieOf(request: PlainRequest): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string' || header.length > 8192 || !isCleanString(header)) return undefined;
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === COOKIE) {
      const value = rest.join('=');
      return /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

/**
 * Answers a studio path, or null when it is not one. Only called when the studio is on and an admin token is set.
 * A state-changing call from another origin, or with no Origin, is refused before its CSRF token is even looked at.
 */
export async function studioRoute(engine: Engine, api: BridgeApi, request: PlainRequest): Promise<PlainResponse | null> {
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  // The page's asset URLs are relative to `{prefix}/studio`: the address with a trailing slash is sent there.
  if (request.path === '/studio/' && method === 'GET') {
    return { status: 308, headers: { location: `${engine.config.issuerPath}/studio`, 'cache-control': 'no-store', ...SECURITY_HEADERS }, body: null };
  }
  const matches = MATCHERS.filter(([, pattern]) => pattern.test(request.path));
  if (matches.length === 0) return null;
  const answer = async (): Promise<PlainResponse> => {
    const entry = matches.find(([route]) => route.method === method);
    if (!entry) return errorResponse(new BridgeError('not_found', 'no such studio route for this method'));
    const [route, pattern] = entry;
    checkRequestStrings(request);
    const caller: Caller = { ip: clientIp(request.ip, request.headers['x-forwarded-for'], engine.config.trustProxy), userAgent: request.headers['user-agent'] ?? null };
    const sessions = studioSessionsOf(engine);
    const cookie = cookieOf(request);
    // Browsers send Origin with every POST, the studio page's own included: a call without one came from no page.
    if (method !== 'GET' && request.headers.origin !== engine.config.issuerOrigin) {
      return errorResponse(new BridgeError('unauthorized', 'studio calls come from the studio page only'));
    }
    let session: StudioSession | null = null;
    if (route.auth !== 'none') {
      session = sessions.use(cookie);
      if (!session) return errorResponse(new BridgeError('unauthorized', 'sign in to Embed Studio first'));
      const csrf = request.headers[CSRF_HEADER];
      if (route.auth === 'csrf' && !StudioSessions.csrfMatches(session, typeof csrf === 'string' ? csrf : undefined)) {
        return errorResponse(new BridgeError('unauthorized', 'the CSRF token is missing or wrong; reload the studio'));
      }
    }
    const params = (pattern.exec(request.path) as RegExpExecArray).slice(1);
    const body = route.handler === admin || method === 'GET' ? undefined : readJsonBody(request);
    return route.handler({ engine, api, sessions, request, caller, session, cookie, body, params });
  };
  let response: PlainResponse;
  try {
    response = await answer();
  } catch (error) {
    if (!(error instanceof BridgeError) || error.status >= 500) throw error;
    response = errorResponse(error);
  }
  return { ...response, headers: { ...response.headers, ...SECURITY_HEADERS, 'cache-control': response.headers['cache-control'] ?? 'no-store' } };
}

/** Every studio route as `METHOD /path` (the OpenAPI document is checked against it). */
export const STUDIO_ROUTE_KEYS = STUDIO_ROUTES.map((r) => `${r.method} ${r.path}`);
