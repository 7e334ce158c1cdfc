import type { Context, Middleware, Next } from 'koa';
import type { Bridge } from '../lib/bridge.js';
import { BridgeError } from '../lib/errors.js';
import { errorResponse } from '../lib/edge.js';
import type { ActiveSession } from '../lib/sessions.js';
import { sessionVerifier, type RequireSessionOptions } from './require-session.js';
import { plainHeaders, plainQuery, readBody } from './node-body.js';

/** Options of `koaBridge`. */
export interface KoaBridgeOptions {
  /** Where the engine is mounted, e.g. `/aforo` (default: the root). */
  prefix?: string;
}

function stripPrefix(path: string, prefix: string): string | null {
  if (!prefix) return path;
  if (path === prefix) return '/';
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : null;
}

/**
 * Mounts the engine in a Koa app. Paths the engine does not serve go on to the next middleware.
 *
 * @example
 * app.use(koaBridge(bridge, { prefix: '/aforo' }));
 */
export function koaBridge(bridge: Bridge, options: KoaBridgeOptions = {}): Middleware {
  const prefix = (options.prefix ?? '').replace(/\/+$/, '');
  return async (ctx: Context, next: Next) => {
    const path = stripPrefix(ctx.path, prefix);
    if (path === null) return next();
    // A host body parser (koa-bodyparser, @koa/bodyparser) leaves the parsed body on ctx.request.body.
    const parsed = (ctx.request as { body?: unknown }).body;
    const body = parsed !== undefined ? parsed : await readBody(ctx.req);
    const response = await bridge.handle({
      method: ctx.method,
      path,
      query: plainQuery(ctx.querystring),
      headers: plainHeaders(ctx.headers),
      body,
      ip: ctx.ip,
    });
    if (!response) return next();
    ctx.set(response.headers);
    // Koa turns a null body into 204 on its own; only the engine's 204s carry none.
    if (response.body !== null) ctx.body = response.body;
    ctx.status = response.status;
  };
}

/**
 * Koa middleware for the tenant's own routes: verifies `Authorization: Bearer <session JWT>` for `tenant` and puts
 * the session on `ctx.state.aforo`; answers 401 with the SPEC's envelope otherwise.
 *
 * @example
 * router.get('/api/me', requireSession(bridge, { tenant: 'acme' }), (ctx) => {
 *   ctx.body = { customerId: ctx.state.aforo.customer.id };
 * });
 */
export function requireSession(bridge: Bridge, options: RequireSessionOptions<Context>): Middleware {
  const verify = sessionVerifier(bridge, options);
  return async (ctx: Context, next: Next) => {
    let active: ActiveSession;
    try {
      active = await verify(ctx, ctx.get('authorization'));
    } catch (error) {
      if (!(error instanceof BridgeError) || error.status >= 500) throw error;
      const response = errorResponse(error);
      ctx.set(response.headers);
      ctx.status = response.status;
      ctx.body = response.body;
      return;
    }
    (ctx.state as { aforo?: ActiveSession }).aforo = active;
    await next();
  };
}
