/**
 * One customer session: the JWT kept in this closure only (never Web Storage, IndexedDB, a cookie or the DOM),
 * exchanged once however many widgets ask at the same time, refreshed on the engine's schedule. A magic-link
 * session may also resume after a reload with the non-extractable key of resume-key.ts (SPEC section 9).
 */
import { ApiError, callApi, type ApiTarget } from './http.js';
import { clearMagicToken, dropVerifier, markUsed, storeVerifier } from './magic-token.js';
import { canResume, createResumeKey, dropResumeKey, isBound, loadResumeKey, saveResumeKey, signResumeProof, type ResumeKeyPair } from './resume-key.js';
import type { ResumeNonceAnswer, SessionAnswer } from './wire.js';

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
  /**
   * Resumes this browser's magic-link session with its bound key, when there is no session in memory; null when
   * there is nothing to resume. A refusal deletes the key.
   */
  resume(): Promise<string | null>;
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
      if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
        void forgetKey();
        end();
      }
      else schedule(Math.min(MAX_RETRY_DELAY, 5 * 2 ** attempt), attempt + 1);
    }
  }

  /** Runs one sign-in (exchange or resume) that every concurrent caller joins. */
  function exchange(obtain: () => Promise<SessionAnswer | null>): Promise<string | null> {
    const gen = generation;
    const request = obtain()
      .then((answer) => (answer ? adopt(answer, gen) : null))
      .finally(() => {
        if (pending === request) pending = null;
      });
    pending = request;
    return request;
  }

  // Any refusal by the engine (401, 403) means this key will never resume anything: it goes. A network failure or
  // a 429 leaves it for the next load.
  async function resumeWithKey(): Promise<SessionAnswer | null> {
    let key: ResumeKeyPair | null = null;
    try {
      key = await loadResumeKey(target);
      if (!key) return null;
      const { nonce } = await callApi<ResumeNonceAnswer>(target, 'POST', '/v1/embed/auth/resume/nonce', { body: {} });
      const proof = await signResumeProof(key, nonce, target.apiBase + '/v1/embed/auth/resume');
      return await callApi<SessionAnswer>(target, 'POST', '/v1/embed/auth/resume', { body: { proof } });
    } catch (error) {
      if (key && error instanceof ApiError && (error.status === 401 || error.status === 403)) await forgetKey();
      return null;
    }
  }

  const forgetKey = (): Promise<void> => dropResumeKey(target).catch(() => undefined);

  async function exchangeWithKey(token: string): Promise<SessionAnswer> {
    const key = canResume() ? await createResumeKey().catch(() => null) : null;
    const answer = await callApi<SessionAnswer>(target, 'POST', '/v1/embed/auth/magic-link/exchange', {
      body: key ? { token, resumeKey: key.publicJwk } : { token },
    });
    // Kept only when the engine bound it (resumption may be off); a new sign-in replaces an older key.
    if (key && isBound(answer.sessionJwt)) await saveResumeKey(target, key).catch(() => undefined);
    else await forgetKey();
    return answer;
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
      if (bridgeToken) return exchange(() => callApi<SessionAnswer>(target, 'POST', '/v1/embed/auth/bridge', { body: { bridgeToken } }));
      return null;
    },
    async destroy() {
      const old = jwt;
      end();
      clearMagicToken();
      dropVerifier();
      await forgetKey();
      if (old) await logout(old);
    },
    end() {
      // The engine refused the session (logged out in another tab, revoked, expired): resuming it would be refused too.
      if (jwt) void forgetKey();
      end();
    },
    resume() {
      if (jwt) return Promise.resolve(jwt);
      if (pending) return pending;
      return exchange(resumeWithKey);
    },
    async requestMagicLink(email) {
      storeVerifier();
      await callApi(target, 'POST', '/v1/embed/auth/magic-link', { body: { email, returnUrl: location.href } });
    },
    exchangeMagicLink(token) {
      if (pending) return pending;
      const request = exchange(() => exchangeWithKey(token));
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
