import type { BridgeApi } from './api.js';
import type { Caller } from './audit.js';
import { clientIp } from './client-ip.js';
import { safeEqual } from './crypto.js';
import type { Engine } from './engine.js';
import { BridgeError } from './errors.js';
import { errorResponse, json, readJsonBody } from './handler.js';
import type { PlainRequest, PlainResponse } from './http.js';

type AdminHandler = (api: BridgeApi['admin'], p: string[], body: () => unknown, req: PlainRequest, caller: Caller) => Promise<PlainResponse>;

/** The admin API of SPEC section 8, one line a route: method, path pattern, handler. */
const ROUTE_TABLE: Array<[string, string, AdminHandler]> = [
  ['POST', '/tenants', async (a, _p, body) => json(201, await a.createTenant(body()))],
  ['GET', '/tenants/:slug', async (a, [slug]) => json(200, await a.getTenant(slug))],
  ['POST', '/tenants/:slug/embed-keys', async (a, [slug], body, _r, c) => json(201, await a.createEmbedKey(slug, body(), c))],
  ['GET', '/tenants/:slug/embed-keys', async (a, [slug]) => json(200, await a.listEmbedKeys(slug))],
  ['PATCH', '/tenants/:slug/embed-keys/:id', async (a, [slug, id], body, _r, c) => json(200, await a.updateEmbedKey(slug, id, body(), c))],
  ['POST', '/tenants/:slug/embed-keys/:id/revoke', async (a, [slug, id], _b, _r, c) => json(200, await a.revokeEmbedKey(slug, id, c))],
  ['POST', '/tenants/:slug/signing-keys', async (a, [slug], body, _r, c) => json(201, await a.createSigningKey(slug, body(), c))],
  ['GET', '/tenants/:slug/signing-keys', async (a, [slug]) => json(200, await a.listSigningKeys(slug))],
  ['POST', '/tenants/:slug/signing-keys/:kid/promote', async (a, [slug, kid], _b, _r, c) => json(200, await a.promoteSigningKey(slug, kid, c))],
  ['POST', '/tenants/:slug/signing-keys/:kid/revoke', async (a, [slug, kid], body, _r, c) => json(200, await a.revokeSigningKey(slug, kid, body(), c))],
  ['PUT', '/tenants/:slug/offerings/:id', async (a, [slug, id], body) => json(200, await a.putOffering(slug, id, body()))],
  ['GET', '/tenants/:slug/offerings', async (a, [slug]) => json(200, await a.listOfferings(slug))],
  ['PUT', '/tenants/:slug/customers/:externalId', async (a, [slug, ext], body) => json(200, await a.putCustomer(slug, ext, body()))],
  ['GET', '/tenants/:slug/customers', async (a, [slug], _b, req) => json(200, await a.listCustomers(slug, req.query.email))],
  ['PUT', '/tenants/:slug/customers/:externalId/invoices/:id', async (a, [slug, ext, id], body) => json(200, await a.putInvoice(slug, ext, id, body()))],
  ['GET', '/tenants/:slug/customers/:externalId/invoices', async (a, [slug, ext], _b, req) =>
    json(200, await a.listCustomerInvoices(slug, ext, req.query))],
  ['GET', '/tenants/:slug/audit', async (a, [slug], _b, req) => json(200, await a.listAudit(slug, req.query))],
];

/** Every admin route as `METHOD /v1/admin/path/:param` (the OpenAPI document is checked against it). */
export const ADMIN_ROUTES = ROUTE_TABLE.map(([method, template]) => `${method} /v1/admin${template}`);

const ROUTES: Array<[string, RegExp, AdminHandler]> = ROUTE_TABLE.map(([method, template, handler]) => [
  method,
  new RegExp(`^${template.replace(/:[a-zA-Z]+/g, '([^/]{1,255})')}$`),
  handler,
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
  const entry = ROUTES.find(([method, pattern]) => method === request.method && pattern.test(path));
  const known = entry ?? ROUTES.find(([, pattern]) => pattern.test(path));
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
  const params = decodeSegments(entry[1].exec(path) as RegExpExecArray);
  return entry[2](api.admin, params, () => readJsonBody(request), request, caller);
}
