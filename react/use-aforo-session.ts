/** `useAforoSession()`: the page's one widget session (the same `AforoSession` the widgets share) as a React hook. */
import { useCallback, useMemo, useSyncExternalStore } from 'react';
import { AforoSession, type Session } from '../widgets/sdk.js';

/** Which engine, tenant and embed key the page's widgets use; the same values as the components' props. */
export interface AforoSessionTarget {
  apiBase: string;
  tenantSlug: string;
  embedKey: string;
}

/** What `useAforoSession` returns. */
export interface AforoSessionState {
  /** True while the page holds a session; re-renders on sign-in and sign-out. Always false on the server. */
  signedIn: boolean;
  /** The session JWT for your own routes guarded by `requireSession`, trading `bridgeToken` if there is none yet; null when signed out. */
  getSessionJwt(bridgeToken?: string): Promise<string | null>;
  /** Logs out at the engine and forgets the session; every widget shows its signed-out state. Call it on your own sign-out. */
  destroy(): Promise<void>;
}

/**
 * The page session for `target`. It is the one every widget on the page uses, so `target` must name the same engine,
 * tenant and embed key as the components (a different one throws, as mounting such a widget would fail).
 *
 * @example
 * const { signedIn, destroy } = useAforoSession({ apiBase, tenantSlug: 'acme', embedKey });
 * return signedIn ? <button onClick={() => void destroy()}>Sign out of billing</button> : null;
 */
export function useAforoSession(target: AforoSessionTarget): AforoSessionState {
  const { apiBase, tenantSlug, embedKey } = target;
  // Created on the client only: a server render has no page session to read.
  const session: Session | null = useMemo(
    () => (typeof window === 'undefined' ? null : AforoSession.configure({ apiBase: apiBase.replace(/\/+$/, ''), tenant: tenantSlug, embedKey })),
    [apiBase, tenantSlug, embedKey],
  );
  const subscribe = useCallback((listener: () => void) => (session ? session.onChange(listener) : () => undefined), [session]);
  const signedIn = useSyncExternalStore(subscribe, () => session?.customer() != null, () => false);
  const getSessionJwt = useCallback((bridgeToken?: string) => AforoSession.getSessionJwt(bridgeToken), []);
  const destroy = useCallback(() => AforoSession.destroy(), []);
  return { signedIn, getSessionJwt, destroy };
}
