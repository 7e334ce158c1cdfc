import type { Static, TSchema } from '@sinclair/typebox';
import type { BridgeApi } from './api.js';
import type { EmbedCall } from './embed-api.js';
import type { PlainRequest } from './http.js';
import { validate } from './validate.js';
import {
  AcceptedAnswer, BridgeExchangeBody, ConfigAnswer, EmptyBody, InvoicesAnswer, InvoicesQuery, MagicLinkExchangeBody,
  MagicLinkRequestBody, MeAnswer, SessionAnswer,
} from './schemas.js';

/** What a widget route's handler gets: the bound API, the caller, and its body and query, already validated. */
export interface WidgetInput<B, Q> {
  api: BridgeApi;
  call: EmbedCall;
  body: B;
  query: Q;
  /** The `Authorization: Bearer` credential, when the route takes a session. */
  sessionJwt: string | undefined;
}

/**
 * One widget route: method, path, who may call it, its body, query and answer schemas, and the handler. The
 * request handler routes and validates by it, and the OpenAPI document is printed from it.
 */
export interface WidgetRoute<B extends TSchema = TSchema, Q extends TSchema = TSchema> {
  method: 'GET' | 'POST';
  path: string;
  summary: string;
  /** `embed`: tenant, embed key and origin; `session`: those and a session bearer. */
  auth: 'embed' | 'session';
  body?: B;
  query?: Q;
  answer: { status: number; schema: TSchema | null };
  /** Error statuses the route answers besides the success. */
  errors: number[];
  handler(input: WidgetInput<Static<B>, Static<Q>>): Promise<unknown>;
}

// Infers B and Q per entry, so each handler sees its own validated types.
const route = <B extends TSchema, Q extends TSchema>(definition: WidgetRoute<B, Q>): WidgetRoute => definition as unknown as WidgetRoute;

const AUTH_ERRORS = [400, 401, 403, 429];
const BODY_ERRORS = [400, 401, 403, 413, 415, 429];

/** The widget API (SPEC section 5). */
export const WIDGET_ROUTES: readonly WidgetRoute[] = [
  route({
    method: 'GET', path: '/v1/embed/config', auth: 'embed', summary: 'tenant branding and PUBLISHED offerings',
    answer: { status: 200, schema: ConfigAnswer }, errors: AUTH_ERRORS,
    handler: ({ api, call }) => api.getConfig(call),
  }),
  route({
    method: 'POST', path: '/v1/embed/auth/bridge', auth: 'embed', summary: 'exchange a bridge token for a session',
    body: BridgeExchangeBody, answer: { status: 200, schema: SessionAnswer }, errors: BODY_ERRORS,
    handler: ({ api, call, body }) => api.exchangeBridgeToken({ ...call, bridgeToken: body.bridgeToken }),
  }),
  route({
    method: 'POST', path: '/v1/embed/auth/refresh', auth: 'session', summary: 'refresh the session (same sid)',
    body: EmptyBody, answer: { status: 200, schema: SessionAnswer }, errors: BODY_ERRORS,
    handler: ({ api, call, sessionJwt }) => api.refreshSession({ ...call, sessionJwt }),
  }),
  route({
    method: 'POST', path: '/v1/embed/auth/logout', auth: 'session', summary: 'revoke the session',
    body: EmptyBody, answer: { status: 204, schema: null }, errors: BODY_ERRORS,
    handler: ({ api, call, sessionJwt }) => api.logout({ ...call, sessionJwt }),
  }),
  route({
    method: 'POST', path: '/v1/embed/auth/magic-link', auth: 'embed', summary: 'request a sign-in link (always the same 202)',
    body: MagicLinkRequestBody, answer: { status: 202, schema: AcceptedAnswer }, errors: BODY_ERRORS,
    handler: ({ api, call, body }) => api.requestMagicLink({ ...call, email: body.email, returnUrl: body.returnUrl }),
  }),
  route({
    method: 'POST', path: '/v1/embed/auth/magic-link/exchange', auth: 'embed', summary: 'redeem a sign-in link',
    body: MagicLinkExchangeBody, answer: { status: 200, schema: SessionAnswer }, errors: BODY_ERRORS,
    handler: ({ api, call, body }) => api.exchangeMagicLink({ ...call, token: body.token }),
  }),
  route({
    method: 'GET', path: '/v1/embed/me', auth: 'session', summary: 'the signed-in customer',
    answer: { status: 200, schema: MeAnswer }, errors: AUTH_ERRORS,
    handler: ({ api, call, sessionJwt }) => api.getMe({ ...call, sessionJwt }),
  }),
  route({
    method: 'GET', path: '/v1/embed/invoices', auth: 'session', summary: "the signed-in customer's invoices",
    query: InvoicesQuery, answer: { status: 200, schema: InvoicesAnswer }, errors: AUTH_ERRORS,
    handler: ({ api, call, sessionJwt, query }) =>
      api.listInvoices({ ...call, sessionJwt, status: query.status, limit: query.limit, cursor: query.cursor }),
  }),
];

/** The bearer credential of a request, if it has one. */
export function bearerOf(request: PlainRequest): string | undefined {
  return /^Bearer[ ]+([^\s]+)$/i.exec(request.headers.authorization ?? '')?.[1];
}

export { validate };
