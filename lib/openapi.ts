/**
 * The OpenAPI 3.1 description of the widget and admin APIs, served at `{prefix}/v1/openapi.json`. The widget
 * operations are printed from the route table and its schemas; a test checks that every route the engine serves
 * is described here and every route described here is served.
 */

import { ERROR_STATUS } from './errors.js';
import { ErrorAnswer } from './schemas.js';
import { STUDIO_ROUTES, type StudioRoute } from './studio/routes.js';
import { ADMIN_ROUTES, PUBLIC_ROUTES, WIDGET_ROUTES, type AdminRoute, type PublicRoute, type WidgetRoute } from './routes.js';

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
const json = (schema: Schema) => ({ 'application/json': { schema } });

const schemas: Record<string, Schema> = {
  Error: { ...(ErrorAnswer as unknown as Schema), description: `code is one of: ${Object.keys(ERROR_STATUS).join(', ')}` },
};

const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [String(status), { description: 'error', content: json(ref('Error')) }]));

// The tenant and embed key are security schemes (below), so a client generator asks for them once; the browser's
// Origin is a parameter because a server-side client must set it itself.
const embedParams = [{ name: 'Origin', in: 'header', schema: str(), description: 'must be on the embed key allowlist' }];
const embed = [{ embedTenant: [], embedKey: [] }];
const bearer = [{ embedTenant: [], embedKey: [], sessionJwt: [] }];
const admin = [{ adminToken: [] }];
const none: Schema[] = [];

/** `POST /tenants/:slug/embed-keys` → `postTenantsBySlugEmbedKeys`: unique because method and path are. */
function operationId(method: string, path: string, scope = ''): string {
  const words = path.split('/').filter((part) => part && part !== 'v1').map((part) =>
    part.startsWith(':') ? `By-${part.slice(1)}` : part);
  const pascal = words.join('-').split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  return `${scope}${scope ? method[0].toUpperCase() + method.slice(1).toLowerCase() : method.toLowerCase()}${pascal}`;
}
const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: str() });
const query = (name: string, schema: Schema = str()) => ({ name, in: 'query', required: false, schema });

function op(summary: string, ok: [number, Schema | null], extra: Schema = {}, errors: number[] = [400, 401, 403, 429]): Schema {
  const [status, schema] = ok;
  return {
    summary,
    responses: { [String(status)]: schema ? { description: 'success', content: json(schema) } : { description: 'success' }, ...errorResponses(...errors) },
    ...extra,
  };
}

function body(schema: Schema) {
  return { requestBody: { required: true, content: json(schema) } };
}

/** An admin route's operation, printed from the route table: path values, query, body and answer schemas. */
function adminOperation(route: AdminRoute): Schema {
  const pathParams = [...route.path.matchAll(/:([a-zA-Z]+)/g)].map(([, name]) => pathParam(name));
  const queryParams = route.query
    ? Object.entries((route.query as unknown as { properties: Record<string, Schema> }).properties).map(([name, schema]) => query(name, schema))
    : [];
  const optionalBody = route.body !== undefined && ((route.body as unknown as { required?: string[] }).required ?? []).length === 0;
  return op(route.summary, [route.answer.status, route.answer.schema as unknown as Schema], {
    operationId: operationId(route.method, route.path, 'admin'),
    security: admin,
    parameters: [...pathParams, ...queryParams],
    ...(route.body ? { requestBody: { required: !optionalBody, content: json(route.body as unknown as Schema) } } : {}),
  }, [400, 401, 404, 409, 429]);
}

function adminPaths(): Record<string, Record<string, Schema>> {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const route of ADMIN_ROUTES) {
    const path = `/v1/admin${route.path.replace(/:([a-zA-Z]+)/g, '{$1}')}`;
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: adminOperation(route) };
  }
  return paths;
}

/** A widget route's operation, printed from the route table: its body, query and answer schemas as validated. */
function widgetOperation(route: WidgetRoute): Schema {
  const queryParams = route.query
    ? Object.entries((route.query as unknown as { properties: Record<string, Schema> }).properties).map(([name, schema]) => query(name, schema))
    : [];
  const pathParams = [...route.path.matchAll(/:([a-zA-Z]+)/g)].map(([, name]) => pathParam(name));
  return op(route.summary, [route.answer.status, route.answer.schema as Schema | null], {
    operationId: operationId(route.method, route.path),
    parameters: [...pathParams, ...embedParams, ...queryParams],
    security: route.auth === 'session' ? bearer : embed,
    ...(route.body && route.method === 'POST' && Object.keys((route.body as unknown as { properties: object }).properties).length > 0 ? body(route.body as unknown as Schema) : {}),
  }, route.errors);
}

/** A public route's operation: its success answer (a schema or a file type) and the other statuses it gives. */
function publicOperation(route: PublicRoute): Schema {
  const { status, schema, mediaType } = route.answer;
  const content = schema ? json(schema as unknown as Schema) : Object.fromEntries([mediaType ?? 'application/octet-stream'].flat().map((type) => [type, {}]));
  const others = Object.fromEntries(Object.entries(route.others ?? {}).map(([code, description]) => [code, { description }]));
  const pathParams = [...route.path.matchAll(/:([a-zA-Z]+)/g)].map(([, name]) => pathParam(name));
  return {
    summary: route.summary,
    operationId: operationId(route.method, route.path),
    security: none,
    ...(pathParams.length ? { parameters: pathParams } : {}),
    // Every request passes the engine's input checks first (path and headers), so any route can answer 400.
    responses: { [String(status)]: { description: 'success', content }, ...errorResponses(400), ...others },
  };
}

function widgetPaths(): Record<string, Record<string, Schema>> {
  return {
    ...Object.fromEntries(PUBLIC_ROUTES.map((route) => [route.path.replace(/:([a-zA-Z]+)/g, '{$1}'), { get: publicOperation(route) }])),
    ...Object.fromEntries(WIDGET_ROUTES.map((route) => [route.path.replace(/:([a-zA-Z]+)/g, '{$1}'), { [route.method.toLowerCase()]: widgetOperation(route) }])),
  };
}

const studio = [{ studioCookie: [] }];
const studioCsrf = [{ studioCookie: [], studioCsrf: [] }];

/** A studio route's operation (served only with `studio: true` and an admin token), printed from the studio table. */
function studioOperation(route: StudioRoute): Schema {
  const { status, schema, mediaType } = route.answer;
  const pathParams = [...route.path.matchAll(/:([a-zA-Z]+)/g)].map(([, name]) => pathParam(name));
  const content = schema ? json(schema as unknown as Schema) : mediaType ? { [mediaType]: {} } : undefined;
  return {
    summary: route.summary,
    operationId: operationId(route.method, route.path, 'studio'),
    tags: ['studio'],
    security: route.auth === 'none' ? none : route.auth === 'csrf' ? studioCsrf : studio,
    ...(pathParams.length ? { parameters: pathParams } : {}),
    ...(route.body ? { requestBody: { required: false, content: json(route.body as unknown as Schema) } } : {}),
    responses: { [String(status)]: { description: 'success', ...(content ? { content } : {}) }, ...errorResponses(400, 401, 404, 409, 429) },
  };
}

function studioPaths(): Record<string, Record<string, Schema>> {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const route of STUDIO_ROUTES) {
    const path = route.path.replace(/:([a-zA-Z]+)/g, '{$1}');
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: studioOperation(route) };
  }
  return paths;
}

let cached: Schema | null = null;

export function openApiDocument(): Schema {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'aforo-bridge',
      version: '1',
      description: 'Widget and admin APIs of the aforo-bridge engine; paths are relative to the mount prefix.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{
      url: '{origin}{prefix}',
      description: 'where the engine is mounted: the portal (or `aforo-bridge serve`) origin and the prefix',
      variables: { origin: { default: 'http://localhost:8787' }, prefix: { default: '/aforo' } },
    }],
    paths: { ...widgetPaths(), ...adminPaths(), ...studioPaths() },
    components: {
      schemas,
      securitySchemes: {
        embedTenant: { type: 'apiKey', in: 'header', name: 'X-Aforo-Tenant', description: 'tenant slug (GET may use ?tenant= instead)' },
        embedKey: { type: 'apiKey', in: 'header', name: 'X-Aforo-Embed-Key', description: 'embed key (GET may use ?embed_key= instead)' },
        sessionJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'the session JWT of POST /v1/embed/auth/bridge or magic-link/exchange' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'the admin token given to createBridge or serve' },
        studioCookie: { type: 'apiKey', in: 'cookie', name: 'aforo_studio', description: 'Embed Studio session, from POST /studio/session' },
        studioCsrf: { type: 'apiKey', in: 'header', name: 'X-Aforo-Csrf', description: 'the studio session CSRF token; every state-changing studio call' },
      },
    },
  };
  return cached;
}
