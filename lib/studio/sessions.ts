import { randomId, safeEqual, sha256Hex } from '../crypto.js';

/** Absolute lifetime of a studio session: a working day. */
export const STUDIO_ABSOLUTE_MS = 8 * 3600_000;
/** A studio session unused this long ends. */
export const STUDIO_IDLE_MS = 30 * 60_000;
// Bounds what repeated sign-ins can make one process hold; past it the oldest session ends.
const MAX_SESSIONS = 1000;

export interface StudioSession {
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

/**
 * Embed Studio sessions, held in the engine process's memory: a restart signs everyone out, and with several
 * processes behind one address a browser must come back to the process that signed it in. The cookie carries a
 * random id; only its SHA-256 is kept, so a heap dump does not hold a usable cookie. The admin token itself never
 * leaves the server.
 */
export class StudioSessions {
  private readonly byHash = new Map<string, StudioSession>();

  constructor(private readonly now: () => Date) {}

  /** Starts a session; returns the cookie value and the CSRF token, each 256 random bits. */
  create(): { cookie: string; session: StudioSession } {
    const at = this.now().getTime();
    this.sweep(at);
    if (this.byHash.size >= MAX_SESSIONS) this.byHash.delete(this.byHash.keys().next().value as string);
    const cookie = randomId('', 32);
    const session: StudioSession = { csrfToken: randomId('', 32), createdAt: at, lastSeenAt: at };
    this.byHash.set(sha256Hex(cookie), session);
    return { cookie, session };
  }

  /** The live session of a cookie value, touched; null when unknown, past 8 h, or idle 30 min (it is then ended). */
  use(cookie: string | undefined): StudioSession | null {
    if (!cookie) return null;
    const hash = sha256Hex(cookie);
    const session = this.byHash.get(hash);
    if (!session) return null;
    const at = this.now().getTime();
    if (!this.alive(session, at)) {
      this.byHash.delete(hash);
      return null;
    }
    session.lastSeenAt = at;
    return session;
  }

  /** True when `presented` is this session's CSRF token (constant-time). */
  static csrfMatches(session: StudioSession, presented: string | undefined): boolean {
    return typeof presented === 'string' && presented.length > 0 && safeEqual(session.csrfToken, presented);
  }

  /** Ends a session server-side: its cookie is useless from now on, even if a copy survives in a browser. */
  end(cookie: string | undefined): void {
    if (cookie) this.byHash.delete(sha256Hex(cookie));
  }

  /** When the session ends if used no more: the earlier of idle and absolute expiry. */
  static expiresAt(session: StudioSession): number {
    return Math.min(session.createdAt + STUDIO_ABSOLUTE_MS, session.lastSeenAt + STUDIO_IDLE_MS);
  }

  private alive(session: StudioSession, at: number): boolean {
    return at < session.createdAt + STUDIO_ABSOLUTE_MS && at < session.lastSeenAt + STUDIO_IDLE_MS;
  }

  private sweep(at: number): void {
    for (const [hash, session] of this.byHash) if (!this.alive(session, at)) this.byHash.delete(hash);
  }
}
