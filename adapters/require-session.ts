import type { Bridge } from '../lib/bridge.js';
import { BridgeError } from '../lib/errors.js';
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
  return async (request, authorization) => {
    const token = /^Bearer[ ]+([^\s]+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new BridgeError('session_invalid', 'a session token is required');
    const slug = typeof tenant === 'string' ? tenant : await tenant(request);
    if (typeof slug !== 'string') throw new BridgeError('session_invalid', 'this route belongs to no tenant');
    try {
      return await bridge.api.verifySession(token, { tenant: slug });
    } catch (error) {
      // A slug the host's function made up is a refusal of this request, not a crash of the host's route.
      if (error instanceof TypeError && typeof tenant === 'function') throw new BridgeError('session_invalid', 'this route belongs to no tenant');
      throw error;
    }
  };
}
