/** The page's one session, shared by every widget on it and exposed as `window.AforoSession`. */
import type { ApiTarget } from './http.js';
import { createSession, type Session } from './session.js';

export interface AforoSessionApi {
  /** Sets the engine, tenant and embed key of the page's session; the first configuration wins. */
  configure(target: ApiTarget): Session;
  /** Resolves the page's session JWT, exchanging `bridgeToken` when there is no session yet; null when signed out. */
  getSessionJwt(bridgeToken?: string): Promise<string | null>;
  /** Logs out at the engine and forgets the session; every widget shows its signed-out state. */
  destroy(): Promise<void>;
}

let shared: Session | null = null;

/** The page session for `target`, or an error when the page already has a session for another tenant or key. */
export function pageSession(target: ApiTarget): Session {
  if (!shared) shared = createSession(target);
  const current = shared.target;
  if (current.apiBase !== target.apiBase || current.tenant !== target.tenant || current.embedKey !== target.embedKey) {
    throw new Error('aforo: one page holds one session; every widget must name the same engine, tenant and embed key');
  }
  return shared;
}

/**
 * The page-wide session handle.
 *
 * @example
 * AforoSession.configure({ apiBase: 'https://portal.example.com/aforo', tenant: 'acme', embedKey: 'ek_live_…' });
 * const jwt = await AforoSession.getSessionJwt(bridgeTokenFromMyBackend);
 * await AforoSession.destroy(); // on the portal's own sign-out
 */
export const AforoSession: AforoSessionApi = {
  configure: pageSession,
  async getSessionJwt(bridgeToken) {
    return shared ? shared.getSessionJwt(bridgeToken) : null;
  },
  async destroy() {
    await shared?.destroy();
  },
};
