import type { Bridge } from '../lib/bridge.js';
import { BridgeError } from '../lib/errors.js';
import { SLUG } from '../lib/validate.js';
import type { ActiveSession } from '../lib/sessions.js';

/** Options of `requireSession` in every adapter. */
export interface RequireSessionOptions<Request> {
  /**
   * The tenant whose route this is: its slug, or a function of the request for hosts serving several tenants.
   * A session of any other tenant is refused with 401 `session_invalid`.
   */
  tenant: string | ((request: Request) => string | Promise<string>);
}

/**
 * Checks the options once, when the middleware is built, and returns the verifier it runs per request. Leaving
 * `tenant` out fails here: an unscoped check would let a session of any tenant through.
 */
export function sessionVerifier<Request>(
  bridge: Bridge,
  options: RequireSessionOptions<Request> | undefined,
): (request: Request, authorization: string | undefined) => Promise<ActiveSession> {
  const tenant = options?.tenant;
  if (typeof tenant !== 'string' && typeof tenant !== 'function') {
    throw new TypeError("requireSession(bridge, { tenant }) needs tenant: the tenant's slug, or a function of the request returning it");
  }
  if (typeof tenant === 'string' && !SLUG.test(tenant)) throw new TypeError(`requireSession: tenant ${JSON.stringify(tenant.slice(0, 80))} is not a tenant slug`);
  return async (request, authorization) => {
    const token = /^Bearer[ ]+([^\s]+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new BridgeError('session_invalid', 'a session token is required');
    const slug = typeof tenant === 'string' ? tenant : await tenant(request);
    // A slug the host's function made up from the request is a refusal of this request, not a crash of its route.
    if (typeof slug !== 'string' || !SLUG.test(slug)) throw new BridgeError('session_invalid', 'this route belongs to no tenant');
    return bridge.api.verifySession(token, { tenant: slug });
  };
}
