import type { BridgeApi } from './api.js';
import type { Caller } from './audit.js';
import { clientIp } from './client-ip.js';
import { safeEqual } from './crypto.js';
import type { Engine } from './engine.js';
import { BridgeError } from './errors.js';
import { errorResponse, json, readJsonBody } from './edge.js';
import type { PlainRequest, PlainResponse } from './http.js';
import { ADMIN_ROUTES, type AdminRoute } from './routes.js';

/** Every admin route as `METHOD /v1/admin/path/:param` (the OpenAPI document is checked against it). */
export const ADMIN_ROUTE_KEYS = ADMIN_ROUTES.map(({ method, path }) => `${method} /v1/admin${path}`);

const MATCHERS: Array<[AdminRoute, RegExp]> = ADMIN_ROUTES.map((route) => [
  route,
  new RegExp(`^${route.path.replace(/:[a-zA-Z]+/g, '([^/]{1,255})')}$`),
]);

function decodeSegments(match: RegExpExecArray): string[] {
  return match.slice(1).map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw new BridgeError('invalid_request', 'the path has a malformed escape');
    }
  });
}

/** Admin calls need the admin token (constant-time compared); a wrong one learns nothing but 401. */
export async function adminRoute(engine: Engine, api: BridgeApi, request: PlainRequest): Promise<PlainResponse | null> {
  const path = request.path.slice('/v1/admin'.length);
  const entry = MATCHERS.find(([route, pattern]) => route.method === request.method && pattern.test(path));
  const known = entry ?? MATCHERS.find(([, pattern]) => pattern.test(path));
  if (!known) return null;
  const caller: Caller = {
    ip: clientIp(request.ip, request.headers['x-forwarded-for'], engine.config.trustProxy),
    userAgent: request.headers['user-agent'] ?? null,
  };
  const match = /^Bearer[ ]+([^\s]+)$/i.exec(request.headers.authorization ?? '');
  const token = engine.config.adminToken;
  if (!token || !match || !safeEqual(token, match[1])) {
    const slug = /^\/tenants\/([a-z0-9-]{2,63})/.exec(path)?.[1];
    if (slug) await engine.audit.record('admin.unauthorized', slug, engine.now(), caller, { method: request.method, path: request.path.slice(0, 200) });
    return errorResponse(new BridgeError('unauthorized', 'the admin token is missing or wrong'));
  }
  if (!entry) return errorResponse(new BridgeError('not_found', 'no such admin route for this method'));
  const [route, pattern] = entry;
  const params = decodeSegments(pattern.exec(path) as RegExpExecArray);
  const body = route.body ? readJsonBody(request) : undefined;
  return json(route.answer.status, await route.handler({ admin: api.admin, params, body, query: request.query, caller }));
}
