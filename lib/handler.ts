import type { BridgeApi } from './api.js';
import { clientIp } from './client-ip.js';
import type { Engine } from './engine.js';
import { BridgeError, loggableError } from './errors.js';
import type { EmbedCall } from './embed-api.js';
import { declaresOverCap, MAX_BODY_BYTES, type AssetSource, type PlainRequest, type PlainResponse } from './http.js';
import { checkRequestStrings, errorResponse, json, maskPath, readJsonBody } from './edge.js';
import { parseRequestOrigin } from './origin.js';
import { adminRoute } from './admin-routes.js';
import { studioRoute } from './studio/routes.js';
import { openApiDocument } from './openapi.js';
import { bearerOf, PUBLIC_ROUTES, validate, WIDGET_ROUTES, type PublicRoute, type WidgetRoute } from './routes.js';

export type { Asset, AssetSource } from './http.js';

const PREFLIGHT_HEADERS = {
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type, x-aforo-tenant, x-aforo-embed-key',
  'access-control-max-age': '600',
};

/** Every route the engine serves outside the admin API, as `METHOD /path` (checked against the OpenAPI document). */
export const PUBLIC_ROUTE_KEYS = [...PUBLIC_ROUTES, ...WIDGET_ROUTES].map((r) => `${r.method} ${r.path}`);

const PUBLIC_MATCHERS: Array<[PublicRoute, RegExp]> = PUBLIC_ROUTES.map((route) => [
  route,
  new RegExp(`^${route.path.replace(/\./g, '\\.').replace(/:[a-zA-Z]+/g, '[^/]+')}$`),
]);

const WIDGET_ROUTE_BY_KEY = new Map(WIDGET_ROUTES.filter((r) => !r.path.includes(':')).map((r) => [`${r.method} ${r.path}`, r]));
// Routes with path values (`/subscriptions/:id/usage`): any non-empty segment matches, so an over-long or hostile id
// is the verb's 400 (or 404), not a path the engine does not serve.
const WIDGET_MATCHERS: Array<[WidgetRoute, RegExp]> = WIDGET_ROUTES.filter((r) => r.path.includes(':')).map((r) => [
  r,
  new RegExp(`^${r.path.replace(/:[a-zA-Z]+/g, '([^/]+)')}$`),
]);

function widgetRoute(method: string, path: string): { route: WidgetRoute; params: string[] } | null {
  const exact = WIDGET_ROUTE_BY_KEY.get(`${method} ${path}`);
  if (exact) return { route: exact, params: [] };
  for (const [candidate, pattern] of WIDGET_MATCHERS) {
    const match = candidate.method === method ? pattern.exec(path) : null;
    if (match) return { route: candidate, params: match.slice(1) };
  }
  return null;
}

function decodeParams(raw: string[]): string[] {
  return raw.map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw new BridgeError('invalid_request', 'the path has a malformed escape');
    }
  });
}

/** A request whose declared or delivered body is over the 16 KiB cap. */
function overCap({ headers, body }: PlainRequest): boolean {
  if (declaresOverCap(headers)) return true;
  if (Buffer.isBuffer(body)) return body.length > MAX_BODY_BYTES;
  return typeof body === 'string' && body.length > MAX_BODY_BYTES / 3 && Buffer.byteLength(body) > MAX_BODY_BYTES;
}

/**
 * The plain request handler: routing, input reading and serialisation around `api`. Returns null for paths the
 * engine does not serve, so a host framework can pass them on.
 */
export function createHandler(
  engine: Engine,
  api: BridgeApi,
  assets: () => Promise<AssetSource | null>,
): (request: PlainRequest) => Promise<PlainResponse | null> {
  const { config } = engine;

  async function embed(request: PlainRequest, route: WidgetRoute, rawParams: string[]): Promise<PlainResponse> {
    const headerOrigin = request.headers.origin;
    // Same-origin GETs carry no Origin; the browser's Sec-Fetch-Site vouches for them (SPEC section 5).
    const origin = headerOrigin === undefined && request.headers['sec-fetch-site'] === 'same-origin'
      ? config.issuerOrigin
      : parseRequestOrigin(headerOrigin);
    const isGet = request.method === 'GET';
    const call: EmbedCall = {
      tenant: request.headers['x-aforo-tenant'] ?? (isGet ? request.query.tenant : undefined) ?? '',
      embedKey: request.headers['x-aforo-embed-key'] ?? (isGet ? request.query.embed_key : undefined) ?? '',
      origin,
      ip: clientIp(request.ip, request.headers['x-forwarded-for'], config.trustProxy),
      userAgent: request.headers['user-agent'] ?? null,
    };
    const cors = (allowed: boolean): Record<string, string> =>
      allowed && origin && headerOrigin !== undefined
        ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'retry-after', vary: 'Origin' }
        : { vary: 'Origin' };
    try {
      checkRequestStrings(request);
      const raw = request.method === 'GET' || request.method === 'HEAD' ? undefined : readJsonBody(request);
      const body = route.body ? validate(route.body, raw ?? {}, 'body') : undefined;
      const query = route.query ? validate(route.query, request.query, 'query') : undefined;
      const params = decodeParams(rawParams);
      const answer = await route.handler({ api, call, body, query, params, sessionJwt: route.auth === 'session' ? bearerOf(request) : undefined });
      return json(route.answer.status, route.answer.schema ? answer : null, cors(true));
    } catch (error) {
      if (!(error instanceof BridgeError)) throw error;
      // Some refusals (body size, media type, rate limit, unknown key) come before the allowlist check, so an
      // error echoes the origin only when some active key allows it: the widget can read the code, nobody else.
      const allowed = error.code !== 'origin_not_allowed' && origin !== null && (await engine.storage.isOriginAllowedByAnyKey(origin));
      return errorResponse(error, cors(allowed));
    }
  }

  async function preflight(request: PlainRequest): Promise<PlainResponse> {
    const origin = parseRequestOrigin(request.headers.origin);
    if (!origin || !(await engine.storage.isOriginAllowedByAnyKey(origin))) {
      return errorResponse(new BridgeError('origin_not_allowed', 'this origin is not on any embed key allowlist'), { vary: 'Origin' });
    }
    return { status: 204, headers: { ...PREFLIGHT_HEADERS, 'access-control-allow-origin': origin, vary: 'Origin' }, body: null };
  }

  async function route(request: PlainRequest): Promise<PlainResponse | null> {
    const { method, path } = request;
    if (method === 'GET' || method === 'HEAD') {
      const open = PUBLIC_MATCHERS.find(([, pattern]) => pattern.test(path))?.[0];
      if (open) return open.handler({ api, path, assets, document: openApiDocument });
    }
    if (path.startsWith('/v1/embed/')) {
      if (method === 'OPTIONS') return preflight(request);
      const found = widgetRoute(method === 'HEAD' ? 'GET' : method, path);
      return found ? embed(request, found.route, found.params) : null;
    }
    // Embed Studio exists only when asked for and when there is an admin token to sign in with.
    if ((path === '/studio' || path.startsWith('/studio/')) && config.studio && config.adminToken) {
      return studioRoute(engine, api, request);
    }
    if (path.startsWith('/v1/admin/')) {
      checkRequestStrings(request);
      return adminRoute(engine, api, request);
    }
    return null;
  }

  async function answer(request: PlainRequest): Promise<PlainResponse | null> {
    try {
      return await route(request);
    } catch (error) {
      if (error instanceof BridgeError && error.status < 500) return errorResponse(error);
      config.logger.error({ err: loggableError(error), method: request.method, path: maskPath(request.path) }, 'internal error');
      return errorResponse(new BridgeError('internal', 'internal error'));
    }
  }

  return async (request) => {
    const found = await answer(request);
    // A body over the cap was not read to its end (SPEC section 5): whatever the answer (a 401 comes before the size
    // check), the connection ends with it, so the server never takes in the rest.
    const response = found && overCap(request) ? { ...found, headers: { ...found.headers, connection: 'close' } } : found;
    if (response) {
      // Only the method, path and status: never a header, query or body, which may carry tokens or emails.
      const line = { method: request.method, path: maskPath(request.path), status: response.status };
      if (response.status >= 400 && response.status < 500 && typeof response.body === 'string') {
        const code = /"code":"([a-z_]+)"/.exec(response.body)?.[1];
        // A refused origin names a site, not a person, and is what the operator needs to fix the allowlist. Only a
        // well-formed serialised origin is echoed; anything else (userinfo, a path, junk) is logged as malformed.
        const refusedOrigin = code === 'origin_not_allowed'
          ? { origin: request.headers.origin === undefined ? null : (parseRequestOrigin(request.headers.origin) ?? 'malformed') }
          : {};
        config.logger.info({ ...line, code, ...refusedOrigin }, 'refused');
      } else {
        config.logger.debug(line, 'request');
      }
    }
    return response;
  };
}
