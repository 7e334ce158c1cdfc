import type { IncomingMessage } from 'node:http';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { Bridge } from '../lib/bridge.js';
import { BridgeError } from '../lib/errors.js';
import { errorResponse } from '../lib/edge.js';
import type { PlainResponse } from '../lib/http.js';
import type { ActiveSession } from '../lib/sessions.js';
import { plainHeaders, plainQuery, readBody } from './node-body.js';
import { requirePeer } from './peer.js';
import { sessionVerifier, type RequireSessionOptions } from './require-session.js';

requirePeer('fastify', 'aforo-bridge/fastify');

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified session, set by the `requireSession` hook. */
    aforo?: ActiveSession;
  }
}

/** Options of `fastifyBridge`; pass `prefix` next to them, as for any Fastify plugin. */
export interface FastifyBridgeOptions {
  bridge: Bridge;
}

function send(reply: FastifyReply, response: PlainResponse): FastifyReply {
  return reply.code(response.status).headers(response.headers).send(response.body ?? undefined);
}

/**
 * Fastify plugin serving the engine under the `prefix` it is registered with. It is deliberately encapsulated
 * (no `fastify-plugin`), so its body parsing, 404 and error handling stay inside the prefix.
 *
 * Host routes under the prefix registered on the host's own instance (`/aforo/custom`) win over the plugin's
 * wildcard, as Fastify prefers static and parametric routes; any other path the engine does not serve is 404
 * with the SPEC's error envelope. The client IP is `request.ip`, so the host's `trustProxy` decides it.
 *
 * @example
 * const app = Fastify({ trustProxy: 1 });
 * await app.register(fastifyBridge, { bridge, prefix: '/aforo' });
 */
export const fastifyBridge: FastifyPluginAsync<FastifyBridgeOptions> = async (app, { bridge }) => {
  const prefix = app.prefix.replace(/\/+$/, '');
  // Every body reaches the engine raw, so its 16 KiB cap, media-type and JSON checks answer with its envelope;
  // the host's JSON parser would answer malformed or oversized bodies in its own format.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request: FastifyRequest, payload: IncomingMessage) => readBody(payload));

  app.setNotFoundHandler((_request, reply) => send(reply, errorResponse(new BridgeError('not_found', 'no such route'))));
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    // Fastify refuses a malformed Content-Type before any parser runs.
    if (!error.code?.startsWith('FST_ERR_CTP_')) throw error;
    const refusal = error.statusCode === 413 ? new BridgeError('payload_too_large', 'the body is larger than 16 KiB')
      : error.statusCode === 415 ? new BridgeError('unsupported_media_type', 'the body must be application/json')
        : new BridgeError('invalid_request', 'the body could not be read');
    return send(reply, errorResponse(refusal));
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const at = request.url.indexOf('?');
    const pathname = at === -1 ? request.url : request.url.slice(0, at);
    const response = await bridge.handle({
      method: request.method,
      path: pathname.slice(prefix.length) || '/',
      query: plainQuery(at === -1 ? '' : request.url.slice(at + 1)),
      headers: plainHeaders(request.headers),
      // A Buffer from the parser above, or a value a host hook already parsed.
      body: request.body,
      ip: request.ip,
    });
    if (response) return send(reply, response);
    // Returning the reply tells Fastify the 404 handler answers, even if its hooks run asynchronously.
    reply.callNotFound();
    return reply;
  };
  app.all('/', handler);
  app.all('/*', handler);
};

/**
 * Optional `frameworkErrors` for the Fastify constructor. Fastify refuses a URL with a malformed percent-escape
 * before routing, so no plugin sees it; with this, such a URL under the bridge's prefix gets the SPEC's error
 * envelope (400 `invalid_request`), and every other URL Fastify's usual answer.
 *
 * @example
 * const app = Fastify({ frameworkErrors: bridgeFrameworkErrors('/aforo') });
 * await app.register(fastifyBridge, { bridge, prefix: '/aforo' });
 */
export function bridgeFrameworkErrors(prefix: string): NonNullable<FastifyServerOptions['frameworkErrors']> {
  const base = prefix.replace(/\/+$/, '');
  return (error, request, reply) => {
    const url = request.url;
    const ours = url === base || url.startsWith(`${base}/`) || url.startsWith(`${base}?`);
    const plain = reply as FastifyReply;
    if (!ours) plain.code(error.statusCode ?? 400).send(error);
    else send(plain, errorResponse(new BridgeError('invalid_request', 'the URL is malformed')));
  };
}

/**
 * Fastify `preHandler` hook for the tenant's own routes: verifies `Authorization: Bearer <session JWT>` for
 * `tenant` and sets `request.aforo` to the session; answers 401 with the SPEC's error envelope otherwise.
 *
 * @example
 * app.get('/api/me', { preHandler: requireSession(bridge, { tenant: 'acme' }) }, async (request) => ({
 *   customerId: request.aforo!.customer.id,
 * }));
 */
export function requireSession(
  bridge: Bridge,
  options: RequireSessionOptions<FastifyRequest>,
): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const verify = sessionVerifier(bridge, options);
  return async (request, reply) => {
    try {
      request.aforo = await verify(request, request.headers.authorization);
      return undefined;
    } catch (error) {
      if (!(error instanceof BridgeError) || error.status >= 500) throw error;
      return send(reply, errorResponse(error));
    }
  };
}
