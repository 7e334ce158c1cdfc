/**
 * One customer session: the JWT kept in this closure only (never Web Storage, IndexedDB, a cookie or the DOM),
 * exchanged once however many widgets ask at the same time, refreshed on the engine's schedule.
 */
import { ApiError, callApi, type ApiTarget } from './http.js';
import { clearMagicToken, dropVerifier, markUsed, storeVerifier } from './magic-token.js';
import type { SessionAnswer } from './wire.js';

/** Who is signed in, as the engine's session answer names them. */
export type SessionCustomer = SessionAnswer['customer'];

export interface Session {
  readonly target: ApiTarget;
  /** The signed-in customer (for the widget's "Signed in as" line), or null when signed out. */
  customer(): SessionCustomer | null;
  /** The session JWT; exchanges `bridgeToken` when there is no session yet. Null when signed out. */
  getSessionJwt(bridgeToken?: string): Promise<string | null>;
  /** Logs out at the engine and forgets the session. */
  destroy(): Promise<void>;
  /** Forgets the session after the engine refused it (401 on a call). */
  end(): void;
  /** Asks the engine to mail a sign-in link back to this page. */
  requestMagicLink(email: string): Promise<void>;
  exchangeMagicLink(token: string): Promise<string | null>;
  /** Called with true on sign-in and false on sign-out; returns the unsubscribe function. */
  onChange(listener: (signedIn: boolean) => void): () => void;
}

const REFRESH_LEAD = 300;
const MAX_RETRY_DELAY = 60;

/** Seconds until refresh: five minutes before expiry, or at half-life when the JWT lives ten minutes or less. */
export function refreshDelay(expiresIn: number): number {
  return expiresIn > 2 * REFRESH_LEAD ? expiresIn - REFRESH_LEAD : expiresIn / 2;
}

export function createSession(target: ApiTarget): Session {
  let jwt: string | null = null;
  let customer: SessionCustomer | null = null;
  let pending: Promise<string | null> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Bumped by every sign-out so that an answer arriving afterwards cannot revive a forgotten session.
  let generation = 0;
  const listeners = new Set<(signedIn: boolean) => void>();

  const notify = (signedIn: boolean): void => listeners.forEach((listener) => listener(signedIn));
  const logout = (token: string): Promise<unknown> =>
    callApi(target, 'POST', '/v1/embed/auth/logout', { jwt: token, keepalive: true }).catch(() => undefined);

  function adopt(answer: SessionAnswer, gen: number): string | null {
    if (gen !== generation) {
      void logout(answer.sessionJwt);
      return null;
    }
    const first = jwt === null;
    jwt = answer.sessionJwt;
    customer = answer.customer ?? null;
    schedule(refreshDelay(answer.expiresIn), 0);
    if (first) notify(true);
    return jwt;
  }

  function schedule(seconds: number, attempt: number): void {
    clearTimeout(timer);
    timer = setTimeout(() => void refresh(attempt), seconds * 1000);
  }

  async function refresh(attempt: number): Promise<void> {
    const gen = generation;
    if (!jwt) return;
    try {
      adopt(await callApi<SessionAnswer>(target, 'POST', '/v1/embed/auth/refresh', { jwt }), gen);
    } catch (error) {
      if (gen !== generation) return;
      const status = error instanceof ApiError ? error.status : 0;
      // The engine said no (401 expired or revoked, 403 origin): the session is over. Anything else is
      // a network failure or an overloaded engine, worth another try while the JWT still lives.
      if (status >= 400 && status < 500 && status !== 408 && status !== 429) end();
      else schedule(Math.min(MAX_RETRY_DELAY, 5 * 2 ** attempt), attempt + 1);
    }
  }

  function exchange(path: string, body: unknown): Promise<string | null> {
    const gen = generation;
    const request = callApi<SessionAnswer>(target, 'POST', path, { body })
      .then((answer) => adopt(answer, gen))
      .finally(() => {
        if (pending === request) pending = null;
      });
    pending = request;
    return request;
  }

  function end(): void {
    const wasSignedIn = jwt !== null;
    generation++;
    jwt = null;
    customer = null;
    pending = null;
    clearTimeout(timer);
    if (wasSignedIn) notify(false);
  }

  return {
    target,
    customer: () => customer,
    async getSessionJwt(bridgeToken) {
      if (jwt) return jwt;
      if (pending) return pending;
      if (bridgeToken) return exchange('/v1/embed/auth/bridge', { bridgeToken });
      return null;
    },
    async destroy() {
      const old = jwt;
      end();
      clearMagicToken();
      dropVerifier();
      if (old) await logout(old);
    },
    end,
    async requestMagicLink(email) {
      storeVerifier();
      await callApi(target, 'POST', '/v1/embed/auth/magic-link', { body: { email, returnUrl: location.href } });
    },
    exchangeMagicLink(token) {
      if (pending) return pending;
      const request = exchange('/v1/embed/auth/magic-link/exchange', { token });
      // One shot: the token and the verifier are spent whether the exchange works or not. They stay readable
      // until it settles so that a second widget mounting meanwhile joins this exchange instead of asking again.
      const spend = (): void => {
        clearMagicToken();
        dropVerifier();
      };
      request.then((signedIn) => {
        spend();
        if (signedIn) void markUsed(token);
      }, spend);
      return request;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
