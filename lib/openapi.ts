/**
 * The OpenAPI 3.1 description of the widget and admin APIs, served at `{prefix}/v1/openapi.json`. The widget
 * operations are printed from the route table and its schemas; a test checks that every route the engine serves
 * is described here and every route described here is served.
 */

import { WIDGET_ROUTES, type WidgetRoute } from './routes.js';

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
const int = (extra: Schema = {}): Schema => ({ type: 'integer', ...extra });
const nullable = (schema: Schema): Schema => ({ oneOf: [schema, { type: 'null' }] });
const object = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({ type: 'object', properties, required });
const array = (items: Schema): Schema => ({ type: 'array', items });
const json = (schema: Schema) => ({ 'application/json': { schema } });

const ERROR_CODES = [
  'invalid_request', 'return_url_not_allowed', 'embed_key_invalid', 'origin_not_allowed', 'bridge_token_invalid',
  'bridge_token_expired', 'bridge_token_replayed', 'signing_key_unknown', 'signing_key_revoked', 'session_invalid',
  'session_expired', 'magic_link_invalid', 'not_found', 'payload_too_large', 'unsupported_media_type', 'rate_limited',
  'unauthorized', 'conflict', 'internal',
];

const schemas: Record<string, Schema> = {
  Error: object({ error: object({ code: str({ enum: ERROR_CODES }), message: str() }) }),
  Customer: object({ id: str(), externalId: str(), email: nullable(str()), name: nullable(str()) }),
  Session: object({ sessionJwt: str(), expiresAt: str({ format: 'date-time' }), expiresIn: int(), customer: ref('Customer') }),
  RatePlan: object({ id: str(), name: str(), currency: str(), amountCents: int(), interval: str({ enum: ['month', 'year', 'one_time'] }), features: array(str()) }),
  Offering: object({ id: str(), name: str(), description: str(), status: str({ enum: ['DRAFT', 'PUBLISHED', 'ARCHIVED'] }), ratePlans: array(ref('RatePlan')) }),
  Branding: object({ logoUrl: str(), primaryColor: str() }, []),
  Tenant: object({ slug: str(), name: str(), branding: ref('Branding'), magicLink: object({ from: str(), allowSignup: { type: 'boolean' } }, []), createdAt: str() }),
  Invoice: object({
    id: str(), number: str(), status: str({ enum: ['DRAFT', 'OPEN', 'PAID', 'VOID', 'OVERDUE'] }), amountDueCents: int(), amountPaidCents: int(),
    currency: str(), issuedAt: str({ format: 'date-time' }), dueAt: nullable(str()), pdfUrl: nullable(str()), hostedUrl: nullable(str()),
  }),
  EmbedKey: object({ id: str(), key: str(), mode: str({ enum: ['live', 'test'] }), allowedOrigins: array(str()), status: str({ enum: ['ACTIVE', 'REVOKED'] }), createdAt: str() }),
  SigningKey: object({
    kid: str(), alg: str({ enum: ['HS256', 'RS256', 'ES256', 'EdDSA'] }), status: str({ enum: ['NEXT', 'ACTIVE', 'RETIRING', 'REVOKED'] }),
    publicKeyPem: str(), createdAt: str(), promotedAt: nullable(str()), revokedAt: nullable(str()),
  }, ['kid', 'alg', 'status']),
  AuditEvent: { ...object({ id: str(), type: str(), at: str({ format: 'date-time' }), ip: nullable(str()), userAgent: nullable(str()) }), additionalProperties: true },
};

const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [String(status), { description: 'error', content: json(ref('Error')) }]));

const embedParams = [
  { name: 'X-Aforo-Tenant', in: 'header', schema: str(), description: 'tenant slug (GET may use ?tenant=)' },
  { name: 'X-Aforo-Embed-Key', in: 'header', schema: str(), description: 'embed key (GET may use ?embed_key=)' },
  { name: 'Origin', in: 'header', schema: str(), description: 'must be on the embed key allowlist' },
];
const bearer = [{ sessionJwt: [] }];
const admin = [{ adminToken: [] }];
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

function adminPaths(): Record<string, Record<string, Schema>> {
  const slug = pathParam('slug');
  const a = (summary: string, ok: [number, Schema | null], params: Schema[] = [], extra: Schema = {}) =>
    op(summary, ok, { security: admin, parameters: params, ...extra }, [400, 401, 404, 409]);
  const p = '/v1/admin/tenants';
  return {
    [p]: { post: a('create a tenant', [201, ref('Tenant')], [], body(object({ slug: str(), name: str(), branding: ref('Branding'), magicLink: object({ from: str(), allowSignup: { type: 'boolean' } }, []) }, ['slug', 'name']))) },
    [`${p}/{slug}`]: { get: a('show a tenant', [200, ref('Tenant')], [slug]) },
    [`${p}/{slug}/embed-keys`]: {
      post: a('create an embed key', [201, ref('EmbedKey')], [slug], body(object({ allowedOrigins: array(str()), mode: str({ enum: ['live', 'test'] }) }, ['allowedOrigins']))),
      get: a('list embed keys', [200, object({ embedKeys: array(ref('EmbedKey')) })], [slug]),
    },
    [`${p}/{slug}/embed-keys/{id}`]: { patch: a('replace an allowlist', [200, ref('EmbedKey')], [slug, pathParam('id')], body(object({ allowedOrigins: array(str()) }))) },
    [`${p}/{slug}/embed-keys/{id}/revoke`]: { post: a('revoke an embed key', [200, ref('EmbedKey')], [slug, pathParam('id')]) },
    [`${p}/{slug}/signing-keys`]: {
      post: a('mint a signing key, or register a public key', [201, { ...ref('SigningKey'), description: 'with secret (HS256) or privateKeyPem, once' }], [slug],
        body(object({ alg: str({ enum: ['HS256', 'RS256', 'ES256', 'EdDSA'] }), publicKeyPem: str() }, ['alg']))),
      get: a('list signing keys (never a secret)', [200, object({ signingKeys: array(ref('SigningKey')) })], [slug]),
    },
    [`${p}/{slug}/signing-keys/{kid}/promote`]: { post: a('promote a NEXT key', [200, ref('SigningKey')], [slug, pathParam('kid')]) },
    [`${p}/{slug}/signing-keys/{kid}/revoke`]: {
      post: a('revoke a key', [200, ref('SigningKey')], [slug, pathParam('kid')], { requestBody: { required: false, content: json(object({ force: { type: 'boolean' }, endSessions: { type: 'boolean' } }, [])) } }),
    },
    [`${p}/{slug}/offerings`]: { get: a('list offerings', [200, object({ offerings: array(ref('Offering')) })], [slug]) },
    [`${p}/{slug}/offerings/{id}`]: {
      put: a('create or replace an offering', [200, ref('Offering')], [slug, pathParam('id')], body(object({ name: str(), description: str(), status: str(), ratePlans: array(ref('RatePlan')) }, ['name', 'status']))),
    },
    [`${p}/{slug}/customers`]: { get: a('list customers', [200, object({ customers: array(ref('Customer')) })], [slug, query('email')]) },
    [`${p}/{slug}/customers/{externalId}`]: {
      put: a('create or update a customer', [200, ref('Customer')], [slug, pathParam('externalId')], body(object({ email: nullable(str()), name: nullable(str()) }, []))),
    },
    [`${p}/{slug}/customers/{externalId}/invoices`]: {
      get: a("list a customer's invoices", [200, object({ invoices: array(ref('Invoice')) })], [slug, pathParam('externalId'), query('status'), query('limit')]),
    },
    [`${p}/{slug}/customers/{externalId}/invoices/{id}`]: {
      put: a('create or replace an invoice', [200, ref('Invoice')], [slug, pathParam('externalId'), pathParam('id')], body(ref('Invoice'))),
    },
    [`${p}/{slug}/audit`]: {
      get: a('audit trail, newest first', [200, object({ events: array(ref('AuditEvent')), nextCursor: nullable(str()) })], [slug, query('type'), query('since'), query('limit'), query('cursor')]),
    },
  };
}

/** A widget route's operation, printed from the route table: its body, query and answer schemas as validated. */
function widgetOperation(route: WidgetRoute): Schema {
  const queryParams = route.query
    ? Object.entries((route.query as unknown as { properties: Record<string, Schema> }).properties).map(([name, schema]) => query(name, schema))
    : [];
  return op(route.summary, [route.answer.status, route.answer.schema as Schema | null], {
    parameters: [...embedParams, ...queryParams],
    ...(route.auth === 'session' ? { security: bearer } : {}),
    ...(route.body && route.method === 'POST' && Object.keys((route.body as unknown as { properties: object }).properties).length > 0 ? body(route.body as unknown as Schema) : {}),
  }, route.errors);
}

function widgetPaths(): Record<string, Record<string, Schema>> {
  const file = (summary: string, type: string) => ({ get: { summary, responses: { 200: { description: 'file', content: { [type]: {} } }, 404: { description: 'not found' } } } });
  return {
    '/healthz': { get: { summary: 'process up', responses: { 200: { description: 'up' } } } },
    '/readyz': { get: { summary: 'storage reachable and engine key loaded', responses: { 200: { description: 'ready' }, 503: { description: 'not ready' } } } },
    '/.well-known/jwks.json': { get: { summary: 'public keys of session JWTs', responses: { 200: { description: 'JWKS', content: json(object({ keys: array({ type: 'object' }) })) } } } },
    '/v1/openapi.json': { get: { summary: 'this document', responses: { 200: { description: 'OpenAPI 3.1' } } } },
    '/v1/embed/loader.js': file('widget loader', 'application/javascript'),
    '/v1/embed/sri.json': file('SRI hashes of the bundle', 'application/json'),
    '/v1/embed/widgets/{file}': { get: { ...file('content-hashed widget bundle', 'application/javascript').get, parameters: [pathParam('file')] } },
    ...Object.fromEntries(WIDGET_ROUTES.map((route) => [route.path, { [route.method.toLowerCase()]: widgetOperation(route) }])),
  };
}

let cached: Schema | null = null;

export function openApiDocument(): Schema {
  cached ??= {
    openapi: '3.1.0',
    info: { title: 'aforo-bridge', version: '1', description: 'Widget and admin APIs of the aforo-bridge engine; paths are relative to the mount prefix.' },
    paths: { ...widgetPaths(), ...adminPaths() },
    components: {
      schemas,
      securitySchemes: {
        sessionJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        adminToken: { type: 'http', scheme: 'bearer' },
      },
    },
  };
  return cached;
}
